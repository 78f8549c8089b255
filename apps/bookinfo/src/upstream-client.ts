// Calls from one Bookinfo service to another. In the mesh they go to the sidecar, an HTTP forward
// proxy (HTTP_PROXY), as absolute-form requests naming the logical service (`reviews:9080`): the
// sidecar routes on that name, which is what makes VirtualServices apply. Tests and odd setups
// name direct addresses instead (BOOKINFO_SERVICES).
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** The port every Bookinfo service is known by, whatever port its process listens on. */
export const SERVICE_PORT = 9080;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface UpstreamConfig {
  /** The forward proxy for every service not in `direct`. */
  readonly proxy?: HostPort;
  /** Services reached at a fixed address, without the proxy. */
  readonly direct: ReadonlyMap<string, HostPort>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** HTTP_PROXY (or http_proxy) and BOOKINFO_SERVICES; throws a ConfigError naming the bad one. */
export function upstreamConfigFromEnv(env: NodeJS.ProcessEnv): UpstreamConfig {
  const proxyText = env['HTTP_PROXY'] || env['http_proxy'];
  const direct = parseServiceMap(env['BOOKINFO_SERVICES'] ?? '');
  if (!proxyText) return { direct };
  let url: URL;
  try {
    url = new URL(proxyText);
  } catch {
    throw new ConfigError(`HTTP_PROXY is not a URL: ${proxyText}`);
  }
  if (url.protocol !== 'http:') {
    throw new ConfigError(`HTTP_PROXY must be an http:// URL, got ${proxyText}`);
  }
  return { proxy: { host: stripBrackets(url.hostname), port: Number(url.port || 80) }, direct };
}

/** `details=127.0.0.1:1234,reviews=[::1]:5678` */
export function parseServiceMap(text: string): Map<string, HostPort> {
  const map = new Map<string, HostPort>();
  for (const entry of text.split(',')) {
    const item = entry.trim();
    if (item === '') continue;
    const m = /^([a-z0-9][a-z0-9.-]*)=(\[[^\]]+\]|[^:=\s]+):(\d{1,5})$/i.exec(item);
    const port = Number(m?.[3]);
    if (!m || !(port > 0 && port <= 65535)) {
      throw new ConfigError(
        `BOOKINFO_SERVICES: expected name=host:port, got ${JSON.stringify(item)}`,
      );
    }
    map.set(m[1]!.toLowerCase(), { host: stripBrackets(m[2]!), port });
  }
  return map;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export interface CallPolicy {
  /** Deadline of one attempt, response body included. */
  readonly timeoutMs: number;
  /**
   * Further attempts after any failure: a timeout, a connection error, a non-2xx answer or a body
   * that is not JSON. Each attempt gets its own `timeoutMs`.
   */
  readonly retries: number;
}

export type CallResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | {
      readonly ok: false;
      /** The status of a non-2xx answer; absent when there was no answer. */
      readonly status?: number;
      readonly error: string;
    };

type Attempt =
  | { readonly kind: 'response'; readonly status: number; readonly text: string }
  | {
      readonly kind: 'transport';
      readonly error: string;
      /** A kept-alive connection the server had closed as we reused it. */
      readonly stale?: boolean;
    };

/** Answers larger than this are not Bookinfo answers; refusing them bounds our memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * How long a kept-alive connection may sit idle before we close it: under a Node server's 5 s
 * keep-alive timeout, so that we, not the server, close it.
 */
export const IDLE_CONNECTION_MS = 4000;

export interface UpstreamClientOptions {
  /** IDLE_CONNECTION_MS by default; tests use less. */
  readonly idleConnectionMs?: number;
}

/**
 * Kept-alive connections that close after sitting idle for `idleMs`, and only then. An Agent's own
 * `timeout` option would not do: it is a socket timeout on every socket, in-flight ones included,
 * and a request slower than it survives only because Node's Agent destroys a timed-out socket
 * when it is free. Here the idle clock runs from when a socket is handed back to the pool
 * (keepSocketAlive) and stops when a request takes it (reuseSocket); the deadline of a request is
 * the caller's per-attempt timer.
 */
class IdleExpiringAgent extends Agent {
  private readonly idle = new WeakSet<Socket>();
  private readonly watched = new WeakSet<Socket>();

  constructor(private readonly idleMs: number) {
    super({ keepAlive: true });
  }

  override keepSocketAlive(socket: Socket): boolean {
    // Node's returns false when the server's Keep-Alive hint is too short to reuse the socket
    // (@types/node says void).
    const keep = Boolean(super.keepSocketAlive(socket) as unknown);
    if (keep) {
      this.idle.add(socket);
      if (!this.watched.has(socket)) {
        this.watched.add(socket);
        socket.on('timeout', () => {
          if (this.idle.has(socket)) socket.destroy();
        });
      }
      socket.setTimeout(this.idleMs);
    }
    return keep;
  }

  override reuseSocket(socket: Socket, req: ClientRequest): void {
    this.idle.delete(socket);
    socket.setTimeout(0);
    super.reuseSocket(socket, req);
  }
}

export class UpstreamClient {
  // Kept-alive connections, as Bookinfo's own clients use: no connection set-up per call.
  private readonly agent: Agent;

  constructor(
    private readonly config: UpstreamConfig,
    options: UpstreamClientOptions = {},
  ) {
    this.agent = new IdleExpiringAgent(options.idleConnectionMs ?? IDLE_CONNECTION_MS);
  }

  /**
   * GET http://<service>:9080<path> and parse the JSON answer. Any failure (no answer in time, a
   * connection error, a non-2xx answer such as the sidecar's 504, a body that is not JSON) is
   * retried `policy.retries` times, as Bookinfo's productpage does with `for _ in range(2)`; the
   * result is that of the last attempt.
   */
  async getJson(
    service: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    policy: CallPolicy,
  ): Promise<CallResult> {
    let result: CallResult = { ok: false, error: 'not called' };
    let staleRetried = false;
    for (let attempt = 0; attempt <= policy.retries; attempt++) {
      const outcome = await this.attempt(service, path, headers, policy.timeoutMs);
      result = resultOf(service, outcome);
      if (result.ok) break;
      // The server closing an idle connection just as we reuse it is not the callee failing:
      // one free retry on a new connection, even for callers without retries.
      if (outcome.kind === 'transport' && outcome.stale && !staleRetried) {
        staleRetried = true;
        attempt--;
      }
    }
    return result;
  }

  /** Closes kept-alive connections, so the process can exit. */
  close(): void {
    this.agent.destroy();
  }

  private attempt(
    service: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    timeoutMs: number,
  ): Promise<Attempt> {
    const authority = `${service}:${SERVICE_PORT}`;
    const direct = this.config.direct.get(service);
    const via = direct ?? this.config.proxy ?? { host: service, port: SERVICE_PORT };
    // Absolute-form only to the proxy; a server expects origin-form.
    const target = !direct && this.config.proxy ? `http://${authority}${path}` : path;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: Attempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = request({
        host: via.host,
        port: via.port,
        method: 'GET',
        path: target,
        // The logical name even on a direct call: the callee may route on Host, as a mesh does.
        headers: { ...headers, host: authority, accept: 'application/json' },
        agent: this.agent,
      });
      const timer = setTimeout(() => {
        settle({ kind: 'transport', error: `${service}: no answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) =>
        settle({
          kind: 'transport',
          error: `${service}: ${err.message}`,
          stale: req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE'),
        }),
      );
      req.on('response', (res) => {
        readText(res).then(
          (text) => settle({ kind: 'response', status: res.statusCode ?? 0, text }),
          (err: Error) => settle({ kind: 'transport', error: `${service}: ${err.message}` }),
        );
      });
      req.end();
    });
  }
}

function resultOf(service: string, outcome: Attempt): CallResult {
  if (outcome.kind === 'transport') return { ok: false, error: outcome.error };
  if (outcome.status < 200 || outcome.status > 299) {
    return { ok: false, status: outcome.status, error: `${service} answered ${outcome.status}` };
  }
  try {
    return { ok: true, status: outcome.status, body: JSON.parse(outcome.text) as unknown };
  } catch {
    return { ok: false, status: outcome.status, error: `${service} answered with invalid JSON` };
  }
}

function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(new Error('answer cut short'));
    });
  });
}
