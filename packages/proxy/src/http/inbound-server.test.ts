import { Pool } from 'undici';
import type { AccessLogEntry } from './access-log.js';
import { createInboundServer } from './inbound-server.js';
import type { ProxyServer } from './server.js';
import {
  closedPort,
  closeServer,
  inboundListenerFor,
  listen,
  logEntry,
  send,
  startUpstream,
  type TestUpstream,
} from './test-support/fixtures.js';

describe('inbound server', () => {
  let app: TestUpstream;
  let server: ProxyServer;
  let client: Pool;
  const logs: AccessLogEntry[] = [];

  async function start(targetPort: number): Promise<void> {
    server = createInboundServer({
      listener: inboundListenerFor(targetPort),
      log: (e) => logs.push(e),
    });
    const port = await listen(server);
    client = new Pool(`http://127.0.0.1:${port}`);
  }

  beforeAll(async () => {
    app = await startUpstream('app', (req, res, body) => {
      res.writeHead(201, { 'x-app': 'yes', 'set-cookie': ['a=1', 'b=2'] });
      res.end(`${req.method} ${req.url} ${body}`);
    });
  });

  afterAll(() => app.close());

  afterEach(async () => {
    await client.close();
    await closeServer(server);
    logs.length = 0;
    app.requests.length = 0;
  });

  it('forwards mesh traffic to the app with its Host, headers and body, over kept-alive connections', async () => {
    await start(app.port);
    const before = app.connections();
    for (let i = 0; i < 5; i++) {
      const res = await send(client, '/reviews/0?x=1', {
        method: 'POST',
        headers: { host: 'reviews:9080', 'x-request-id': `r${i}`, connection: 'keep-alive' },
        body: `body${i}`,
      });
      expect(res.status).toBe(201);
      expect(res.body).toBe(`POST /reviews/0?x=1 body${i}`);
      expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(res.headers['x-mesh-error']).toBeUndefined();
    }
    expect(app.requests[0]!.headers).toMatchObject({
      host: 'reviews:9080',
      'x-request-id': 'r0',
      'x-forwarded-proto': 'http',
    });
    expect(app.connections() - before).toBe(1);
    expect(await logEntry(logs, 0)).toMatchObject({
      direction: 'inbound',
      response_code: 201,
      response_flags: '-',
      upstream_cluster: 'inbound|9080||',
      upstream_host: `127.0.0.1:${app.port}`,
      bytes_received: 5,
      request_id: 'r0',
    });
  });

  it('answers 503 UF with x-mesh-error when the app is down', async () => {
    const down = await closedPort();
    await start(down);
    const res = await send(client, '/', { headers: { host: 'reviews:9080' } });
    expect(res.status).toBe(503);
    expect(res.headers['x-mesh-error']).toMatch(
      new RegExp(
        `^UF upstream connect error or disconnect/reset before headers\\. reset reason: connection failure, transport failure reason: connect ECONNREFUSED 127\\.0\\.0\\.1:${down} `,
      ),
    );
    expect(res.body).toMatch(/inbound\|9080\|\|\)\n$/);
    expect(await logEntry(logs, 0)).toMatchObject({ response_code: 503, response_flags: 'UF' });
  });

  it('answers 503 UC when the app drops the connection before responding', async () => {
    const rude = await startUpstream('rude', (req) => req.socket.destroy());
    try {
      await start(rude.port);
      const res = await send(client, '/', { headers: { host: 'reviews:9080' } });
      expect(res.status).toBe(503);
      expect(res.headers['x-mesh-error']).toMatch(/^UC .*reset reason: connection termination/);
      expect((await logEntry(logs, 0)).response_flags).toBe('UC');
    } finally {
      await rude.close();
    }
  });

  it('answers 431 to oversized headers without reaching the app', async () => {
    await start(app.port);
    const res = await send(client, '/', {
      headers: { host: 'reviews:9080', 'x-big': 'b'.repeat(64 * 1024) },
    });
    expect(res.status).toBe(431);
    expect(res.headers['x-mesh-error']).toBe('DPE request headers exceed the limit of 60 KiB');
    expect(app.requests).toHaveLength(0);
  });
});
