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

/**
 * The Location Envoy builds (Http::Utility::newUri) from the redirect Istio generates
 * (route.go ApplyRedirect):
 * - scheme: redirect.scheme, else the request's.
 * - port_redirect: `port`, or the listener (request) port for FROM_REQUEST_PORT; none for
 *   FROM_PROTOCOL_DEFAULT. Istio drops :80 with http and :443 with https when either field is set,
 *   judging by redirect.scheme, else https on a TLS gateway server, else http.
 * - host: redirect.authority exactly as written (a port in it stays); else the request's
 *   authority, whose port Envoy removes only when a port_redirect is set, or when the scheme
 *   changes away from the protocol whose default port the request named (processRequestHost).
 *   So FROM_PROTOCOL_DEFAULT keeps a non-default request port such as :9080.
 * - path: redirect.uri (its query, if any, replaces the request's), else the request's.
 */
export function redirectLocation(r: RedirectAction, req: PreparedRequest): string {
  const scheme = r.scheme ?? req.scheme;
  let portRedirect: number | undefined;
  if (r.port !== undefined || r.derivePort !== undefined) {
    portRedirect = r.port ?? (r.derivePort === 'FROM_REQUEST_PORT' ? req.port : undefined);
    const configScheme =
      r.scheme ?? (req.gateway !== 'mesh' && req.scheme === 'https' ? 'https' : 'http');
    if (
      (portRedirect === 80 && configScheme === 'http') ||
      (portRedirect === 443 && configScheme === 'https')
    )
      portRedirect = undefined;
  }
  const port = portRedirect === undefined ? '' : `:${portRedirect}`;
  const host = r.authority || requestHost(req.authority, scheme, req.scheme, port !== '');
  let path = req.path;
  let query = req.query ? `?${req.query}` : '';
  if (r.uri) {
    const q = r.uri.indexOf('?');
    path = q === -1 ? r.uri : r.uri.slice(0, q);
    if (q !== -1) query = r.uri.slice(q);
  }
  if (!path.startsWith('/')) path = `/${path}`;
  return `${scheme}://${host}${port}${path}${query}`;
}

/** Envoy's processRequestHost: the request authority, its port removed in the cases above. */
function requestHost(
  authority: string,
  newScheme: string,
  requestScheme: string,
  portRedirect: boolean,
): string {
  const end = authority.startsWith('[')
    ? authority.lastIndexOf(']:') + (authority.includes(']:') ? 1 : 0)
    : authority.lastIndexOf(':');
  if (end <= 0) return authority;
  const port = authority.slice(end);
  let remove = portRedirect;
  if (newScheme !== requestScheme) {
    remove ||=
      (requestScheme === 'https' && port === ':443') ||
      (requestScheme === 'http' && port === ':80');
  }
  return remove ? authority.slice(0, end) : authority;
}
