import type { ConfigDocument } from '@mesh/proto';
import { CLUSTER_DOMAIN, DEFAULT_NAMESPACE, hasErrors, type Diagnostic } from '@mesh/rules';
import {
  parseTimeout,
  withControlPlane,
  type ControlPlaneDeps,
  type ControlPlaneOptions,
} from './connection.js';
import {
  diagnosticLines,
  duplicateErrors,
  ref,
  splitDocuments,
  type SourceDocument,
} from './documents.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import type { CliIo } from './io.js';
import { formatData } from './report.js';
import { loadInputs, type InputFile } from './inputs.js';
import { resourceType } from './kinds.js';
import { conflictHint, GRPC_STATUS, RpcError } from './rpc.js';

export interface ApplyOptions extends ControlPlaneOptions {
  /** -f arguments: files, directories or `-`. */
  filenames: readonly string[];
  /** -n: namespace of documents that name none. */
  namespace?: string;
  exclude?: readonly string[];
  /** Validate and report outcomes; write nothing. */
  dryRun?: boolean;
  /** text: one line per resource (kubectl's); json/yaml: `{dryRun, results: [...]}`. */
  output?: 'text' | 'json' | 'yaml';
}

export const SKIP_NOTE = 'not a mesh resource (meshctl stores networking.istio.io kinds)';

/**
 * Kubernetes Services skipped from the inputs still exist for the user: the server's analysis
 * must not call routes to them unknown hosts (`meshctl analyze` treats them the same way).
 */
export function serviceHosts(skipped: readonly SourceDocument[]): string[] {
  return skipped
    .filter((s) => s.apiVersion === 'v1' && s.kind === 'Service' && s.name !== '')
    .map((s) => `${s.name}.${s.namespace}.${CLUSTER_DOMAIN}`.toLowerCase());
}

/** `skipped Service default/productpage: not a mesh resource (...)`, one per object left out. */
export function writeSkipped(io: CliIo, skipped: readonly SourceDocument[]): void {
  for (const s of skipped) io.stderr(`skipped ${ref(s)}: ${SKIP_NOTE}\n`);
}

/**
 * `meshctl apply`: every mesh resource in the inputs in one Apply call, so a set of changes
 * lands whole or not at all (unlike kubectl, which applies one object at a time).
 */
export function runApply(
  options: ApplyOptions,
  io: CliIo,
  deps: ControlPlaneDeps,
): Promise<number> {
  return guarded(io, options.debug, async () => {
    parseTimeout(options.timeout);
    const files = await loadInputs(options.filenames, options.exclude ?? [], io);
    const split = splitDocuments(files, options.namespace ?? DEFAULT_NAMESPACE);
    writeSkipped(io, split.skipped);
    const local = [...split.diagnostics, ...duplicateErrors(split.resources)];
    if (hasErrors(local)) return rejected(io, local, files, split.resources);
    if (split.resources.length === 0) {
      // Like kubectl's "no objects passed to apply": applying nothing must not look like success.
      io.stderr('error: no networking.istio.io resources in the input; nothing was applied\n');
      return EXIT_FINDINGS;
    }
    const dryRun = options.dryRun ?? false;
    return withControlPlane(options, io, deps, async (client) => {
      let response;
      try {
        response = await client.apply({
          documents: split.resources.map(toConfigDocument),
          dryRun,
          knownHosts: serviceHosts(split.skipped),
        });
      } catch (err) {
        if (
          err instanceof RpcError &&
          err.code === GRPC_STATUS.INVALID_ARGUMENT &&
          err.diagnostics.length > 0
        )
          return rejected(io, err.diagnostics, files, split.resources);
        if (err instanceof RpcError && err.code === GRPC_STATUS.ABORTED) {
          // Only documents carrying a resourceVersion can conflict; name the one if it is alone.
          const versioned = split.resources.filter((r) => r.resourceVersion !== '');
          io.stderr(
            `Error: ${err.details}\n${conflictHint(versioned.length === 1 ? versioned[0] : undefined)}\n`,
          );
          return EXIT_FINDINGS;
        }
        throw err;
      }
      const output = options.output ?? 'text';
      if (output !== 'text') io.stdout(formatData(output, { dryRun, results: response.results }));
      const suffix = dryRun ? ' (dry run)' : '';
      if (output === 'text')
        for (const r of response.results)
          io.stdout(`${resourceType(r.kind)}/${r.name} ${r.outcome}${suffix}\n`);
      if (response.diagnostics.length > 0)
        io.stderr(`${diagnosticLines(response.diagnostics, files, split.resources).join('\n')}\n`);
      return EXIT_OK;
    });
  });
}

export function toConfigDocument(doc: SourceDocument): ConfigDocument {
  return {
    kind: doc.kind,
    namespace: doc.namespace,
    name: doc.name,
    resourceVersion: doc.resourceVersion,
    text: doc.text,
    source: { file: doc.file, document: doc.document },
  };
}

function rejected(
  io: CliIo,
  diagnostics: readonly Diagnostic[],
  files: readonly InputFile[],
  documents: readonly SourceDocument[],
): number {
  io.stderr(`${diagnosticLines(diagnostics, files, documents).join('\n')}\n`);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  io.stderr(`error: nothing was applied (${errors} error${errors === 1 ? '' : 's'})\n`);
  return EXIT_FINDINGS;
}
