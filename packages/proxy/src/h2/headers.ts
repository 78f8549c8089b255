// Header maps in and out of node:http2. HTTP/2 carries the request line in pseudo-headers and
// forbids connection-specific fields (RFC 9113 8.2.2): they are dropped both ways, except
// `te: trailers`, which gRPC requires and HTTP/2 allows.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { FreshHeaderMap, HeaderMap, HeaderValue } from '../http/types.js';

const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'upgrade',
  'te',
  'http2-settings',
  'host',
]);

function emptyMap(): Record<string, HeaderValue> {
  return Object.create(null) as Record<string, HeaderValue>;
}

/** Regular (non-pseudo) end-to-end headers of an HTTP/2 header block or trailers. */
export function headersFromH2(headers: IncomingHttpHeaders): FreshHeaderMap {
  const out = emptyMap();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    const key = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(key)) continue;
    out[key] = value;
  }
  return out;
}

/** Did the client ask for trailers (`te: trailers`), as gRPC clients must? */
export function wantsTrailers(headers: IncomingHttpHeaders | HeaderMap): boolean {
  const te = headers['te'];
  const text = typeof te === 'string' ? te : Array.isArray(te) ? te.join(',') : '';
  return text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .includes('trailers');
}

/** A header map (possibly with HTTP/1 leftovers) as node:http2 accepts it. */
export function toH2Headers(headers: HeaderMap): OutgoingHttpHeaders {
  const out = Object.create(null) as OutgoingHttpHeaders;
  const nominated = new Set<string>();
  const connection = headers['connection'];
  for (const token of (typeof connection === 'string' ? connection : (connection ?? []).join(','))
    .split(',')
    .map((t) => t.trim().toLowerCase()))
    if (token) nominated.add(token);
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || CONNECTION_SPECIFIC.has(name) || nominated.has(name)) continue;
    out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}
