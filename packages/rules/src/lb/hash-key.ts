// The consistent-hash key of a request, per Istio's ConsistentHashLB (one of httpHeaderName,
// httpCookie, useSourceIp, httpQueryParameterName), mirroring Envoy's route hash policies.
// undefined means "no key": Envoy then hashes a random value, so the request is balanced randomly.
import type { ConsistentHashLB } from '../api/destination-rule.js';

export interface LbQueryLike {
  get(name: string): string | null;
}

export interface LbHashRequest {
  /** Header names are matched case-insensitively, as HTTP requires. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly sourceIp?: string;
  /** Raw query string (with or without the leading "?") or a URLSearchParams-like object. */
  readonly query?: string | LbQueryLike;
  /** Parsed cookies; when absent the Cookie header is parsed instead. */
  readonly cookies?: Readonly<Record<string, string | undefined>>;
}

export function hashKeyFor(policy: ConsistentHashLB, request: LbHashRequest): string | undefined {
  // Istio makes these a oneof; if validation let several through, the first in declaration order wins.
  if (policy.httpHeaderName !== undefined) return headerKey(request.headers, policy.httpHeaderName);
  if (policy.httpCookie !== undefined) {
    // A missing cookie yields no key. With a ttl the proxy (not this pure function) generates the
    // cookie and sets it on the response, so later requests carry it; without a ttl nothing is
    // generated and the request is balanced randomly, as Envoy does.
    const name = policy.httpCookie.name;
    return name ? cookieValue(request, name) : undefined;
  }
  if (policy.useSourceIp === true) return request.sourceIp || undefined;
  if (policy.httpQueryParameterName !== undefined)
    return queryValue(request.query, policy.httpQueryParameterName);
  return undefined;
}

// Envoy hashes every value of a repeated header and sorts them first, so the key does not depend on
// the order in which intermediaries appended them; joining the sorted values keeps that property.
function headerKey(headers: LbHashRequest['headers'], name: string): string | undefined {
  const values = headerValues(headers, name);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : [...values].sort().join('\n');
}

function headerValues(headers: LbHashRequest['headers'], name: string): string[] {
  const wanted = name.toLowerCase();
  const out: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') out.push(value);
    else out.push(...value);
  }
  return out;
}

function cookieValue(request: LbHashRequest, name: string): string | undefined {
  if (request.cookies) return request.cookies[name];
  for (const header of headerValues(request.headers, 'cookie')) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
    }
  }
  return undefined;
}

function queryValue(query: LbHashRequest['query'], name: string): string | undefined {
  if (query === undefined) return undefined;
  if (typeof query !== 'string') return query.get(name) ?? undefined;
  const raw = query.startsWith('?') ? query.slice(1) : query;
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (decodeQueryComponent(key) === name)
      return eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1));
  }
  return undefined;
}

// Malformed percent-escapes must not throw out of request handling; the raw text is still a
// stable key.
function decodeQueryComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
