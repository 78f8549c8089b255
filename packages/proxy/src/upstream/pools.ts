// Connection pools to upstream endpoints: one H1Pool (h1-pool.ts) per endpoint (and per connection
// settings), created on first use and reused across requests and config tables, so keep-alive
// connections survive a config push. Endpoints that leave the config are closed by retain(),
// which lets their in-flight requests finish first. A cluster with connectionPool.tcp.
// maxConnections gets pools of its own, capped at that many connections per endpoint, as Envoy
// keeps one pool per cluster and host; the cluster-wide cap is its circuit breaker's.
import { H1Pool } from './h1-pool.js';
import { tlsConnector, type UpstreamTls } from './tls-origination.js';
import type { ResolvedTrafficPolicy } from '@mesh/rules';
import { parseDuration } from '@mesh/rules';

export interface UpstreamAddress {
  readonly address: string;
  readonly port: number;
  /** TCP connect timeout (DestinationRule connectionPool.tcp.connectTimeout). */
  readonly connectTimeoutMs?: number | undefined;
  /** Requests per connection before it is closed (connectionPool.http.maxRequestsPerConnection). */
  readonly maxRequestsPerConnection?: number | undefined;
  /** Connections per endpoint (connectionPool.tcp.maxConnections). */
  readonly maxConnections?: number | undefined;
  /** How long an idle connection is kept (connectionPool.http.idleTimeout, else tcp.idleTimeout). */
  readonly idleTimeoutMs?: number | undefined;
  /** The cluster the target belongs to: pools with a connection cap are not shared across clusters. */
  readonly cluster?: string | undefined;
  /** TLS to originate (DestinationRule tls SIMPLE or MUTUAL); plaintext when absent. */
  readonly tls?: UpstreamTls | undefined;
}

export interface UpstreamPoolsOptions {
  /** Istio's default connectTimeout: 10 s. */
  readonly connectTimeoutMs?: number;
  /** How long an idle upstream connection is kept (shortened by the server's Keep-Alive hint). */
  readonly keepAliveTimeoutMs?: number;
}

export interface UpstreamPools {
  get(target: UpstreamAddress): H1Pool;
  /** Closes the pools of endpoints not in `origins` (`http://address:port`), after in-flight requests. */
  retain(origins: ReadonlySet<string>): void;
  /** Open connections to one endpoint, busy or idle, across its pools (for the admin page). */
  connectionsTo(address: string, port: number): number;
  readonly size: number;
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 60_000;

export function createUpstreamPools(options: UpstreamPoolsOptions = {}): UpstreamPools {
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const pools = new Map<string, { origin: string; pool: H1Pool }>();
  let closed = false;

  return {
    get(target) {
      if (closed) throw new Error('upstream pools are closed');
      const origin = originOf(target.address, target.port);
      const connectTimeoutMs = target.connectTimeoutMs ?? connectTimeout;
      const maxRequests = target.maxRequestsPerConnection ?? 0;
      const maxConnections = target.maxConnections ?? 0;
      const idleTimeoutMs = target.idleTimeoutMs ?? 0;
      const owner = maxConnections > 0 ? (target.cluster ?? '') : '';
      const tls = target.tls;
      const key = `${origin}|${connectTimeoutMs}|${maxRequests}|${maxConnections}|${idleTimeoutMs}|${owner}|${tls?.key ?? ''}`;
      const known = pools.get(key);
      if (known && !known.pool.closed && !known.pool.destroyed) return known.pool;
      const pool = new H1Pool(target.address, target.port, {
        connectTimeoutMs,
        // A configured idle timeout is also the most a server's Keep-Alive hint can stretch it to.
        keepAliveTimeoutMs: idleTimeoutMs > 0 ? idleTimeoutMs : keepAliveTimeout,
        // Envoy's max_requests_per_connection, exactly (1: a connection per request).
        maxRequestsPerConnection: maxRequests,
        maxConnections,
        ...(tls && { connect: tlsConnector(tls) }),
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
    connectionsTo(address, port) {
      const origin = originOf(address, port);
      let n = 0;
      for (const entry of pools.values())
        if (entry.origin === origin && !entry.pool.destroyed) n += entry.pool.stats.connected;
      return n;
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

/**
 * True when every request must close its connection (maxRequestsPerConnection 1, Istio's way of
 * turning keep-alive off): the request says `connection: close` itself.
 */
export function resetAfterEachRequest(target: UpstreamAddress): boolean {
  return target.maxRequestsPerConnection === 1;
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
  maxConnections: number | undefined;
  idleTimeoutMs: number | undefined;
} {
  const tcp = policy.connectionPool?.tcp;
  const http = policy.connectionPool?.http;
  const connect = positiveMs(tcp?.connectTimeout);
  const maxRequests = http?.maxRequestsPerConnection;
  const maxConnections = tcp?.maxConnections;
  return {
    connectTimeoutMs: connect,
    maxRequestsPerConnection:
      maxRequests !== undefined && maxRequests > 0 ? maxRequests : undefined,
    maxConnections: maxConnections !== undefined && maxConnections > 0 ? maxConnections : undefined,
    // Istio falls back to tcp.idleTimeout when http.idleTimeout is unset; 0 keeps the default.
    idleTimeoutMs: positiveMs(http?.idleTimeout ?? tcp?.idleTimeout),
  };
}

function positiveMs(text: string | undefined): number | undefined {
  const ms = text ? parseDuration(text) : undefined;
  return ms !== undefined && ms > 0 ? ms : undefined;
}
