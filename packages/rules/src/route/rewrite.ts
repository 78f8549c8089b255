// Path rewrites and redirects with Envoy's semantics (Istio translates rewrite.uri to
// prefix_rewrite and HTTPRedirect to Envoy's redirect action).
import type { CompiledHttpRoute, RedirectAction, UriMatchKind } from '../compile/types.js';
import type { PreparedRequest } from '../compile/types.js';

/**
 * prefix_rewrite replaces the part of the path the route matched: the prefix for a prefix match,
 * the whole path for exact and regex matches. A route without a uri match is a "/" prefix match in
 * Envoy, so its rewrite replaces the leading slash. The query string is kept.
 */
export function rewritePath(
  rewrite: CompiledHttpRoute['rewrite'],
  kind: UriMatchKind,
  req: PreparedRequest,
): string {
  const query = req.query ? `?${req.query}` : '';
  if (!rewrite) return req.path + query;
  if (rewrite.regex) return rewrite.regex.apply(req.path) + query;
  if (rewrite.uri === undefined) return req.path + query;
  switch (kind.kind) {
    case 'prefix':
      return rewrite.uri + req.path.slice(kind.prefix.length) + query;
    case 'none':
      return rewrite.uri + req.path.slice(1) + query;
    default:
      return rewrite.uri + query;
  }
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

export function redirectLocation(r: RedirectAction, req: PreparedRequest): string {
  const scheme = r.scheme ?? req.scheme;
  const host = r.authority ? hostPart(r.authority) : hostPart(req.authority);
  let port: number | undefined;
  if (r.port !== undefined) port = r.port;
  else if (r.derivePort === 'FROM_REQUEST_PORT') port = req.port;
  else if (r.derivePort === 'FROM_PROTOCOL_DEFAULT') port = undefined;
  else port = explicitPort(r.authority ?? req.authority);
  // A port that is the default of the final scheme is left out of the URL.
  if (port !== undefined && DEFAULT_PORTS[scheme] === port) port = undefined;
  let path = req.path;
  let query = req.query ? `?${req.query}` : '';
  if (r.uri !== undefined) {
    // A query inside redirect.uri replaces the request's; otherwise the request's is kept.
    const q = r.uri.indexOf('?');
    path = q === -1 ? r.uri : r.uri.slice(0, q);
    if (q !== -1) query = r.uri.slice(q);
  }
  return `${scheme}://${host}${port === undefined ? '' : `:${port}`}${path}${query}`;
}

function hostPart(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.indexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

function explicitPort(authority: string): number | undefined {
  const bracket = authority.lastIndexOf(']');
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || colon < bracket) return undefined;
  const n = Number(authority.slice(colon + 1));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
