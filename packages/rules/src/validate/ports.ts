// Port numbers, port names and protocol names, as Istio validates them.
import type { PathSegment } from '../diagnostics.js';
import { normalizeProtocol, PROTOCOL_NAMES } from '../protocol.js';
import type { ValidationContext } from './context.js';
import { isIstioDnsLabel } from './names.js';

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
