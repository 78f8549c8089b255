import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { PassThrough, Readable } from 'node:stream';
import { localReply } from './local-reply.js';
import {
  DEFAULT_MIRROR_TIMEOUT_MS,
  MirrorStats,
  mirrorLayer,
  shadowAuthority,
  type MirrorLayerOptions,
  type MirrorTarget,
} from './mirror.js';
import { RequestBody } from './request-body.js';
import { hanging, readAll, response, scripted, testContext } from './test-support/context.js';
import {
  buildTable,
  closedPort,
  seededRng,
  startOutbound,
  startUpstream,
  type TestProxy,
  type TestUpstream,
} from './test-support/fixtures.js';
import type { Handler, HttpContext, ProxyResponse } from './types.js';

/** Polls until `check` holds (copies are fire and forget: nothing to await). */
async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A handler that reads the request body the way the forward handler does, then answers. */
function reading(answer: (body: string) => ProxyResponse = () => response(200, {}, 'main')) {
  const bodies: string[] = [];
  const handler = scripted(async (ctx) => {
    const body = ctx.body ? await readAll(ctx.body.open()) : '';
    bodies.push(body);
    return answer(body);
  });
  return Object.assign(handler, { bodies });
}

function layerWith(
  targets: MirrorTarget[],
  overrides: Partial<MirrorLayerOptions> = {},
): { stats: MirrorStats; wrap: (next: Handler) => Handler } {
  const stats = overrides.stats ?? new MirrorStats();
  const layer = mirrorLayer({
    targets,
    timeoutMs: undefined,
    bufferBytes: 1024,
    stats,
    ...overrides,
  });
  return { stats, wrap: layer! };
}

const target = (send: Handler | undefined, percentage = 100): MirrorTarget => ({
  cluster: 'outbound|8000|v2|httpbin.default.svc.cluster.local',
  percentage,
  send,
});

describe('shadowAuthority', () => {
  it("puts Envoy's -shadow suffix on the host part, before any port", () => {
    expect(shadowAuthority('reviews:9080')).toBe('reviews-shadow:9080');
    expect(shadowAuthority('reviews')).toBe('reviews-shadow');
    expect(shadowAuthority('reviews.default.svc.cluster.local:80')).toBe(
      'reviews.default.svc.cluster.local-shadow:80',
    );
    expect(shadowAuthority('[::1]:8080')).toBe('[::1]-shadow:8080');
    expect(shadowAuthority('[::1]')).toBe('[::1]-shadow');
  });
});

