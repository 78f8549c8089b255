// :15014: health for orchestrators, metrics for Prometheus, the version for `meshctl version`,
// and debug JSON for humans (the answers to "did my change apply?" and "what does this proxy
// get?").
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { VERSION } from './version.js';

export interface Readiness {
  ready: boolean;
  /** Why not, in words; empty when ready. */
  reasons: string[];
}

/** The body of `/version`; `meshctl version` reads it (packages/cli/src/version-remote.ts). */
export interface VersionInfo {
  /** mesh-control-plane's version (its package.json). */
  version: string;
  /** The replica's name (--name), as proxy-status shows it. */
  name: string;
  /** The Node.js running it, e.g. v20.19.0. */
  nodeVersion: string;
}

export interface HttpEndpoints {
  /** The replica's name, shown on /version. */
  name: string;
  readiness(): Readiness;
  /** The Prometheus exposition (text format 0.0.4), docs/telemetry.md. */
  metrics(): Promise<string>;
  /** `/debug/<name>` pages: name -> JSON body from the query parameters. */
  debug: Readonly<Record<string, (query: URLSearchParams) => unknown>>;
}

export function createHttpServer(endpoints: HttpEndpoints): Server {
  return createServer((req, res) => {
    try {
      route(endpoints, req, res);
    } catch (err) {
      send(res, 500, 'application/json', JSON.stringify({ error: String(err) }));
    }
  });
}

function route(endpoints: HttpEndpoints, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain', 'only GET\n');
    return;
  }
  if (url.pathname === '/healthz') {
    send(res, 200, 'text/plain', 'ok\n');
    return;
  }
  if (url.pathname === '/readyz') {
    const r = endpoints.readiness();
    send(res, r.ready ? 200 : 503, 'application/json', `${JSON.stringify(r)}\n`);
    return;
  }
  if (url.pathname === '/version') {
    const info: VersionInfo = {
      version: VERSION,
      name: endpoints.name,
      nodeVersion: process.version,
    };
    send(res, 200, 'application/json', `${JSON.stringify(info)}\n`);
    return;
  }
  if (url.pathname === '/metrics') {
    endpoints.metrics().then(
      (text) => send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', text),
      (err: unknown) => send(res, 500, 'text/plain', `metrics unavailable: ${String(err)}\n`),
    );
    return;
  }
  const page = url.pathname.startsWith('/debug/')
    ? endpoints.debug[url.pathname.slice('/debug/'.length)]
    : undefined;
  if (page) {
    send(res, 200, 'application/json', `${JSON.stringify(page(url.searchParams), null, 2)}\n`);
    return;
  }
  const pages = Object.keys(endpoints.debug).map((p) => `/debug/${p}`);
  send(
    res,
    404,
    'text/plain',
    `not found: ${url.pathname}\ntry /healthz /readyz /metrics /version ${pages.join(' ')}\n`,
  );
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
