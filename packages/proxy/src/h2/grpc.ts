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