describe('mirrorLayer', () => {
  it('is absent without mirrors', () => {
    expect(
      mirrorLayer({ targets: [], timeoutMs: undefined, bufferBytes: 1, stats: new MirrorStats() }),
    ).toBeUndefined();
  });

  it('sends a copy with the -shadow authority and answers with the main response only', async () => {
    const copies = scripted(() => response(200, {}, 'mirror'));
    const next = scripted(() => response(200, { 'x-from': 'main' }, 'main'));
    const { stats, wrap } = layerWith([target(copies)]);
    const ctx = testContext({
      method: 'GET',
      authority: 'httpbin:8000',
      path: '/headers?a=1',
      headers: { 'x-request-id': 'r-1', 'x-custom': 'c' },
    });
    ctx.info.requestId = 'r-1';
    const res = await wrap(next)(ctx);
    expect([res.headers['x-from'], await readAll(res.body)]).toEqual(['main', 'main']);
    expect(next.calls[0]!.authority).toBe('httpbin:8000');
    await until(() => copies.calls.length === 1, 'the copy');
    const copy = copies.calls[0]!;
    expect(copy).toMatchObject({
      method: 'GET',
      authority: 'httpbin-shadow:8000',
      path: '/headers?a=1',
      headers: { 'x-request-id': 'r-1', 'x-custom': 'c' },
      body: undefined,
    });
    // The copy has its own record and signal: nothing it does reaches the main request's log.
    expect(copy.info).not.toBe(ctx.info);
    expect(copy.info.requestId).toBe('r-1');
    expect(copy.signal).not.toBe(ctx.signal);
    expect(stats.counters()).toMatchObject({
      'http.outbound.mirror.sent': 1,
      'http.outbound.mirror.failed': 0,
    });
  });

  it('sends one copy per mirror, each drawn against its own percentage', async () => {
    const a = scripted(() => response(200));
    const b = scripted(() => response(200));
    // rng 0.3: a (percentage 50) hits, b (percentage 25) misses.
    const { stats, wrap } = layerWith([target(a, 50), target(b, 25)]);
    await wrap(scripted(() => response(200)))(testContext({ rng: () => 0.3 }));
    await until(() => a.calls.length === 1, 'the copy to a');
    expect(b.calls).toHaveLength(0);
    expect(stats.sent).toBe(1);
  });

  it('honours 0%, 100% and 50% over many requests (seeded)', async () => {
    const count = async (percentage: number) => {
      const copies = scripted(() => response(200));
      const { wrap } = layerWith([target(copies, percentage)]);
      const handler = wrap(scripted(() => response(200)));
      const rng = seededRng(42);
      for (let i = 0; i < 1000; i++) await handler(testContext({ rng }));
      await new Promise((r) => setImmediate(r));
      return copies.calls.length;
    };
    expect(await count(0)).toBe(0);
    expect(await count(100)).toBe(1000);
    const half = await count(50);
    // Binomial(1000, 0.5): sd ~16; the seeded draw lands well inside 5 sd.
    expect(half).toBeGreaterThan(420);
    expect(half).toBeLessThan(580);
    expect(await count(0.5)).toBeLessThan(20);
  });

  it('never lets a failing copy touch the main request', async () => {
    const failing: Handler = async () => {
      throw new Error('mirror handler bug');
    };
    const refused = scripted(() => localReply(503, 'UF', 'connection refused'));
    const { stats, wrap } = layerWith([target(failing), target(refused)]);
    const res = await wrap(scripted(() => response(200, {}, 'main')))(testContext());
    expect([res.status, await readAll(res.body)]).toEqual([200, 'main']);
    await until(() => stats.failed === 2, 'both copies to fail');
    expect(stats.sent).toBe(2);
  });

  it('does not wait for a stuck copy, and gives up on it after the route timeout', async () => {
    const stuck = scripted(hanging);
    const { stats, wrap } = layerWith([target(stuck)], { timeoutMs: 40 });
    const started = performance.now();
    const res = await wrap(scripted(() => response(200)))(testContext());
    expect(res.status).toBe(200);
    // The main response is back while the copy is still pending, well before its timeout.
    expect(stuck.calls).toHaveLength(1);
    expect(stuck.calls[0]!.signal.aborted).toBe(false);
    expect(stats.failed).toBe(0);
    await until(() => stats.failed === 1, 'the copy to time out');
    expect(stuck.calls[0]!.signal.aborted).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('bounds a copy by 15 s when the route has no timeout', async () => {
    jest.useFakeTimers();
    try {
      const stuck = scripted(hanging);
      const { wrap } = layerWith([target(stuck)], { timeoutMs: undefined });
      expect((await wrap(scripted(() => response(200)))(testContext())).status).toBe(200);
      expect(stuck.calls).toHaveLength(1);
      const { signal } = stuck.calls[0]!;
      jest.advanceTimersByTime(DEFAULT_MIRROR_TIMEOUT_MS - 1);
      expect(signal.aborted).toBe(false);
      jest.advanceTimersByTime(1);
      expect(signal.aborted).toBe(true);
      expect(DEFAULT_MIRROR_TIMEOUT_MS).toBe(15_000);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reads the copy response to its end and counts a body that breaks off as failed', async () => {
    const body = new PassThrough();
    const copies = scripted(() => ({ status: 200, headers: {}, body }));
    const { stats, wrap } = layerWith([target(copies)]);
    await wrap(scripted(() => response(200)))(testContext());
    await until(() => copies.calls.length === 1, 'the copy');
    body.write('partial');
    body.destroy(new Error('reset'));
    await until(() => stats.failed === 1, 'the broken copy');
  });

  it('skips a mirror whose cluster is missing and says so once', async () => {
    const warnings: string[] = [];
    const { stats, wrap } = layerWith([target(undefined)], { warn: (m) => warnings.push(m) });
    const next = scripted(() => response(200, {}, 'main'));
    const handler = wrap(next);
    for (let i = 0; i < 3; i++) expect((await handler(testContext())).status).toBe(200);
    expect(warnings).toEqual([
      "mirror cluster outbound|8000|v2|httpbin.default.svc.cluster.local is not in this proxy's config: requests are not mirrored to it",
    ]);
    expect(stats.noCluster).toBe(3);
    expect(stats.sent).toBe(0);
  });

  describe('with a request body', () => {
    const bodyOf = (chunks: string[], limit = 1024) =>
      new RequestBody(Readable.from(chunks.map((c) => Buffer.from(c))), limit);

    it('copies the body the main attempt streams, once it is complete', async () => {
      const copies = reading();
      const main = reading();
      const { stats, wrap } = layerWith([target(copies)]);
      const res = await wrap(main)(testContext({ method: 'POST', body: bodyOf(['{"a":', '1}']) }));
      expect(res.status).toBe(200);
      expect(main.bodies).toEqual(['{"a":1}']);
      await until(() => copies.bodies.length === 1, 'the copy');
      expect(copies.bodies).toEqual(['{"a":1}']);
      expect(stats.sent).toBe(1);
    });

    it('keeps the body replayable for retries and sends one copy, not one per attempt', async () => {
      const copies = reading();
      let attempt = 0;
      const main = reading(() => response(++attempt === 1 ? 503 : 200));
      const { wrap } = layerWith([target(copies)]);
      const retrying: Handler = async (ctx) => {
        const first = await main(ctx);
        expect(ctx.body!.replayable).toBe(true);
        return first.status === 503 ? main(ctx) : first;
      };
      const res = await wrap(retrying)(testContext({ body: bodyOf(['abc', 'def']) }));
      expect(res.status).toBe(200);
      expect(main.bodies).toEqual(['abcdef', 'abcdef']);
      await until(() => copies.bodies.length === 1, 'the copy');
      await new Promise((r) => setTimeout(r, 20));
      expect(copies.bodies).toEqual(['abcdef']);
    });

    it('reads the body itself when the main request never sent it', async () => {
      const copies = reading();
      const { wrap } = layerWith([target(copies)]);
      const res = await wrap(scripted(() => localReply(503, 'UH', 'no healthy upstream')))(
        testContext({ body: bodyOf(['late ', 'body']) }),
      );
      expect(res.status).toBe(503);
      await until(() => copies.bodies.length === 1, 'the copy');
      expect(copies.bodies).toEqual(['late body']);
    });

    it('skips a body over the buffer, declared or streamed, and counts it', async () => {
      const copies = reading();
      const main = reading();
      const { stats, wrap } = layerWith([target(copies)], { bufferBytes: 8 });
      const handler = wrap(main);
      await handler(
        testContext({ headers: { 'content-length': '9' }, body: bodyOf(['x'.repeat(9)]) }),
      );
      await handler(testContext({ body: bodyOf(['1234', '5678', '9'], 8) }));
      // Main requests get their whole bodies regardless.
      expect(main.bodies).toEqual(['x'.repeat(9), '123456789']);
      await until(() => stats.bodyTooLarge === 2, 'both skips');
      await new Promise((r) => setTimeout(r, 20));
      expect(copies.calls).toHaveLength(0);
      expect(stats.sent).toBe(0);
    });

    it('does not mirror a body the client never finished', async () => {
      const source = new PassThrough();
      const copies = reading();
      const main: Handler = async (ctx: HttpContext) => {
        const stream = ctx.body!.open();
        stream.on('error', () => undefined);
        source.write('half');
        source.destroy(new Error('client went away'));
        await new Promise((r) => stream.once('close', r));
        return localReply(503, 'DC', 'downstream went away');
      };
      const { stats, wrap } = layerWith([target(copies)]);
      await wrap(main)(testContext({ body: new RequestBody(source, 1024) }));
      await until(() => stats.bodyIncomplete === 1, 'the skip');
      expect(copies.calls).toHaveLength(0);
    });
  });
});

// Istio's mirroring task: httpbin v1 serves, v2 gets a copy of each request.
describe('mirroring on the outbound listener', () => {
  const HTTPBIN = 'httpbin.default.svc.cluster.local';
  let v1: TestUpstream;
  let v2: TestUpstream;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    v1 = await startUpstream('v1');
    v2 = await startUpstream('v2');
  });
  afterAll(async () => {
    await v1.close();
    await v2.close();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
    v1.requests.length = 0;
    v2.requests.length = 0;
  });

  const vs = (extra: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: httpbin, namespace: default }
spec:
  hosts: [httpbin]
  http:
  - route:
    - destination: { host: httpbin, subset: v1 }
      weight: 100
${extra}`;

  async function proxyFor(
    extra: string,
    mirrorEndpoints: number[] = [v2.port],
    options: Parameters<typeof startOutbound>[1] = {},
  ): Promise<{ proxy: TestProxy; stats: MirrorStats; warnings: string[] }> {
    const table = buildTable({
      yaml: vs(extra),
      clusters: [
        { host: HTTPBIN, port: 8000, endpoints: [v1.port, ...mirrorEndpoints] },
        { host: HTTPBIN, port: 8000, subset: 'v1', endpoints: [v1.port] },
        { host: HTTPBIN, port: 8000, subset: 'v2', endpoints: mirrorEndpoints },
      ],
    });
    const stats = new MirrorStats();
    const warnings: string[] = [];
    const proxy = await startOutbound(table, {
      mirrorStats: stats,
      warn: (m) => warnings.push(m),
      ...options,
    });
    open.push(proxy);
    return { proxy, stats, warnings };
  }

  const MIRROR_ALL = `
    mirror: { host: httpbin, subset: v2 }
    mirrorPercentage: { value: 100.0 }`;

  it('sends v2 a copy of each request with the -shadow host; the client sees only v1', async () => {
    const { proxy, stats } = await proxyFor(MIRROR_ALL);
    const got = await proxy.request('http://httpbin:8000/headers');
    expect([got.status, got.body, got.headers['x-upstream']]).toEqual([200, 'v1', 'v1']);
    const posted = await proxy.request('http://httpbin:8000/post', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hello":"mirror"}',
    });
    expect(posted.body).toBe('v1');
    await until(() => v2.requests.length === 2, 'both copies at v2');
    expect(v1.requests.map((r) => r.headers.host)).toEqual(['httpbin:8000', 'httpbin:8000']);
    const copies = [...v2.requests].sort((a, b) => a.url.localeCompare(b.url));
    expect(copies.map((r) => [r.method, r.url, r.headers.host, r.body])).toEqual([
      ['GET', '/headers', 'httpbin-shadow:8000', ''],
      ['POST', '/post', 'httpbin-shadow:8000', '{"hello":"mirror"}'],
    ]);
    expect(copies[0]!.headers['x-request-id']).toBe(
      v1.requests.find((r) => r.url === '/headers')!.headers['x-request-id'],
    );
    await until(() => proxy.logs.length === 2, 'the access log');
    // Copies are not logged as requests of their own.
    expect(proxy.logs.map((l) => l.upstream_cluster)).toEqual([
      `outbound|8000|v1|${HTTPBIN}`,
      `outbound|8000|v1|${HTTPBIN}`,
    ]);
    expect(stats.counters()).toMatchObject({
      'http.outbound.mirror.sent': 2,
      'http.outbound.mirror.failed': 0,
    });
  });

  it('answers without waiting for a slow mirror, which the route timeout cuts off', async () => {
    const held: ServerResponse[] = [];
    const slow = await startUpstream('slow', (_req, res) => held.push(res));
    try {
      const { proxy, stats } = await proxyFor(`${MIRROR_ALL}\n    timeout: 300ms`, [slow.port]);
      const res = await proxy.request('http://httpbin:8000/get');
      expect([res.status, res.body]).toEqual([200, 'v1']);
      await until(() => held.length === 1, 'the copy at the slow mirror');
      // The main response is done while the copy is still unanswered and not yet given up on.
      expect(held[0]!.writableEnded).toBe(false);
      expect(stats.failed).toBe(0);
      await until(() => stats.failed === 1, 'the copy to time out');
      await until(() => held[0]!.destroyed, 'the copy connection to close');
    } finally {
      await slow.close();
    }
  });

  it('answers normally when the mirror refuses connections or resets them', async () => {
    const resetting = await startUpstream('reset', (req) => req.socket.destroy());
    try {
      const { proxy, stats } = await proxyFor(MIRROR_ALL, [await closedPort(), resetting.port]);
      for (let i = 0; i < 4; i++) {
        const res = await proxy.request('http://httpbin:8000/status/200', {
          method: 'PUT',
          body: `attempt ${i}`,
        });
        expect([res.status, res.body]).toEqual([200, 'v1']);
      }
      await until(() => stats.failed === 4, 'four failed copies');
      expect(stats.sent).toBe(4);
      expect(v1.requests.map((r) => r.body)).toEqual([0, 1, 2, 3].map((i) => `attempt ${i}`));
    } finally {
      await resetting.close();
    }
  });

  it('honours mirrorPercentage 0, 50 and 100 (seeded)', async () => {
    const mirrored = async (percentage: number, n: number) => {
      const { proxy, stats } = await proxyFor(
        `    mirror: { host: httpbin, subset: v2 }\n    mirrorPercentage: { value: ${percentage} }`,
        [v2.port],
        { rng: seededRng(7) },
      );
      for (let i = 0; i < n; i++)
        expect((await proxy.request('http://httpbin:8000/ip')).body).toBe('v1');
      await until(() => v2.requests.length === stats.sent, 'the copies');
      const count = v2.requests.length;
      v2.requests.length = 0;
      return count;
    };
    expect(await mirrored(0, 50)).toBe(0);
    expect(await mirrored(100, 50)).toBe(50);
    const half = await mirrored(50, 200);
    // Binomial(200, 0.5): sd ~7.
    expect(half).toBeGreaterThan(70);
    expect(half).toBeLessThan(130);
  });

  it('sends to every mirror of mirrors[], each at its own percentage', async () => {
    const v3 = await startUpstream('v3');
    try {
      const table = buildTable({
        yaml: vs(`    mirrors:
    - destination: { host: httpbin, subset: v2 }
    - destination: { host: httpbin, subset: v3 }
      percentage: { value: 0.001 }`),
        clusters: [
          { host: HTTPBIN, port: 8000, endpoints: [v1.port] },
          { host: HTTPBIN, port: 8000, subset: 'v1', endpoints: [v1.port] },
          { host: HTTPBIN, port: 8000, subset: 'v2', endpoints: [v2.port] },
          { host: HTTPBIN, port: 8000, subset: 'v3', endpoints: [v3.port] },
        ],
      });
      const proxy = await startOutbound(table, { rng: seededRng(1) });
      open.push(proxy);
      for (let i = 0; i < 5; i++) await proxy.request('http://httpbin:8000/anything');
      await until(() => v2.requests.length === 5, 'the copies at v2');
      expect(v3.requests).toHaveLength(0);
    } finally {
      await v3.close();
    }
  });

  it('ignores a mirror cluster missing from the config, saying so once', async () => {
    const { proxy, stats, warnings } = await proxyFor(`    mirror: { host: httpbin, subset: v9 }`);
    for (let i = 0; i < 2; i++) {
      const res = await proxy.request('http://httpbin:8000/get');
      expect([res.status, res.body]).toEqual([200, 'v1']);
    }
    expect(warnings).toEqual([
      `mirror cluster outbound|8000|v9|${HTTPBIN} is not in this proxy's config: requests are not mirrored to it`,
    ]);
    expect(stats.noCluster).toBe(2);
  });

  it('does not mirror a body over the buffer, and still forwards it whole', async () => {
    const { proxy, stats } = await proxyFor(MIRROR_ALL, [v2.port], {
      limits: { retryBufferBytes: 1024 },
    });
    const big = 'b'.repeat(4096);
    const res = await proxy.request('http://httpbin:8000/post', { method: 'POST', body: big });
    expect(res.body).toBe('v1');
    const small = await proxy.request('http://httpbin:8000/post', { method: 'POST', body: 'ok' });
    expect(small.body).toBe('v1');
    await until(() => v2.requests.length === 1, 'the small copy');
    expect(v1.requests.map((r) => r.body.length)).toEqual([4096, 2]);
    expect(v2.requests[0]!.body).toBe('ok');
    expect(stats.bodyTooLarge).toBe(1);
  });
});
