import { analyze, DEFAULT_NAMESPACE, hasErrors, resolveHost, type Diagnostic } from '@mesh/rules';
import { checkInputs } from './check.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import type { CliIo } from './io.js';
import { findKubeServices, type KubeService } from './kube-services.js';
import type { AnalyzeOptions } from './options.js';
import { findingLines, sortBySource, writeReport } from './report.js';

const SKIPPED_OBJECT = 'MESH-V0002';

/**
 * `meshctl analyze`: validation first (its errors are findings too), then the cross-resource
 * analyzers over the resources that passed, so one broken resource does not hide the rest.
 */
export function runAnalyze(options: AnalyzeOptions, io: CliIo): Promise<number> {
  return guarded(io, options.debug, async () => {
    const checked = await checkInputs(options, io);
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const services = new Map<string, KubeService[]>(
      checked.files.map((f) => [f.name, findKubeServices(f.text, namespace)]),
    );
    const knownHosts = [
      ...[...services.values()].flat().map((s) => s.host),
      ...(options.knownHosts ?? []).map((h) => resolveHost(h, namespace)),
    ];
    const valid = checked.resources.filter((r) => !hasErrors(r.diagnostics)).map((r) => r.resource);
    const findings = analyze(valid, { knownHosts: [...new Set(knownHosts)] });

    const local = sortBySource(
      [
        ...checked.parseDiagnostics.filter((d) => !isUsedService(d, services)),
        ...checked.resources.flatMap((r) => r.diagnostics),
      ],
      checked.files.map((f) => f.name),
    );
    const diagnostics = [...local, ...findings];
    writeReport(
      io,
      options.output ?? 'text',
      'analyzed',
      { resources: checked.resources.length, files: checked.files.length },
      diagnostics,
      findingLines,
    );
    return hasErrors(diagnostics) ? EXIT_FINDINGS : EXIT_OK;
  });
}

/** The "skipped" warning is noise for a Service analyze turned into a known host. */
function isUsedService(d: Diagnostic, services: ReadonlyMap<string, KubeService[]>): boolean {
  if (d.code !== SKIPPED_OBJECT || d.kind !== 'Service') return false;
  const inFile = services.get(d.source?.file ?? '') ?? [];
  return inFile.some(
    (s) => s.document === d.source?.document && s.name === d.name && s.namespace === d.namespace,
  );
}
