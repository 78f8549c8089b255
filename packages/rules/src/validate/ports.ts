// Port numbers, port names and the protocol names Istio recognises (pkg/config/protocol).
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { isIstioDnsLabel } from './names.js';

/** Istio's protocols, keyed by their lower-case spelling (names are case-insensitive). */
const PROTOCOLS: Readonly<Record<string, string>> = {
  http: 'HTTP',
  https: 'HTTPS',
  http2: 'HTTP2',
  http_proxy: 'HTTP_PROXY',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  tcp: 'TCP',
  tls: 'TLS',
  udp: 'UDP',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

export const PROTOCOL_NAMES: readonly string[] = Object.values(PROTOCOLS);

/** The canonical protocol name, or undefined when Istio does not know it. */
export function normalizeProtocol(protocol: string): string | undefined {
  return PROTOCOLS[protocol.toLowerCase()];
}

export function isHttpProtocol(protocol: string | undefined): boolean {
  const p = normalizeProtocol(protocol ?? '');
  return p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-Web';
}

export function isTlsProtocol(protocol: string | undefined): boolean {
  const p = normalizeProtocol(protocol ?? '');
  return p === 'HTTPS' || p === 'TLS';
}

export function isTcpProtocol(protocol: string | undefined): boolean {
  const p = normalizeProtocol(protocol ?? '');
  return (
    p === 'TCP' || p === 'HTTPS' || p === 'TLS' || p === 'Mongo' || p === 'Redis' || p === 'MySQL'
  );
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

export function checkPort(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  port: number | undefined,
): void {
  if (port !== undefined && !isValidPort(port)) {
    ctx.error(path, `port ${port} is out of range (1..65535)`);
  }
}

/** An empty protocol is allowed where Istio sniffs the protocol. */
export function checkProtocol(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  protocol: string | undefined,
  required = false,
): void {
  if (protocol === undefined || protocol === '') {
    if (required) ctx.error(path, `protocol is required (one of ${PROTOCOL_NAMES.join(', ')})`);
    return;
  }
  if (!normalizeProtocol(protocol)) {
    ctx.error(path, `unknown protocol "${protocol}" (use one of ${PROTOCOL_NAMES.join(', ')})`);
  }
}

export function checkPortName(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  name: string | undefined,
): void {
  if (name === undefined || name === '') {
    ctx.error(path, 'port name is required');
  } else if (!isIstioDnsLabel(name)) {
    ctx.error(path, `port name "${name}" is not a DNS label (letters, digits and '-', at most 63)`);
  }
}
