import { createServer } from 'node:http';
import { closeServer, listen } from '../http/test-support/fixtures.js';
import { connectionSettingsOf, createUpstreamPools, originOf } from './pools.js';

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
      const pending = pool.request({ path: '/', method: 'GET' });
      await new Promise((r) => setTimeout(r, 20));
      pools.retain(new Set([originOf('127.0.0.1', port + 1)]));
      expect(pools.size).toBe(0);
      expect(pool.closed).toBe(true);
      release();
      expect(await (await pending).body.text()).toBe('done');
      const fresh = pools.get({ address: '127.0.0.1', port });
      expect(fresh).not.toBe(pool);
      pools.retain(new Set([originOf('127.0.0.1', port)]));
      expect(pools.size).toBe(1);
    } finally {
      await pools.close();
      await closeServer(server);
    }
  });

  it('closes a connection after maxRequestsPerConnection requests', async () => {
    const sockets = new Set<unknown>();
    const server = createServer((req, res) => {
      sockets.add(req.socket);
      res.end('ok');
    });
    const port = await listen(server);
    const pools = createUpstreamPools();
    try {
      const pool = pools.get({ address: '127.0.0.1', port, maxRequestsPerConnection: 2 });
      for (let i = 0; i < 4; i++)
        await (await pool.request({ path: '/', method: 'GET' })).body.text();
      expect(sockets.size).toBe(2);
    } finally {
      await pools.close();
      await closeServer(server);
    }
  });

  it('brackets IPv6 origins', () => {
    expect(originOf('::1', 80)).toBe('http://[::1]:80');
    expect(originOf('10.0.0.1', 80)).toBe('http://10.0.0.1:80');
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
