import type { ServerResponse } from 'node:http';
import { createUpstreamPools, type UpstreamPools } from '../upstream/pools.js';
import { forwardHandler } from './forward.js';
import { readAll, testContext } from './test-support/context.js';
import { startUpstream, type TestUpstream } from './test-support/fixtures.js';
import { UpstreamTimeout, type UpstreamTarget } from './types.js';

describe('forwardHandler', () => {
  let pools: UpstreamPools;
  let upstream: TestUpstream;
  let respond: (res: ServerResponse) => void;

  beforeAll(async () => {
    upstream = await startUpstream('app', (_req, res) => respond(res));
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    pools = createUpstreamPools();
    upstream.requests.length = 0;
  });
  afterEach(() => pools.close());

  const target = (): UpstreamTarget => ({
    id: `127.0.0.1:${upstream.port}`,
    address: '127.0.0.1',
    port: upstream.port,
    cluster: 'outbound|80||app',
  });

  it('sends the authority as Host and strips hop-by-hop headers both ways', async () => {
    respond = (res) => {
      res.writeHead(200, {
        connection: 'x-private',
        'x-private': 'p',
        'keep-alive': 'timeout=5',
        'x-app': 'a',
      });
      res.end('ok');
    };
    const res = await forwardHandler(pools)(
      testContext({
        authority: 'rewritten:9080',
        path: '/p?q=1',
        headers: {
          host: 'original',
          'proxy-authorization': 'secret',
          te: 'trailers',
          'x-keep': 'k',
        },
        upstream: target(),
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-app']).toBe('a');
    expect(res.headers['x-private']).toBeUndefined();
    expect(res.headers['keep-alive']).toBeUndefined();
    expect(await readAll(res.body)).toBe('ok');
    const seen = upstream.requests[0]!;
    expect(seen.url).toBe('/p?q=1');
    expect(seen.headers.host).toBe('rewritten:9080');
    expect(seen.headers['x-keep']).toBe('k');
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
  });

  it('returns the response as soon as headers arrive, streaming the body', async () => {
    let finish!: () => void;
    respond = (res) => {
      res.writeHead(200);
      res.write('head-');
      finish = () => res.end('tail');
    };
    const res = await forwardHandler(pools)(testContext({ upstream: target() }));
    expect(res.status).toBe(200);
    const text = readAll(res.body);
    finish();
    expect(await text).toBe('head-tail');
  });

  it('answers UT when a timeout aborts the attempt, and DC when the client left', async () => {
    respond = () => undefined;
    const timedOut = new AbortController();
    setTimeout(() => timedOut.abort(new UpstreamTimeout('per-try', 20)), 20);
    const res = await forwardHandler(pools)(
      testContext({ upstream: target(), signal: timedOut.signal }),
    );
    expect(res.local).toMatchObject({ flag: 'UT', failure: 'timeout' });

    const gone = new AbortController();
    gone.abort();
    const res2 = await forwardHandler(pools)(
      testContext({ upstream: target(), signal: gone.signal }),
    );
    expect(res2.local?.flag).toBe('DC');
  });

  it('opens a connection per request when maxRequestsPerConnection is 1, reuses them otherwise', async () => {
    respond = (res) => res.end('ok');
    const send = async (maxRequestsPerConnection?: number) => {
      const res = await forwardHandler(pools)(
        testContext({ upstream: { ...target(), maxRequestsPerConnection } }),
      );
      await readAll(res.body);
    };
    for (let i = 0; i < 3; i++) await send(1);
    const single = upstream.requests.map((r) => r.connection);
    expect(new Set(single).size).toBe(3);
    expect(upstream.requests[0]!.headers.connection).toBe('close');
    upstream.requests.length = 0;
    for (let i = 0; i < 4; i++) await send();
    expect(new Set(upstream.requests.map((r) => r.connection)).size).toBeLessThan(4);
  });

  it('refuses to run without an upstream: that is a wiring bug', async () => {
    await expect(forwardHandler(pools)(testContext())).rejects.toThrow(
      /without an upstream target/,
    );
  });
});
