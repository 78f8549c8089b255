// Connection pools to upstream endpoints: one undici Pool per endpoint (and per connection
// settings), created on first use and reused across requests and config tables, so keep-alive
// connections survive a config push. Endpoints that leave the config are closed by retain(),
// which lets their in-flight requests finish first.
import { Pool } from 'undici';
import type { ResolvedTrafficPolicy } from '@mesh/rules';
import { parseDuration } from '@mesh/rules';

export interface UpstreamAddress {
  readonly address: string;
  readonly port: number;
  /** TCP connect timeout (DestinationRule connectionPool.tcp.connectTimeout). */
  readonly connectTimeoutMs?: number | undefined;
  /** Requests per connection before it is closed (connectionPool.http.maxRequestsPerConnection). */
  readonly maxRequestsPerConnection?: number | undefined;
}

export interface UpstreamPoolsOptions {
  /** Istio's default connectTimeout: 10 s. */
  readonly connectTimeoutMs?: number;
  /** How long an idle upstream connection is kept (shortened by the server's Keep-Alive hint). */
  readonly keepAliveTimeoutMs?: number;
}

export interface UpstreamPools {
  get(target: UpstreamAddress): Pool;
  /** Closes the pools of endpoints not in `origins` (`http://address:port`), after in-flight requests. */
  retain(origins: ReadonlySet<string>): void;
  readonly size: number;
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 60_000;

export function createUpstreamPools(options: UpstreamPoolsOptions = {}): UpstreamPools {
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const pools = new Map<string, { origin: string; pool: Pool }>();
  let closed = false;

  return {
    get(target) {
      if (closed) throw new Error('upstream pools are closed');
      const origin = originOf(target.address, target.port);
      const connectTimeoutMs = target.connectTimeoutMs ?? connectTimeout;
      const maxRequests = target.maxRequestsPerConnection ?? 0;
      const key = `${origin}|${connectTimeoutMs}|${maxRequests}`;
      const known = pools.get(key);
      if (known && !known.pool.closed && !known.pool.destroyed) return known.pool;
      const pool = new Pool(origin, {
        connectTimeout: connectTimeoutMs,
        keepAliveTimeout,
        // The request pipeline owns timeouts (route and per-try), as Envoy's router does.
        headersTimeout: 0,
        bodyTimeout: 0,
        ...(maxRequests > 0 && { maxRequestsPerClient: maxRequests }),
      });
      pools.set(key, { origin, pool });
      return pool;
    },
    retain(origins) {
      for (const [key, entry] of pools) {
        if (origins.has(entry.origin)) continue;
        pools.delete(key);
        entry.pool.close().catch(() => undefined);
      }
    },
    get size() {
      return pools.size;
    },
    async close() {
      closed = true;
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((e) => e.pool.close().catch(() => undefined)));
    },
  };
}

export function originOf(address: string, port: number): string {
  return address.includes(':') && !address.startsWith('[')
    ? `http://[${address}]:${port}`
    : `http://${address}:${port}`;
}

/** Connection settings Istio's DestinationRule connectionPool gives one cluster's endpoints. */
export function connectionSettingsOf(policy: ResolvedTrafficPolicy): {
  connectTimeoutMs: number | undefined;
  maxRequestsPerConnection: number | undefined;
} {
  const tcp = policy.connectionPool?.tcp;
  const http = policy.connectionPool?.http;
  const connect = tcp?.connectTimeout ? parseDuration(tcp.connectTimeout) : undefined;
  const maxRequests = http?.maxRequestsPerConnection;
  return {
    connectTimeoutMs: connect !== undefined && connect > 0 ? connect : undefined,
    maxRequestsPerConnection:
      maxRequests !== undefined && maxRequests > 0 ? maxRequests : undefined,
  };
}
