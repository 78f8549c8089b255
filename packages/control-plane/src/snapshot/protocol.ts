// Which protocol a port speaks, as Istio's protocol selection decides it without sniffing.
import type { ListenerProtocol } from '@mesh/proto';

// Istio's protocol names, folded onto the ones our proxy handles: protocols it only forwards as
// bytes (Mongo, MySQL, Redis, UDP) are TCP, and gRPC-Web travels as plain HTTP.
const PROTOCOLS: ReadonlyMap<string, ListenerProtocol> = new Map<string, ListenerProtocol>([
  ['http', 'HTTP'],
  ['http_proxy', 'HTTP'],
  ['grpc-web', 'HTTP'],
  ['http2', 'HTTP2'],
  ['grpc', 'GRPC'],
  ['https', 'HTTPS'],
  ['tls', 'TLS'],
  ['tcp', 'TCP'],
  ['mongo', 'TCP'],
  ['mysql', 'TCP'],
  ['redis', 'TCP'],
  ['udp', 'TCP'],
]);

/**
 * An explicit protocol first, else Istio's port naming convention `<protocol>[-<suffix>]`
 * (`http-web` is HTTP, `grpc-web` is gRPC-Web). Istio sniffs ports that say neither; we do not
 * sniff, so such a port is TCP: HTTP routing needs a port that declares HTTP.
 */
export function portProtocol(port: {
  readonly protocol?: string | undefined;
  readonly name?: string | undefined;
}): ListenerProtocol {
  const explicit = PROTOCOLS.get((port.protocol ?? '').toLowerCase());
  if (explicit) return explicit;
  const name = (port.name ?? '').toLowerCase();
  if (name === 'grpc-web' || name.startsWith('grpc-web-')) return 'HTTP';
  return PROTOCOLS.get(name.split('-')[0] ?? '') ?? 'TCP';
}
