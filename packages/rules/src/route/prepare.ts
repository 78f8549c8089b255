// The request, normalised once so that no matcher lower-cases, splits or parses anything itself.
import type { PreparedRequest } from '../compile/types.js';
import { normalizeHost } from '../compile/lookup.js';
import type { RouteRequest } from './types.js';

const NO_VALUES: Readonly<Record<string, string | undefined>> = Object.freeze({});

export class PreparedHttpRequest implements PreparedRequest {
  readonly host: string;
  readonly authority: string;
  readonly port: number;
  readonly method: string;
  readonly scheme: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly sourceLabels: Readonly<Record<string, string | undefined>>;
  readonly sourceNamespace: string;
  readonly gateway: string;
  private lowered: string | undefined;
  private params: Map<string, string> | undefined;

  constructor(req: RouteRequest, gateway: string) {
    this.authority = req.authority;
    this.host = normalizeHost(req.authority);
    this.scheme = (req.scheme ?? 'http').toLowerCase();
    this.port = req.port ?? portOf(req.authority) ?? (this.scheme === 'https' ? 443 : 80);
    this.method = req.method ?? 'GET';
    const full = req.path ?? '/';
    const q = full.indexOf('?');
    this.path = q === -1 ? full : full.slice(0, q);
    this.query = q === -1 ? '' : full.slice(q + 1);
    this.headers = req.headers ?? NO_VALUES;
    this.sourceLabels = req.sourceLabels ?? NO_VALUES;
    this.sourceNamespace = req.sourceNamespace ?? 'default';
    this.gateway = gateway;
  }

  lowerPath(): string {
    return (this.lowered ??= this.path.toLowerCase());
  }

  /** First value of a query parameter, percent-decoded; parsed once per request, on first use. */
  queryParam(name: string): string | undefined {
    if (!this.params) {
      this.params = new Map();
      for (const pair of this.query.split('&')) {
        if (!pair) continue;
        const eq = pair.indexOf('=');
        const key = decode(eq === -1 ? pair : pair.slice(0, eq));
        if (!this.params.has(key))
          this.params.set(key, eq === -1 ? '' : decode(pair.slice(eq + 1)));
      }
    }
    return this.params.get(name);
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function portOf(authority: string): number | undefined {
  const bracket = authority.lastIndexOf(']');
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || colon < bracket) return undefined;
  const n = Number(authority.slice(colon + 1));
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}
