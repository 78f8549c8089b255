import type { DocumentResult, ResourceKey } from '@mesh/proto';
import { DEFAULT_NAMESPACE, hasErrors } from '@mesh/rules';
import { writeSkipped } from './apply.js';
import {
  parseTimeout,
  withControlPlane,
  type ControlPlaneDeps,
  type ControlPlaneOptions,
} from './connection.js';
import { diagnosticLines, ref, splitDocuments } from './documents.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import { InputError, loadInputs } from './inputs.js';
import type { CliIo } from './io.js';
import { formatData } from './report.js';
import { parseKind, resourceType } from './kinds.js';
import { describeRpcError, GRPC_STATUS, RpcError } from './rpc.js';

export interface DeleteOptions extends ControlPlaneOptions {
  /** -f arguments; exclusive with `resources`. */
  filenames?: readonly string[];
  /** `<type> <name>...` or `<type>/<name>...`. */
  resources?: readonly string[];
  namespace?: string;
  exclude?: readonly string[];
  /** A resource that is already gone is not an error. */
  ignoreNotFound?: boolean;
  /** text: one line per deletion (kubectl's); json/yaml: `{results: [...]}` once all are done. */
  output?: 'text' | 'json' | 'yaml';
}

// Answers about one resource; the others still get their turn, as with kubectl delete.
const PER_RESOURCE: ReadonlySet<number> = new Set([
  GRPC_STATUS.NOT_FOUND,
  GRPC_STATUS.INVALID_ARGUMENT,
  GRPC_STATUS.ABORTED,
  GRPC_STATUS.FAILED_PRECONDITION,
]);

/** `meshctl delete`: one Delete call per resource named by -f documents or by type and name. */
export function runDelete(
  options: DeleteOptions,
  io: CliIo,
  deps: ControlPlaneDeps,
): Promise<number> {
  return guarded(io, options.debug, async () => {
    parseTimeout(options.timeout);
    const filenames = options.filenames ?? [];
    const args = options.resources ?? [];
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    if (filenames.length > 0 && args.length > 0)
      throw new InputError('give either -f or a type and names, not both');
    if (filenames.length === 0 && args.length === 0)
      throw new InputError(
        'nothing to delete: give -f FILE, or a type and names (meshctl delete vs reviews)',
      );

    let targets: ResourceKey[];
    if (args.length > 0) targets = targetsFromArgs(args, namespace);
    else {
      const files = await loadInputs(filenames, options.exclude ?? [], io);
      const split = splitDocuments(files, namespace);
      writeSkipped(io, split.skipped);
      if (hasErrors(split.diagnostics)) {
        io.stderr(`${diagnosticLines(split.diagnostics, files, split.resources).join('\n')}\n`);
        const n = split.diagnostics.filter((d) => d.severity === 'error').length;
        io.stderr(`error: nothing was deleted (${n} error${n === 1 ? '' : 's'})\n`);
        return EXIT_FINDINGS;
      }
      if (split.resources.length === 0) {
        io.stderr('error: no networking.istio.io resources in the input; nothing was deleted\n');
        return EXIT_FINDINGS;
      }
      // The same resource in two files is one deletion, not a deletion and a "not found".
      const seen = new Set<string>();
      targets = split.resources.filter((r) => !seen.has(ref(r)) && seen.add(ref(r)));
    }

    return withControlPlane(options, io, deps, async (client, context) => {
      let exitCode = EXIT_OK;
      const output = options.output ?? 'text';
      const deleted: DocumentResult[] = [];
      for (const target of targets) {
        const key = { kind: target.kind, namespace: target.namespace, name: target.name };
        try {
          const { result } = await client.delete({ ...key, resourceVersion: '' });
          deleted.push(result);
          if (output === 'text')
            io.stdout(`${resourceType(result.kind)} "${result.name}" deleted\n`);
        } catch (err) {
          if (!(err instanceof RpcError) || !PER_RESOURCE.has(err.code)) throw err;
          if (err.code === GRPC_STATUS.NOT_FOUND) {
            if (options.ignoreNotFound) continue;
            io.stderr(`Error: ${ref(key)} not found\n`);
          } else io.stderr(`${describeRpcError(err, context).message}\n`);
          exitCode = EXIT_FINDINGS;
        }
      }
      if (output !== 'text') io.stdout(formatData(output, { results: deleted }));
      return exitCode;
    });
  });
}

/** `vs reviews ratings` or `vs/reviews dr/reviews`. */
export function targetsFromArgs(args: readonly string[], namespace: string): ResourceKey[] {
  const [first, ...rest] = args;
  if (first!.includes('/')) {
    return args.map((arg) => {
      const slash = arg.indexOf('/');
      const name = arg.slice(slash + 1);
      if (slash < 0 || name === '' || name.includes('/'))
        throw new InputError(
          `"${arg}": write every resource as <type>/<name> once one is written that way`,
        );
      return { kind: parseKind(arg.slice(0, slash)), namespace, name };
    });
  }
  const kind = parseKind(first!);
  if (rest.length === 0)
    throw new InputError(`no name given: meshctl delete ${first} <name> [<name>...]`);
  const bad = rest.find((n) => n.includes('/'));
  if (bad !== undefined)
    throw new InputError(`"${bad}" is not a name; use either "${first} <name>" or "<type>/<name>"`);
  return rest.map((name) => ({ kind, namespace, name }));
}
