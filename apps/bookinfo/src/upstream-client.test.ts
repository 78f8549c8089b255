import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer, type Socket } from 'node:net';
import {
  ConfigError,
  IDLE_CONNECTION_MS,
  parseServiceMap,
  UpstreamClient,
  upstreamConfigFromEnv,
} from './upstream-client.js';
import {
  closedPort,
  HOST,
  listen,
  recordingServer,
  type RecordingServer,
} from './test-support/http.js';

const ONCE = { timeoutMs: 1000, retries: 0 };

describe('upstreamConfigFromEnv', () => {
  it('reads HTTP_PROXY, else http_proxy, and BOOKINFO_SERVICES', () => {
    expect(upstreamConfigFromEnv({})).toEqual({ direct: new Map() });
    expect(upstreamConfigFromEnv({ HTTP_PROXY: 'http://127.0.0.1:15001' }).proxy).toEqual({
      host: '127.0.0.1',
      port: 15001,
    });
    expect(upstreamConfigFromEnv({ http_proxy: 'http://[::1]:15001/' }).proxy).toEqual({
      host: '::1',
      port: 15001,
    });
    expect(upstreamConfigFromEnv({ HTTP_PROXY: 'http://proxy' }).proxy).toEqual({
      host: 'proxy',
      port: 80,
    });
    expect(
      upstreamConfigFromEnv({ BOOKINFO_SERVICES: 'details=127.0.0.1:1234, reviews=[::1]:5678,' })
        .direct,
    ).toEqual(
      new Map([
        ['details', { host: '127.0.0.1', port: 1234 }],
        ['reviews', { host: '::1', port: 5678 }],
      ]),
    );
  });

  it.each([
    [{ HTTP_PROXY: 'not a url' }, /HTTP_PROXY is not a URL/],
    [{ HTTP_PROXY: 'https://127.0.0.1:15001' }, /must be an http:\/\/ URL/],
    [{ BOOKINFO_SERVICES: 'details' }, /expected name=host:port, got "details"/],
    [{ BOOKINFO_SERVICES: 'details=127.0.0.1' }, /expected name=host:port/],
    [{ BOOKINFO_SERVICES: 'details=127.0.0.1:0' }, /expected name=host:port/],
    [{ BOOKINFO_SERVICES: 'details=127.0.0.1:99999' }, /expected name=host:port/],
  ])('refuses %j', (env, message) => {
    expect(() => upstreamConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => upstreamConfigFromEnv(env)).toThrow(message);
  });
});

