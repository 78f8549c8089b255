// gRPC over the proxy's local replies, as Envoy sends them for a gRPC request: not a text/plain
// error page (which a gRPC client reports as a protocol error) but a trailers-only response,
// HTTP 200 with grpc-status and grpc-message in the headers, so the client sees a real status.
import { GRPC_STATUS } from '@mesh/rules';
import { MESH_ERROR_HEADER, headerSafe } from '../http/local-reply.js';
import type { HeaderMap, LocalReply } from '../http/types.js';

export { GRPC_STATUS };

/** A gRPC request: content-type application/grpc, with or without a +proto/+json suffix. */
export function isGrpcRequest(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.toLowerCase();
  return (
    type === 'application/grpc' ||
    type.startsWith('application/grpc+') ||
    type.startsWith('application/grpc;')
  );
}

/** Milliseconds per grpc-timeout unit (gRPC over HTTP/2: Hours, Minutes, Seconds, milli, micro, nano). */
const GRPC_TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};

/** A grpc-timeout value (`200m`, `5S`: 1-8 digits and a unit) in ms, or undefined if malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!m) return undefined;
  // Below a millisecond still means "almost no time", not "no deadline".
  return Math.max(1, Math.ceil(Number(m[1]) * GRPC_TIMEOUT_UNIT_MS[m[2]!]!));
}

/**
 * The deadline a gRPC call runs under. Istio gives every route max_stream_duration with
 * grpc_timeout_header_max set to the route timeout (0 when it has none), so Envoy honours the
 * client's grpc-timeout, capped by the VirtualService timeout when one is set.
 */
export function grpcDeadlineMs(
  grpcTimeout: string | undefined,
  routeTimeoutMs: number | undefined,
): { ms: number; fromHeader: boolean } | undefined {
  const requested = parseGrpcTimeout(grpcTimeout);
  const route = routeTimeoutMs !== undefined && routeTimeoutMs > 0 ? routeTimeoutMs : undefined;
  if (requested === undefined)
    return route === undefined ? undefined : { ms: route, fromHeader: false };
  if (route !== undefined && route <= requested) return { ms: route, fromHeader: false };
  return { ms: requested, fromHeader: true };
}

/** Envoy's Grpc::Utility::httpToGrpcStatus. */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400:
      return GRPC_STATUS.INTERNAL;
    case 401:
      return GRPC_STATUS.UNAUTHENTICATED;
    case 403:
      return GRPC_STATUS.PERMISSION_DENIED;
    case 404:
      return GRPC_STATUS.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC_STATUS.UNAVAILABLE;
    default:
      return GRPC_STATUS.UNKNOWN;
  }
}

/**
 * The grpc-status for a local reply: by flag where the flag says more than the HTTP status (a
 * route timeout is the call's deadline, not an unavailable backend), else Envoy's HTTP mapping.
 */
export function grpcStatusOfLocalReply(status: number, local: LocalReply): number {
  switch (local.flag) {
    case 'NR':
      return GRPC_STATUS.UNIMPLEMENTED;
    case 'UH':
    case 'UF':
    case 'UC':
    case 'NC':
      return GRPC_STATUS.UNAVAILABLE;
    case 'UT':
      return GRPC_STATUS.DEADLINE_EXCEEDED;
    case 'DC':
      return GRPC_STATUS.CANCELLED;
    default:
      return httpToGrpcStatus(status);
  }
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec): bytes outside 0x20-0x7e, and '%'. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.length > 1024 ? `${out.slice(0, 1021)}...` : out;
}

/** Headers of the trailers-only gRPC response standing for a local reply. */
export function grpcLocalReplyHeaders(
  status: number,
  local: LocalReply,
  extra: HeaderMap,
): HeaderMap {
  return {
    ...extra,
    'content-type': 'application/grpc',
    'grpc-status': String(grpcStatusOfLocalReply(status, local)),
    'grpc-message': encodeGrpcMessage(local.reason),
    [MESH_ERROR_HEADER]: headerSafe(local.flag ? `${local.flag} ${local.reason}` : local.reason),
  };
}
