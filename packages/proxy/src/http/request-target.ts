// Where a request is going. Apps use the sidecar as an HTTP forward proxy (HTTP_PROXY), so the
// request line carries an absolute URL whose authority wins over the Host header (RFC 9112 3.2.2);
// origin-form with a Host header also works, for clients pointed straight at the proxy.
// Parsed by hand rather than with URL, which would normalise and re-encode the path and so change
// what route matching and the upstream see.

export interface RequestTarget {
  /** `host` or `host:port`, as the client wrote it (userinfo dropped). */
  readonly authority: string;
  readonly port: number;
  /** Path with query, never empty. */
  readonly path: string;
}

const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/;

/** The target, or the reason it is unusable (for a 400). */
export function parseRequestTarget(url: string, host: string | undefined): RequestTarget | string {
  let authority: string;
  let path: string;
  if (url.startsWith('/')) {
    if (!host) return 'origin-form request without a Host header';
    authority = host;
    path = url;
  } else {
    const m = ABSOLUTE_FORM.exec(url);
    if (!m)
      return `unsupported request target ${JSON.stringify(url)}: expected http://host/path or /path`;
    const scheme = m[1]!.toLowerCase();
    if (scheme !== 'http')
      return `${scheme}:// is not supported by the forward proxy: send plain http:// (the mesh carries it), or CONNECT`;
    const at = m[2]!.lastIndexOf('@');
    authority = at === -1 ? m[2]! : m[2]!.slice(at + 1);
    path = m[3] || '/';
    if (path.startsWith('?')) path = `/${path}`;
  }
  const port = portOf(authority);
  if (port === undefined) return `invalid authority ${JSON.stringify(authority)}`;
  return { authority, port, path };
}

/** 80 when the authority names no port; undefined when it is malformed. */
export function portOf(authority: string): number | undefined {
  if (authority === '' || /[\s/\\]/.test(authority)) return undefined;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) return undefined;
    const rest = authority.slice(close + 1);
    if (rest === '') return 80;
    if (!rest.startsWith(':')) return undefined;
    portText = rest.slice(1);
  } else {
    const colon = authority.indexOf(':');
    if (colon === -1) return 80;
    if (colon === 0 || authority.indexOf(':', colon + 1) !== -1) return undefined;
    portText = authority.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? port : undefined;
}
