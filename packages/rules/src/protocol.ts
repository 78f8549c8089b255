// Istio's protocol names (pkg/config/protocol) and the protocol a port speaks. Admission
// validation, the control plane's listeners and clusters, and meshctl describe all decide it here,
// so what describe says a port speaks is what the proxies are sent.

/** How this mesh's proxies handle a port. */
export type PortProtocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'HTTPS' | 'TLS' | 'TCP';

/**
 * Istio's protocols by their canonical spelling (in the order messages list them), each folded
 * onto what our proxy handles: protocols it only forwards as bytes (Mongo, MySQL, Redis, UDP) are
 * TCP, and HTTP_PROXY and gRPC-Web travel as plain HTTP.
 */
const HANDLED_AS = {
  HTTP: 'HTTP',
  HTTPS: 'HTTPS',
  HTTP2: 'HTTP2',
  HTTP_PROXY: 'HTTP',
  GRPC: 'GRPC',
  'GRPC-Web': 'HTTP',
  TCP: 'TCP',
  TLS: 'TLS',
  UDP: 'TCP',
  Mongo: 'TCP',
  Redis: 'TCP',
  MySQL: 'TCP',
} as const satisfies Record<string, PortProtocol>;

export type IstioProtocol = keyof typeof HANDLED_AS;

export const PROTOCOL_NAMES: readonly IstioProtocol[] = Object.keys(HANDLED_AS) as IstioProtocol[];

// A Map, not an object: a port named `constructor` must not find Object.prototype's.
const BY_LOWER_CASE: ReadonlyMap<string, IstioProtocol> = new Map(
  PROTOCOL_NAMES.map((name) => [name.toLowerCase(), name]),
);

/** The canonical protocol name, or undefined when Istio does not know it (names ignore case). */
export function normalizeProtocol(protocol: string): IstioProtocol | undefined {
  return BY_LOWER_CASE.get(protocol.toLowerCase());
}

/**
 * An explicit protocol first, else Istio's port naming convention `<protocol>[-<suffix>]`
 * (`http-web` is HTTP, `grpc-web` is gRPC-Web). Istio sniffs ports that say neither; we do not
 * sniff, so such a port is TCP: HTTP routing needs a port that declares HTTP.
 */
export function portProtocol(port: {
  readonly protocol?: string | undefined;
  readonly name?: string | undefined;
}): PortProtocol {
  const explicit = normalizeProtocol(port.protocol ?? '');
  if (explicit) return HANDLED_AS[explicit];
  const name = (port.name ?? '').toLowerCase();
  // The one protocol name with a dash, so the prefix rule below would read it as `grpc`.
  if (name === 'grpc-web' || name.startsWith('grpc-web-')) return 'HTTP';
  const prefix = normalizeProtocol(name.split('-')[0] ?? '');
  return prefix ? HANDLED_AS[prefix] : 'TCP';
}
