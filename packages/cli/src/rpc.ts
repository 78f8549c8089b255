// Failed control-plane calls as users read them: one `Error: ...` line (plus a hint where one
// helps) and an exit code. Status codes come from @mesh/rules, not @grpc/grpc-js, so that
// validate and analyze never load grpc (rpc.test.ts checks the numbers).
import { GRPC_STATUS, type Diagnostic, type GrpcStatusName } from '@mesh/rules';
import { EXIT_FINDINGS } from './guard.js';

export { GRPC_STATUS, type GrpcStatusName };

/** The control plane could not be reached or failed on its side: not the user's config. */
export const EXIT_UNREACHABLE = 3;

export function statusName(code: number): string {
  const entry = Object.entries(GRPC_STATUS).find(([, value]) => value === code);
  return entry ? entry[0] : `status ${code}`;
}

/** A call that ended with a non-OK status, as the real client (or a test double) reports it. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    /** The status message: the server's words, or grpc-js's for failures on the client side. */
    readonly details: string,
    /** INVALID_ARGUMENT only: the diagnostics from the trailing metadata. */
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(`${statusName(code)}: ${details}`);
  }
}

/**
 * Exit code for a failed call. 1 when the answer is about what the user asked for (rejected,
 * not found, conflict, not allowed); 3 when nothing useful came back (unreachable, timed out,
 * a server fault).
 */
export function exitCodeForStatus(code: number): number {
  switch (code) {
    case GRPC_STATUS.OK:
      return 0;
    case GRPC_STATUS.INVALID_ARGUMENT:
    case GRPC_STATUS.NOT_FOUND:
    case GRPC_STATUS.ALREADY_EXISTS:
    case GRPC_STATUS.PERMISSION_DENIED:
    case GRPC_STATUS.FAILED_PRECONDITION:
    case GRPC_STATUS.ABORTED:
    case GRPC_STATUS.OUT_OF_RANGE:
    case GRPC_STATUS.UNAUTHENTICATED:
      return EXIT_FINDINGS;
    default:
      return EXIT_UNREACHABLE;
  }
}

// grpc-js words for failures that happen before any server answered.
const CLIENT_SIDE =
  /^(No connection established|Connection dropped|Name resolution failed|Failed to connect|failed to connect)/;

/**
 * The reason worth showing from grpc-js's connection message, e.g. "connect ECONNREFUSED
 * 127.0.0.1:15010" out of "No connection established. Last error: Error: connect ECONNREFUSED
 * 127.0.0.1:15010. Resolution note: ".
 */
export function connectionReason(details: string): string {
  const last = /Last error: (?:Error: )?(.*?)\.?(?:\s*Resolution note:.*)?$/s.exec(details);
  const reason = last?.[1]?.trim();
  return reason ? reason : details.replace(/\.\s*$/, '');
}

export interface CallContext {
  /** The --control-plane address as the user gave it (or the default). */
  address: string;
  timeoutMs: number;
}

/** What to print (without trailing newline) and the exit code for a failed call. */
export function describeRpcError(
  err: RpcError,
  context: CallContext,
): { message: string; exitCode: number } {
  const { address } = context;
  const details = err.details || statusName(err.code);
  const exitCode = exitCodeForStatus(err.code);
  switch (err.code) {
    case GRPC_STATUS.UNAVAILABLE:
      if (CLIENT_SIDE.test(details))
        return {
          exitCode,
          message:
            `Error: cannot reach the control plane at ${address}: ${connectionReason(details)}. ` +
            'Start a local mesh with `meshctl up` (or `npx mesh-control-plane`), or set --control-plane / MESH_CONTROL_PLANE.',
        };
      // The control plane answered, but its store did not: worth a retry, not a new address.
      return {
        exitCode,
        message: `Error: the control plane at ${address} is unavailable: ${details}. It is safe to retry.`,
      };
    case GRPC_STATUS.DEADLINE_EXCEEDED:
      return {
        exitCode,
        message:
          `Error: the control plane at ${address} did not answer within ${formatTimeout(context.timeoutMs)}. ` +
          'Check that it is running and reachable, or raise --timeout.',
      };
    case GRPC_STATUS.UNAUTHENTICATED:
    case GRPC_STATUS.PERMISSION_DENIED:
      return {
        exitCode,
        message:
          `Error: the control plane refused the call: ${details}. ` +
          'Pass --token, set MESH_TOKEN, or run where the local control plane wrote $MESH_HOME/token.',
      };
    case GRPC_STATUS.ABORTED:
      return { exitCode, message: `Error: ${details}\n${conflictHint()}` };
    case GRPC_STATUS.NOT_FOUND:
      return { exitCode, message: `Error: ${details}` };
    case GRPC_STATUS.INVALID_ARGUMENT:
      return { exitCode, message: `Error: the control plane rejected the request: ${details}` };
    case GRPC_STATUS.UNIMPLEMENTED:
      return {
        exitCode,
        message:
          `Error: ${address} does not serve mesh.v1.ConfigService (${details}). ` +
          'Is --control-plane pointing at a mesh control plane of this version?',
      };
    default:
      return {
        exitCode,
        message: `Error: the control plane at ${address} failed the call: ${statusName(err.code)}: ${details}`,
      };
  }
}

export function formatTimeout(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * What to do after a version conflict; names the `get` to run when the caller knows which
 * resource carried the stale version.
 */
export function conflictHint(resource?: { kind: string; namespace: string; name: string }): string {
  const get = resource
    ? `meshctl get ${resource.kind.toLowerCase()} ${resource.name} -n ${resource.namespace} -o yaml`
    : 'meshctl get <kind> <name> -o yaml';
  return (
    `hint: the resource changed since it was read. Read it again (${get}) and apply on top of ` +
    'that, or remove metadata.resourceVersion from the file to overwrite it.'
  );
}
