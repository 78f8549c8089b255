// Header maps: lower-case names, repeated headers kept as arrays. Maps are treated as immutable;
// every operation returns a copy, so a layer can never change what an outer layer (or an earlier
// retry attempt) sees.
import type { HeaderOps } from '@mesh/rules';
import type { FreshHeaderMap, HeaderMap, HeaderValue } from './types.js';

/**
 * Connection-level headers (RFC 9110 7.6.1) plus those that only mean something to this proxy:
 * Proxy-Connection and Proxy-Authorization are addressed to the forward proxy, Expect is answered
 * by the server (Node sends 100 Continue), HTTP2-Settings belongs to an h2c upgrade.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
]);

// Null-prototype records: a client sending `__proto__: x` must get a header, not a prototype.
function emptyMap(): Record<string, HeaderValue> {
  return Object.create(null) as Record<string, HeaderValue>;
}

export function headersOf(req: { readonly rawHeaders: readonly string[] }): FreshHeaderMap {
  const out = emptyMap();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    out[name] =
      prev === undefined ? value : typeof prev === 'string' ? [prev, value] : [...prev, value];
  }
  return out;
}

/** Repeated values joined with ',', as Envoy's header matchers see them. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(',');
}

export function joinedHeaders(headers: HeaderMap): Readonly<Record<string, string>> {
  // Usually no header is repeated: then the map already is what the matchers read.
  let repeated = false;
  for (const name in headers) {
    if (typeof headers[name] !== 'string') {
      repeated = true;
      break;
    }
  }
  if (!repeated) return headers as Readonly<Record<string, string>>;
  const out = Object.create(null) as Record<string, string>;
  for (const name of Object.keys(headers)) out[name] = headerValue(headers, name)!;
  return out;
}

export function withHeaders(headers: HeaderMap, set: Readonly<Record<string, string>>): HeaderMap {
  const out = copy(headers);
  for (const [name, value] of Object.entries(set)) out[name.toLowerCase()] = value;
  return out;
}

/** Envoy's order within one level: remove, then set (overwrite), then add (append). */
export function applyHeaderOps(headers: HeaderMap, ops: HeaderOps): HeaderMap {
  if (ops.remove.length === 0 && ops.add.length === 0 && isEmpty(ops.set)) return headers;
  const out = copy(headers);
  for (const name of ops.remove) delete out[name.toLowerCase()];
  for (const [name, value] of Object.entries(ops.set)) out[name.toLowerCase()] = value;
  for (const [name, value] of ops.add) {
    const key = name.toLowerCase();
    const prev = out[key];
    out[key] = prev === undefined ? value : [...(typeof prev === 'string' ? [prev] : prev), value];
  }
  return out;
}

/**
 * The names a proxy must not forward from `headers`: the hop-by-hop set, plus what its Connection
 * header nominates (RFC 9112 9.6). For the pool's `omit`, so no copy of the map is made.
 */
export function hopByHopOf(headers: HeaderMap): ReadonlySet<string> {
  const connection = headerValue(headers, 'connection');
  if (!connection) return HOP_BY_HOP;
  const names = nominatedHeaders(connection);
  for (const name of HOP_BY_HOP) names.add(name);
  return names;
}

/**
 * A map the proxy may reuse as it is (one it made itself and has not shared, like a response
 * record fresh from the pool) without its hop-by-hop headers: the same map when it has none.
 */
export function withoutHopByHop(headers: FreshHeaderMap): HeaderMap {
  for (const name in headers) {
    if (HOP_BY_HOP.has(name)) return endToEndHeaders(headers, { dropHost: false });
  }
  return headers;
}

/**
 * Without the hop-by-hop headers and those the Connection header nominates (RFC 9112 9.6), and
 * without `host`, which the forwarder sets from the (possibly rewritten) authority.
 */
export function endToEndHeaders(headers: HeaderMap, options: { dropHost: boolean }): HeaderMap {
  const connection = headerValue(headers, 'connection');
  const nominated = connection ? nominatedHeaders(connection) : undefined;
  const out = emptyMap();
  // for-in over a null-prototype record: no entries array per call on the hot path.
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || nominated?.has(name)) continue;
    if (options.dropHost && name === 'host') continue;
    out[name] = headers[name]!;
  }
  return out;
}

function nominatedHeaders(connection: string): Set<string> {
  const nominated = new Set<string>();
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name) nominated.add(name);
  }
  return nominated;
}

/** For node:http's writeHead, which wants mutable arrays. */
export function toOutgoing(headers: HeaderMap): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const name in headers) {
    const value = headers[name]!;
    out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}

function copy(headers: HeaderMap): Record<string, HeaderValue> {
  return Object.assign(emptyMap(), headers);
}

function isEmpty(record: Readonly<Record<string, string>>): boolean {
  for (const _ in record) return false;
  return true;
}
