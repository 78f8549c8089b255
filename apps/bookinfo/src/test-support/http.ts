// Real sockets for the tests: servers on 127.0.0.1 port 0, a plain client, a server that records
// what reaches it, and a small forward proxy like the sidecar's outbound port.
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import {
  startService,
  type AccessLog,
  type RunningService,
  type ServiceTuning,
} from '../service.js';
import type { ServiceArgs } from '../args.js';
import { parseServiceMap, type UpstreamConfig } from '../upstream-client.js';

export const HOST = '127.0.0.1';

export function listen(server: Server | NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) return reject(new Error('no address'));
      resolve(address.port);
    });
  });
}

/** A port nothing listens on: connections to it are refused at once. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** One request on a fresh connection. */
export function send(port: number, path: string, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: HOST,
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export async function getJson(port: number, path: string, headers: Record<string, string> = {}) {
  const answer = await send(port, path, { headers });
  return { status: answer.status, body: JSON.parse(answer.body) as unknown };
}

export interface Recorded {
  readonly method: string;
  /** As received: origin-form, or absolute-form when the server was used as a proxy. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface RecordingServer {
  readonly port: number;
  readonly requests: Recorded[];
  close(): Promise<void>;
}

/** A server that records every request, then lets `answer` reply (default: 200 `{}`). */
export async function recordingServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  },
): Promise<RecordingServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    answer(req, res);
  });
  const port = await listen(server);
  return { port, requests, close: () => closeServer(server) };
}

/**
 * A forward proxy: records each request as received (absolute-form URL, Host), then relays it to
 * the port `routes` gives the URL's host name, as the sidecar does with its routing table.
 */
export function forwardProxy(routes: Readonly<Record<string, number>>): Promise<RecordingServer> {
  return recordingServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('proxy needs absolute-form');
      return;
    }
    const port = routes[url.hostname];
    if (port === undefined) {
      res.writeHead(503).end(`no route to ${url.hostname}`);
      return;
    }
    const upstream = request(
      {
        host: HOST,
        port,
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(503).end('upstream connect error'));
    req.pipe(upstream);
  });
}

/** Starts one Bookinfo service on port 0, as the CLI would, with `services` as BOOKINFO_SERVICES. */
export function startOnPort0(
  args: Omit<ServiceArgs, 'host' | 'port'>,
  upstream: { services?: string; proxyPort?: number } = {},
  tuning: ServiceTuning = {},
  accessLog?: AccessLog,
): Promise<RunningService> {
  const config: UpstreamConfig = {
    direct: parseServiceMap(upstream.services ?? ''),
    ...(upstream.proxyPort !== undefined
      ? { proxy: { host: HOST, port: upstream.proxyPort } }
      : {}),
  };
  return startService({ ...args, host: HOST, port: 0 }, config, tuning, accessLog);
}
