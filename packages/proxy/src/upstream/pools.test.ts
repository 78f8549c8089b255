import { createServer } from 'node:http';
import { closeServer, listen } from '../http/test-support/fixtures.js';
import {
  connectionSettingsOf,
  createUpstreamPools,
  originOf,
  resetAfterEachRequest,
} from './pools.js';
import { get, text } from './test-support/requests.js';

describe('upstream pools', () => {
  it('gives one pool per endpoint and connection settings, reused across calls', async () => {
    const pools = createUpstreamPools();
    const a = pools.get({ address: '127.0.0.1', port: 1 });
    expect(pools.get({ address: '127.0.0.1', port: 1 })).toBe(a);
    expect(pools.get({ address: '127.0.0.1', port: 2 })).not.toBe(a);
    expect(pools.get({ address: '127.0.0.1', port: 1, connectTimeoutMs: 5 })).not.toBe(a);
    expect(pools.size).toBe(3);
    await pools.close();
    expect(a.closed).toBe(true);
    expect(() => pools.get({ address: '127.0.0.1', port: 1 })).toThrow(/closed/);
  });

  it('closes the pools of endpoints that left the config, letting requests in flight finish', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const server = createServer((_req, res) => void held.then(() => res.end('done')));
    const port = await listen(server);
    const pools = createUpstreamPools();
    try {
      const pool = pools.get({ address: '127.0.0.1', port });
      const pending = pool.request(get(port));
      await new Promise((r) => setTimeout(r, 20));
      pools.retain(new Set([originOf('127.0.0.1', port + 1)]));
      expect(pools.size).toBe(0);
      expect(pool.closed).toBe(true);
      release();
      expect(await text((await pending).body)).toBe('done');
      const fresh = pools.get({ address: '127.0.0.1', port });
      expect(fresh).not.toBe(pool);
      pools.retain(new Set([originOf('127.0.0.1', port)]));
      expect(pools.size).toBe(1);
    } finally {
      await pools.close();
      await closeServer(server);
    }
  });

  it('sends at most maxRequestsPerConnection requests on a connection', async () => {
    const perSocket = new Map<unknown, number>();
    const server = createServer((req, res) => {
      perSocket.set(req.socket, (perSocket.get(req.socket) ?? 0) + 1);
      res.end('ok');
    });
    const port = await listen(server);
    const pools = createUpstreamPools();
    try {
      const pool = pools.get({ address: '127.0.0.1', port, maxRequestsPerConnection: 2 });
      for (let i = 0; i < 8; i++) await text((await pool.request(get(port))).body);
      // undici's own maxRequestsPerClient would allow one more per connection.
      expect(Math.max(...perSocket.values())).toBe(2);

      // One request per connection needs `reset` on each request.
      perSocket.clear();
      const single = { address: '127.0.0.1', port, maxRequestsPerConnection: 1 };
      expect(resetAfterEachRequest(single)).toBe(true);
      expect(resetAfterEachRequest({ ...single, maxRequestsPerConnection: 2 })).toBe(false);
      const one = pools.get(single);
      for (let i = 0; i < 3; i++) await text((await one.request(get(port, true))).body);
      expect([...perSocket.values()]).toEqual([1, 1, 1]);
    } finally {
      await pools.close();
      await closeServer(server);
    }
  });

  it('caps connections per endpoint at maxConnections, in pools of their own per cluster', async () => {
    let open = 0;
    let peak = 0;
    const server = createServer((_req, res) => {
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => {
        open--;
        res.end('ok');
      }, 20);
    });
    const port = await listen(server);
    const pools = createUpstreamPools();
    try {
      const target = { address: '127.0.0.1', port, maxConnections: 2, cluster: 'a' };
      const pool = pools.get(target);
      expect(pools.get({ ...target, cluster: 'b' })).not.toBe(pool);
      expect(pools.get({ ...target, maxConnections: undefined, cluster: 'b' })).toBe(
        pools.get({ address: '127.0.0.1', port, cluster: 'c' }),
      );
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          const res = await pool.request(get(port));
          await text(res.body);
        }),
      );
      expect(peak).toBe(2);
      expect(pools.connectionsTo('127.0.0.1', port)).toBe(2);
      expect(pools.connectionsTo('127.0.0.1', port + 1)).toBe(0);
    } finally {
      await pools.close();
      await closeServer(server);
    }
  });

  it('closes idle connections after the idle timeout', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    // The server's Keep-Alive hint (60 s) cannot stretch a configured idle timeout.
    server.keepAliveTimeout = 60_000;
    const port = await listen(server);
    const pools = createUpstreamPools();
    try {
      const pool = pools.get({ address: '127.0.0.1', port, idleTimeoutMs: 50 });
      await text((await pool.request(get(port))).body);
      expect(pool.stats.connected).toBe(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(pool.stats.connected).toBe(0);
    } finally {
      await pools.close();
      await closeServer(server);
    }
  });

  it('brackets IPv6 origins', () => {
    expect(originOf('::1', 80)).toBe('http://[::1]:80');
    expect(originOf('10.0.0.1', 80)).toBe('http://10.0.0.1:80');
  });

  it('reads maxConnections and the idle timeout (http, else tcp) from a DestinationRule policy', () => {
    expect(
      connectionSettingsOf({
        connectionPool: { tcp: { maxConnections: 3, idleTimeout: '5s' } },
      }),
    ).toMatchObject({ maxConnections: 3, idleTimeoutMs: 5000 });
    expect(
      connectionSettingsOf({
        connectionPool: { tcp: { idleTimeout: '5s' }, http: { idleTimeout: '1m' } },
      }).idleTimeoutMs,
    ).toBe(60_000);
    expect(
      connectionSettingsOf({ connectionPool: { tcp: { maxConnections: 0, idleTimeout: '0s' } } }),
    ).toMatchObject({ maxConnections: undefined, idleTimeoutMs: undefined });
  });

  it('reads connectTimeout and maxRequestsPerConnection from a DestinationRule policy', () => {
    expect(
      connectionSettingsOf({
        connectionPool: { tcp: { connectTimeout: '1.5s' }, http: { maxRequestsPerConnection: 1 } },
      }),
    ).toEqual({ connectTimeoutMs: 1500, maxRequestsPerConnection: 1 });
    expect(connectionSettingsOf({})).toEqual({
      connectTimeoutMs: undefined,
      maxRequestsPerConnection: undefined,
    });
    expect(
      connectionSettingsOf({ connectionPool: { http: { maxRequestsPerConnection: 0 } } })
        .maxRequestsPerConnection,
    ).toBeUndefined();
  });
});
