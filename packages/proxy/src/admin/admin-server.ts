// The admin port (15000, loopback only) and the health port (15021), as Envoy and Istio's agent
// offer them: what the proxy holds, how its clusters are doing, and whether it is ready.
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';

export type LogLevel = 'error' | 'warning' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warning', 'info', 'debug'];

export interface AdminSources {
  /** `/config_dump`: the held config with versions. */
  configDump(): unknown;
  /** `/clusters`: endpoints, health, ejections, active and pending requests. */
  clusters(): unknown;
  /** `/stats`: counters and gauges as name -> value. */
  stats(): Record<string, number>;
  readiness(): { ready: boolean; reason: string };
  /** Starts draining (stop accepting, finish in flight); resolves when started. */
  drain(): void;
  logLevel(): LogLevel;
  setLogLevel(level: LogLevel): void;
  /** `/stats/prometheus`: Istio's standard metrics, when the process wired telemetry. */
  prometheus?: RequestListener;
}

export function createAdminServer(sources: AdminSources): Server {
  return createServer((req, res) => {
    try {
      admin(sources, req, res);
    } catch (err) {
      send(res, 500, 'text/plain', `admin error: ${String(err)}\n`);
    }
  });
}

function admin(s: AdminSources, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://admin');
  const json = (body: unknown) =>
    send(res, 200, 'application/json', `${JSON.stringify(body, null, 2)}\n`);
  switch (url.pathname) {
    case '/config_dump':
      return json(s.configDump());
    case '/clusters':
      return json(s.clusters());
    case '/stats': {
      const stats = s.stats();
      if (url.searchParams.get('format') === 'json') return json(stats);
      const text = Object.keys(stats)
        .sort()
        .map((k) => `${k}: ${stats[k]}`)
        .join('\n');
      return send(res, 200, 'text/plain', `${text}\n`);
    }
    case '/stats/prometheus':
      if (!s.prometheus) return send(res, 404, 'text/plain', 'metrics are off in this proxy\n');
      return void s.prometheus(req, res);
    case '/ready': {
      const r = s.readiness();
      return send(res, r.ready ? 200 : 503, 'text/plain', r.ready ? 'LIVE\n' : `${r.reason}\n`);
    }
    case '/drain':
    case '/drain_listeners':
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'POST to drain\n');
      s.drain();
      return send(res, 200, 'text/plain', 'draining\n');
    case '/logging': {
      const level = url.searchParams.get('level');
      if (level !== null) {
        if (req.method !== 'POST')
          return send(res, 405, 'text/plain', 'POST to change the level\n');
        if (!(LOG_LEVELS as readonly string[]).includes(level)) {
          return send(
            res,
            400,
            'text/plain',
            `unknown level "${level}"; use ${LOG_LEVELS.join(', ')}\n`,
          );
        }
        s.setLogLevel(level as LogLevel);
      }
      return send(res, 200, 'text/plain', `level: ${s.logLevel()}\n`);
    }
    default:
      return send(
        res,
        404,
        'text/plain',
        'admin: /config_dump /clusters /stats[?format=json] /stats/prometheus /ready /drain (POST) /logging[?level=] (POST)\n',
      );
  }
}

/** The Prometheus port (Envoy's 15090): `/stats/prometheus` only, on the bind address. */
export function createStatsServer(prometheus: RequestListener): Server {
  return createServer((req, res) => {
    try {
      prometheus(req, res);
    } catch (err) {
      send(res, 500, 'text/plain', `metrics error: ${String(err)}\n`);
    }
  });
}

/** `:15021/healthz/ready`: 200 once the first complete config is in, else 503 saying why. */
export function createHealthServer(readiness: () => { ready: boolean; reason: string }): Server {
  return createServer((req, res) => {
    if (req.url === '/healthz/ready') {
      const r = readiness();
      send(
        res,
        r.ready ? 200 : 503,
        'text/plain',
        r.ready ? 'ready\n' : `not ready: ${r.reason}\n`,
      );
      return;
    }
    send(res, 404, 'text/plain', 'try /healthz/ready\n');
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
