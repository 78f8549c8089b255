import { analyze, DEFAULT_NAMESPACE, hasErrors, resolveHost } from '@mesh/rules';
import { checkInputs } from './check.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import type { CliIo } from './io.js';
import { kubeServicesIn } from './kube-services.js';
import type { AnalyzeOptions } from './options.js';
import { lineNumbers } from './locate.js';
import { findingLines, sortBySource, writeReport } from './report.js';

/**
 * `meshctl analyze`: validation first (its errors are findings too), then the cross-resource
 * analyzers over the resources that passed, so one broken resource does not hide the rest.
 */
export function runAnalyze(options: AnalyzeOptions, io: CliIo): Promise<number> {
  return guarded(io, options.debug, async () => {
    const checked = await checkInputs(options, io);
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const services = kubeServicesIn(checked.skipped, checked.parseDiagnostics);
    // The "skipped" note is noise for a Service analyze turned into a known host.
    const usedNotes = new Set(services.map((s) => s.note));
    const knownHosts = [
      ...services.map((s) => s.host),
      ...(options.knownHosts ?? []).map((h) => resolveHost(h, namespace)),
    ];
    const valid = checked.resources.filter((r) => !hasErrors(r.diagnostics)).map((r) => r.resource);
    const findings = analyze(valid, { knownHosts: [...new Set(knownHosts)] });

    const local = sortBySource(
      [
        ...checked.parseDiagnostics.filter((d) => !usedNotes.has(d)),
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
      lineNumbers(checked.files, diagnostics),
    );
    return hasErrors(diagnostics) ? EXIT_FINDINGS : EXIT_OK;
  });
}