describe('UpstreamClient', () => {
  const servers: RecordingServer[] = [];
  const clients: UpstreamClient[] = [];
  const server = async (...args: Parameters<typeof recordingServer>) => {
    const s = await recordingServer(...args);
    servers.push(s);
    return s;
  };
  const client = (...args: ConstructorParameters<typeof UpstreamClient>) => {
    const c = new UpstreamClient(...args);
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(servers.map((s) => s.close()));
  });

  const answering = (status: number, body: string) =>
    server((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));

  it('sends absolute-form requests naming the service to the forward proxy', async () => {
    const proxy = await answering(200, '{"id":0}');
    const upstream = client({ proxy: { host: HOST, port: proxy.port }, direct: new Map() });
    const result = await upstream.getJson('reviews', '/reviews/0', { 'x-request-id': 'r' }, ONCE);
    expect(result).toEqual({ ok: true, status: 200, body: { id: 0 } });
    expect(proxy.requests).toHaveLength(1);
    expect(proxy.requests[0]!.url).toBe('http://reviews:9080/reviews/0');
    expect(proxy.requests[0]!.headers).toMatchObject({ host: 'reviews:9080', 'x-request-id': 'r' });
  });

  it('calls a BOOKINFO_SERVICES address directly, in origin-form, even with a proxy set', async () => {
    const proxy = await answering(200, '{}');
    const details = await answering(200, '{"id":1}');
    const upstream = client({
      proxy: { host: HOST, port: proxy.port },
      direct: parseServiceMap(`details=${HOST}:${details.port}`),
    });
    expect(await upstream.getJson('details', '/details/1', {}, ONCE)).toMatchObject({ ok: true });
    expect(details.requests.map((r) => [r.url, r.headers.host])).toEqual([
      ['/details/1', 'details:9080'],
    ]);
    expect(proxy.requests).toEqual([]);
  });

  it('keeps connections alive across calls', async () => {
    const details = await answering(200, '{}');
    const upstream = client({ direct: parseServiceMap(`details=${HOST}:${details.port}`) });
    await upstream.getJson('details', '/details/0', {}, ONCE);
    await upstream.getJson('details', '/details/0', {}, ONCE);
    expect(details.requests.map((r) => r.headers.connection)).toEqual(['keep-alive', 'keep-alive']);
  });

  it('retries a timeout as often as asked, then gives up', async () => {
    const hanging = await server(() => {});
    const upstream = client({ direct: parseServiceMap(`reviews=${HOST}:${hanging.port}`) });
    const started = Date.now();
    const result = await upstream.getJson(
      'reviews',
      '/reviews/0',
      {},
      { timeoutMs: 150, retries: 1 },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(result).toEqual({ ok: false, error: 'reviews: no answer within 150 ms' });
    expect(hanging.requests).toHaveLength(2);
  });

  it('retries a non-2xx answer too, each attempt with its own timeout, and reports the last status', async () => {
    const failing = await answering(504, 'upstream request timeout');
    const upstream = client({ direct: parseServiceMap(`reviews=${HOST}:${failing.port}`) });
    const result = await upstream.getJson(
      'reviews',
      '/reviews/0',
      {},
      { timeoutMs: 1000, retries: 1 },
    );
    expect(result).toEqual({ ok: false, status: 504, error: 'reviews answered 504' });
    expect(failing.requests).toHaveLength(2);
  });

  it('returns the answer of a retry that succeeds', async () => {
    let calls = 0;
    const flaky = await server((_req, res) => {
      calls++;
      if (calls === 1) return void res.writeHead(503).end('no healthy upstream');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":0}');
    });
    const upstream = client({ direct: parseServiceMap(`details=${HOST}:${flaky.port}`) });
    expect(
      await upstream.getJson('details', '/details/0', {}, { timeoutMs: 1000, retries: 1 }),
    ).toEqual({ ok: true, status: 200, body: { id: 0 } });
    expect(flaky.requests).toHaveLength(2);
  });

  it('does not retry a failed answer without retries', async () => {
    const failing = await answering(500, '{}');
    const upstream = client({ direct: parseServiceMap(`ratings=${HOST}:${failing.port}`) });
    expect(await upstream.getJson('ratings', '/ratings/0', {}, ONCE)).toEqual({
      ok: false,
      status: 500,
      error: 'ratings answered 500',
    });
    expect(failing.requests).toHaveLength(1);
  });

  it('fails on a body that is not JSON, and on a refused connection', async () => {
    const garbled = await answering(200, '<html>');
    const upstream = client({
      direct: parseServiceMap(
        `details=${HOST}:${garbled.port},ratings=${HOST}:${await closedPort()}`,
      ),
    });
    expect(await upstream.getJson('details', '/details/0', {}, ONCE)).toEqual({
      ok: false,
      status: 200,
      error: 'details answered with invalid JSON',
    });
    const refused = await upstream.getJson(
      'ratings',
      '/ratings/0',
      {},
      { timeoutMs: 1000, retries: 1 },
    );
    expect(refused).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^ratings: .*ECONNREFUSED/),
    });
  });

  it('calls again on a new connection when a kept-alive one turns out closed, even without retries', async () => {
    // Answers the first request of each connection and drops the connection at the second,
    // as a server whose idle timeout fired just as the client reused the connection.
    let connections = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      connections++;
      sockets.add(socket);
      let requests = 0;
      socket.on('data', (chunk: Buffer) => {
        requests += chunk.toString().split('\r\n\r\n').length - 1;
        if (requests > 1) return void socket.destroy();
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}');
      });
      socket.on('error', () => {});
    });
    const port = await listen(server);
    try {
      const upstream = client({ direct: parseServiceMap(`ratings=${HOST}:${port}`) });
      expect(await upstream.getJson('ratings', '/ratings/0', {}, ONCE)).toMatchObject({ ok: true });
      expect(await upstream.getJson('ratings', '/ratings/0', {}, ONCE)).toMatchObject({ ok: true });
      expect(connections).toBe(2);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe('kept-alive connections', () => {
    /** An HTTP server that counts connections and closes, and lets each test answer. */
    const countingServer = async (answer: (res: ServerResponse, n: number) => void) => {
      const stats = { opened: 0, closed: 0, requests: 0 };
      const http = createHttpServer((_req, res) => answer(res, ++stats.requests));
      http.on('connection', (socket: Socket) => {
        stats.opened++;
        socket.on('close', () => stats.closed++);
      });
      const port = await listen(http);
      const close = () =>
        new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      return { port, stats, close };
    };
    const json = (res: ServerResponse) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('close after 4 s idle by default', () => {
      expect(IDLE_CONNECTION_MS).toBe(4000);
    });

    it('are reused while fresh, and closed by us once idle for the idle time', async () => {
      const server = await countingServer((res) => json(res));
      try {
        const upstream = client(
          { direct: parseServiceMap(`ratings=${HOST}:${server.port}`) },
          { idleConnectionMs: 200 },
        );
        await upstream.getJson('ratings', '/ratings/0', {}, ONCE);
        await sleep(50);
        await upstream.getJson('ratings', '/ratings/0', {}, ONCE);
        expect(server.stats).toEqual({ opened: 1, closed: 0, requests: 2 });
        await sleep(400);
        // Closed from our side: the server's own keep-alive timeout is 5 s.
        expect(server.stats).toEqual({ opened: 1, closed: 1, requests: 2 });
        await upstream.getJson('ratings', '/ratings/0', {}, ONCE);
        expect(server.stats.opened).toBe(2);
      } finally {
        await server.close();
      }
    });

    it('are not timed out in flight: an answer slower than the idle time, on a reused connection', async () => {
      let inFlightTimeouts: (number | undefined)[] = [];
      let upstream: UpstreamClient | undefined;
      const server = await countingServer((res, n) => {
        if (n === 1) return json(res);
        // The client's sockets carry no timeout while a request is on them.
        const agent = upstream!['agent'];
        inFlightTimeouts = Object.values(agent.sockets)
          .flat()
          .map((socket) => socket!.timeout);
        setTimeout(() => json(res), 500);
      });
      try {
        upstream = client(
          { direct: parseServiceMap(`ratings=${HOST}:${server.port}`) },
          { idleConnectionMs: 150 },
        );
        expect(await upstream.getJson('ratings', '/ratings/0', {}, ONCE)).toMatchObject({
          ok: true,
        });
        const started = Date.now();
        expect(await upstream.getJson('ratings', '/ratings/0', {}, ONCE)).toMatchObject({
          ok: true,
        });
        expect(Date.now() - started).toBeGreaterThanOrEqual(490);
        expect(server.stats).toEqual({ opened: 1, closed: 0, requests: 2 });
        expect(inFlightTimeouts).toHaveLength(1);
        expect(inFlightTimeouts[0] ?? 0).toBe(0);
      } finally {
        await server.close();
      }
    });
  });
});
