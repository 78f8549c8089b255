import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProxyTable } from '../config/types.js';
import {
  buildTable,
  closedPort,
  endpointBody,
  logEntry,
  seededRng,
  startOutbound,
  startUpstream,
  type TestProxy,
  type TestUpstream,
} from './test-support/fixtures.js';

const REVIEWS = 'reviews.default.svc.cluster.local';

const vs = (spec: string, host = 'reviews') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${host}, namespace: default }
spec:
  hosts: [${host}]
${spec}`;

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

async function proxyFor(
  spec: string,
  extra: Parameters<typeof buildTable>[0]['clusters'] = [],
  options: Parameters<typeof startOutbound>[1] = {},
  host = 'reviews',
): Promise<TestProxy> {
  const table = buildTable({
    yaml: vs(spec, host),
    clusters: [
      { host: REVIEWS, endpoints: [v1.port, v2.port] },
      { host: REVIEWS, subset: 'v1', endpoints: [v1.port] },
      { host: REVIEWS, subset: 'v2', endpoints: [v2.port] },
      ...extra,
    ],
  });
  const proxy = await startOutbound(table, options);
  open.push(proxy);
  return proxy;
}

async function tracked<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const thing = await p;
  open.push(thing);
  return thing;
}

const BY_USER = `
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route: [{ destination: { host: reviews, subset: v1 } }]`;

describe('outbound routing', () => {
  it('sends a header-matched request to its subset and everyone else to the default one', async () => {
    const proxy = await proxyFor(BY_USER);
    const jason = await proxy.request('http://reviews:9080/reviews/1', {
      headers: { 'end-user': 'jason' },
    });
    const anyone = await proxy.request('http://reviews:9080/reviews/1');
    expect([jason.status, jason.body]).toEqual([200, 'v2']);
    expect([anyone.status, anyone.body]).toEqual([200, 'v1']);
    expect(v2.requests[0]).toMatchObject({ method: 'GET', url: '/reviews/1' });
    expect(v2.requests[0]!.headers.host).toBe('reviews:9080');
    expect(v2.requests[0]!.headers['x-envoy-attempt-count']).toBe('1');
    expect(v2.requests[0]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const entry = await logEntry(proxy.logs, 0);
    expect(entry).toMatchObject({
      direction: 'outbound',
      method: 'GET',
      authority: 'reviews:9080',
      path: '/reviews/1',
      response_code: 200,
      response_flags: '-',
      upstream_cluster: `outbound|9080|v2|${REVIEWS}`,
      upstream_host: `127.0.0.1:${v2.port}`,
      attempts: 1,
      bytes_sent: 2,
      request_id: v2.requests[0]!.headers['x-request-id'],
      config_generation: 1,
    });
  });

  it('accepts origin-form requests with a Host header and keeps a client x-request-id', async () => {
    const proxy = await proxyFor(BY_USER);
    const { Pool } = await import('undici');
    const client = new Pool(`http://127.0.0.1:${proxy.port}`);
    try {
      const res = await client.request({
        path: '/direct',
        method: 'GET',
        headers: { host: 'reviews:9080', 'x-request-id': 'abc-123' },
      });
      expect([res.statusCode, await res.body.text()]).toEqual([200, 'v1']);
    } finally {
      await client.close();
    }
    expect(v1.requests[0]!.headers['x-request-id']).toBe('abc-123');
    expect((await logEntry(proxy.logs, 0)).request_id).toBe('abc-123');
  });

  it('splits 80/20 by weight within three standard deviations over 1,000 requests', async () => {
    const proxy = await proxyFor(
      `
  http:
  - route:
    - destination: { host: reviews, subset: v1 }
      weight: 80
    - destination: { host: reviews, subset: v2 }
      weight: 20`,
      [],
      { rng: seededRng(7) },
    );
    const n = 1000;
    for (let i = 0; i < n; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, () => proxy.request('http://reviews:9080/split')),
      );
    const share = v1.requests.length;
    expect(share + v2.requests.length).toBe(n);
    const sigma = Math.sqrt(n * 0.8 * 0.2);
    expect(Math.abs(share - 0.8 * n)).toBeLessThan(3 * sigma);
  }, 30_000);

  it('applies request and response header operations', async () => {
    const proxy = await proxyFor(`
  http:
  - headers:
      request:
        set: { x-set: one }
        add: { x-add: two }
        remove: [x-drop]
      response:
        set: { x-served-by: mesh }
        remove: [x-upstream]
    route: [{ destination: { host: reviews, subset: v1 } }]`);
    const res = await proxy.request('http://reviews:9080/h', {
      headers: { 'x-set': 'client', 'x-add': 'client', 'x-drop': 'gone' },
    });
    expect(res.status).toBe(200);
    const seen = v1.requests[0]!.headers;
    expect(seen['x-set']).toBe('one');
    expect(seen['x-add']).toBe('client, two');
    expect(seen['x-drop']).toBeUndefined();
    expect(res.headers['x-served-by']).toBe('mesh');
    expect(res.headers['x-upstream']).toBeUndefined();
  });

  it('rewrites the path prefix and the authority, keeping the original path for the upstream', async () => {
    const proxy = await proxyFor(`
  http:
  - match: [{ uri: { prefix: /old } }]
    rewrite: { uri: /new, authority: reviews-rewritten }
    route: [{ destination: { host: reviews, subset: v1 } }]`);
    const res = await proxy.request('http://reviews:9080/old/item?x=1');
    expect(res.status).toBe(200);
    expect(v1.requests[0]!.url).toBe('/new/item?x=1');
    expect(v1.requests[0]!.headers.host).toBe('reviews-rewritten');
    expect(v1.requests[0]!.headers['x-envoy-original-path']).toBe('/old/item?x=1');
    expect((await logEntry(proxy.logs, 0)).path).toBe('/old/item?x=1');
  });

  it('answers a redirect route with its status and Location, without an upstream call', async () => {
    const proxy = await proxyFor(`
  http:
  - match: [{ uri: { exact: /v1/ratings } }]
    redirect: { uri: /v2/ratings, redirectCode: 308 }
  - route: [{ destination: { host: reviews, subset: v1 } }]`);
    const res = await proxy.request('http://reviews:9080/v1/ratings');
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe('http://reviews:9080/v2/ratings');
    expect(res.headers['x-mesh-error']).toBeUndefined();
    expect(v1.requests).toHaveLength(0);
  });

  it('answers a direct-response route with its status and body', async () => {
    const proxy = await proxyFor(`
  http:
  - directResponse: { status: 418, body: { string: "short and stout" } }`);
    const res = await proxy.request('http://reviews:9080/teapot');
    expect([res.status, res.body]).toEqual([418, 'short and stout']);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(v1.requests.length + v2.requests.length).toBe(0);
  });

  it('answers 404 NR with the reason for a host nobody serves', async () => {
    const proxy = await proxyFor(BY_USER);
    const res = await proxy.request('http://unknown.example:80/x');
    expect(res.status).toBe(404);
    expect(res.body).toBe('no VirtualService or service for host unknown.example\n');
    expect(res.headers['x-mesh-error']).toBe(
      'NR no VirtualService or service for host unknown.example',
    );
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const entry = await logEntry(proxy.logs, 0);
    expect(entry).toMatchObject({ response_code: 404, response_flags: 'NR', attempts: 0 });
  });
});

describe('outbound failures', () => {
  it('answers 503 UH counting endpoints when none of the subset is ready', async () => {
    const proxy = await proxyFor(
      `
  http:
  - route: [{ destination: { host: reviews, subset: v3 } }]`,
      [
        {
          host: REVIEWS,
          subset: 'v3',
          endpoints: [
            endpointBody(v1.port, { ready: false }),
            endpointBody(v2.port, { ready: false }),
          ],
        },
      ],
    );
    const res = await proxy.request('http://reviews:9080/');
    expect(res.status).toBe(503);
    expect(res.body).toBe(`no healthy upstream for ${REVIEWS} subset v3: 2 endpoints, 0 ready\n`);
    expect(res.headers['x-mesh-error']).toBe(
      `UH no healthy upstream for ${REVIEWS} subset v3: 2 endpoints, 0 ready`,
    );
    expect((await logEntry(proxy.logs, 0)).response_flags).toBe('UH');
  });

  it('answers 503 NC when the route names a subset the config has no cluster for', async () => {
    const proxy = await proxyFor(`
  http:
  - route: [{ destination: { host: reviews, subset: v9 } }]`);
    const res = await proxy.request('http://reviews:9080/');
    expect(res.status).toBe(503);
    expect(res.headers['x-mesh-error']).toMatch(/^NC no cluster outbound\|9080\|v9\|reviews/);
  });

  it('aborts with the fault status and Envoy body, never calling the upstream', async () => {
    const proxy = await proxyFor(`
  http:
  - fault: { abort: { httpStatus: 503, percentage: { value: 100 } } }
    route: [{ destination: { host: reviews, subset: v1 } }]`);
    const res = await proxy.request('http://reviews:9080/');
    expect([res.status, res.body]).toEqual([503, 'fault filter abort\n']);
    expect(res.headers['x-mesh-error']).toBe('FI fault filter abort');
    expect(v1.requests).toHaveLength(0);
    expect((await logEntry(proxy.logs, 0)).response_flags).toBe('FI');
  });

  it('delays by the fault delay, then forwards', async () => {
    const proxy = await proxyFor(`
  http:
  - fault: { delay: { fixedDelay: 200ms, percentage: { value: 100 } } }
    route: [{ destination: { host: reviews, subset: v1 } }]`);
    const started = performance.now();
    const res = await proxy.request('http://reviews:9080/');
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect([res.status, res.body]).toEqual([200, 'v1']);
    expect((await logEntry(proxy.logs, 0)).response_flags).toBe('DI');
  });

  it('answers 504 UT when the upstream is slower than the route timeout', async () => {
    const slow = await tracked(
      startUpstream('slow', (_req, res) => {
        setTimeout(() => res.end('late'), 1000).unref();
      }),
    );
    const proxy = await proxyFor(
      `
  http:
  - timeout: 100ms
    route: [{ destination: { host: slow } }]`,
      [{ host: 'slow.default.svc.cluster.local', endpoints: [slow.port] }],
      {},
      'slow',
    );
    const started = performance.now();
    const res = await proxy.request('http://slow:9080/');
    const elapsed = performance.now() - started;
    expect(res.status).toBe(504);
    expect(res.headers['x-mesh-error']).toMatch(/^UT upstream request timeout/);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(800);
    expect((await logEntry(proxy.logs, 0)).response_flags).toBe('UT');
  });

  it('retries a 5xx as often as attempts says, then passes the last response on with URX', async () => {
    const failing = await tracked(
      startUpstream('failing', (_req, res) => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('busy');
      }),
    );
    const proxy = await proxyFor(
      `
  http:
  - retries: { attempts: 2, retryOn: 5xx }
    route: [{ destination: { host: failing } }]`,
      [{ host: 'failing.default.svc.cluster.local', endpoints: [failing.port] }],
      {},
      'failing',
    );
    const res = await proxy.request('http://failing:9080/');
    expect([res.status, res.body]).toEqual([503, 'busy']);
    expect(res.headers['x-mesh-error']).toBeUndefined();
    expect(failing.requests.map((r) => r.headers['x-envoy-attempt-count'])).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(await logEntry(proxy.logs, 0)).toMatchObject({ response_flags: 'URX', attempts: 3 });
  });

  it('returns the first good response of a retry and resends the request body', async () => {
    let calls = 0;
    const flaky = await tracked(
      startUpstream('flaky', (_req, res, body) => {
        calls++;
        res.writeHead(calls === 1 ? 502 : 200);
        res.end(`echo:${body}`);
      }),
    );
    const proxy = await proxyFor(
      `
  http:
  - retries: { attempts: 3, retryOn: gateway-error }
    route: [{ destination: { host: flaky } }]`,
      [{ host: 'flaky.default.svc.cluster.local', endpoints: [flaky.port] }],
      {},
      'flaky',
    );
    const res = await proxy.request('http://flaky:9080/submit', {
      method: 'POST',
      body: 'payload',
    });
    expect([res.status, res.body]).toEqual([200, 'echo:payload']);
    expect(flaky.requests.map((r) => r.body)).toEqual(['payload', 'payload']);
    expect(await logEntry(proxy.logs, 0)).toMatchObject({
      response_flags: '-',
      attempts: 2,
      bytes_received: 7,
    });
  });

  it('does not retry a request whose body outgrew the retry buffer', async () => {
    const failing = await tracked(
      startUpstream('failing', (_req, res) => {
        res.writeHead(503);
        res.end();
      }),
    );
    const proxy = await proxyFor(
      `
  http:
  - retries: { attempts: 2, retryOn: 5xx }
    route: [{ destination: { host: failing } }]`,
      [{ host: 'failing.default.svc.cluster.local', endpoints: [failing.port] }],
      {},
      'failing',
    );
    const big = Buffer.alloc(2 * 1024 * 1024, 'x');
    const res = await proxy.request('http://failing:9080/', { method: 'PUT', body: big });
    expect(res.status).toBe(503);
    expect(failing.requests).toHaveLength(1);
    expect(failing.requests[0]!.body.length).toBe(big.length);
    expect(await logEntry(proxy.logs, 0)).toMatchObject({ response_flags: '-', attempts: 1 });
  });

  it('answers 503 UF after retrying connect failures to a closed port', async () => {
    const dead = await closedPort();
    const proxy = await proxyFor(
      `
  http:
  - retries: { attempts: 2, retryOn: connect-failure }
    route: [{ destination: { host: dead } }]`,
      [{ host: 'dead.default.svc.cluster.local', endpoints: [dead] }],
      {},
      'dead',
    );
    const res = await proxy.request('http://dead:9080/');
    expect(res.status).toBe(503);
    expect(res.headers['x-mesh-error']).toMatch(
      /^UF upstream connect error or disconnect\/reset before headers\. reset reason: connection failure, transport failure reason: connect ECONNREFUSED 127\.0\.0\.1:\d+ .*retries exhausted after 3 attempts$/,
    );
    expect(await logEntry(proxy.logs, 0)).toMatchObject({
      response_flags: 'UF,URX',
      attempts: 3,
      upstream_host: `127.0.0.1:${dead}`,
    });
  });

  it('retries connect failures on another endpoint, Istio default policy included', async () => {
    const dead = await closedPort();
    const proxy = await proxyFor(
      `
  http:
  - route: [{ destination: { host: mixed } }]`,
      [
        {
          host: 'mixed.default.svc.cluster.local',
          endpoints: [dead, v1.port],
          trafficPolicy: { loadBalancer: { simple: 'RANDOM' } },
        },
      ],
      { rng: seededRng(3) },
      'mixed',
    );
    for (let i = 0; i < 20; i++) {
      const res = await proxy.request('http://mixed:9080/');
      expect([res.status, res.body]).toEqual([200, 'v1']);
    }
    const retried = proxy.logs.filter((e) => e.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
  });
});

describe('outbound streams that break off', () => {
  it('records DC and abandons the upstream request when the client disconnects', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const stuck = await tracked(
      startUpstream('stuck', (req, res) => {
        res.on('close', () => upstreamClosed());
        void req;
      }),
    );
    const proxy = await proxyFor(
      '  http:\n  - route: [{ destination: { host: stuck } }]',
      [{ host: 'stuck.default.svc.cluster.local', endpoints: [stuck.port] }],
      {},
      'stuck',
    );
    const socket = connect(proxy.port, '127.0.0.1');
    socket.write('GET http://stuck:9080/ HTTP/1.1\r\nhost: stuck\r\n\r\n');
    while (stuck.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    socket.destroy();
    await closed;
    expect(await logEntry(proxy.logs, 0)).toMatchObject({ response_flags: 'DC', attempts: 1 });
  });

  it('cuts a response body that outlives the route timeout and records UT', async () => {
    const dribble = await tracked(
      startUpstream('dribble', (_req, res) => {
        res.writeHead(200);
        res.write('start-');
        setTimeout(() => res.end('never seen'), 2000).unref();
      }),
    );
    const proxy = await proxyFor(
      '  http:\n  - timeout: 150ms\n    route: [{ destination: { host: dribble } }]',
      [{ host: 'dribble.default.svc.cluster.local', endpoints: [dribble.port] }],
      {},
      'dribble',
    );
    await expect(proxy.request('http://dribble:9080/')).rejects.toThrow();
    expect(await logEntry(proxy.logs, 0)).toMatchObject({
      response_code: 200,
      response_flags: 'UT',
      bytes_sent: 6,
    });
  });

  it('answers 500 with x-mesh-error when the proxy itself fails, and keeps running', async () => {
    const errors: unknown[] = [];
    const proxy = await tracked(
      startOutbound(
        () => {
          throw new Error('no table yet');
        },
        { onError: (e) => errors.push(e) },
      ),
    );
    const res = await proxy.request('http://reviews:9080/');
    expect(res.status).toBe(500);
    expect(res.headers['x-mesh-error']).toBe('internal proxy error: no table yet');
    expect(errors).toHaveLength(1);
    expect((await proxy.request('http://reviews:9080/')).status).toBe(500);
  });
});

describe('outbound connections and config swaps', () => {
  it('reuses upstream connections across requests', async () => {
    const proxy = await proxyFor(BY_USER);
    const before = v1.connections();
    for (let i = 0; i < 20; i++) await proxy.request('http://reviews:9080/keepalive');
    expect(v1.requests).toHaveLength(20);
    expect(v1.connections() - before).toBeLessThan(20);
    expect(new Set(v1.requests.map((r) => r.connection)).size).toBe(1);
  });

  it('finishes an in-flight request on the table it started with after a swap', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const old = await tracked(
      startUpstream('old', (_req, res) => {
        res.writeHead(200);
        res.write('old-');
        void held.then(() => res.end('done'));
      }),
    );
    const fresh = await tracked(startUpstream('fresh'));
    const tableFor = (port: number, generation: number): ProxyTable =>
      buildTable({
        generation,
        clusters: [{ host: 'svc.default.svc.cluster.local', endpoints: [port] }],
      });
    let current = tableFor(old.port, 1);
    const proxy = await tracked(startOutbound(() => current));

    const first = proxy.request('http://svc:9080/slow');
    while (old.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    current = tableFor(fresh.port, 2);
    const second = await proxy.request('http://svc:9080/fast');
    expect(second.body).toBe('fresh');
    release();
    expect((await first).body).toBe('old-done');
    const gens = proxy.logs.map((e) => [e.path, e.config_generation]).sort();
    expect(gens).toEqual([
      ['/fast', 2],
      ['/slow', 1],
    ]);
  });
});

it('routes a request held in a fault delay with the table it started on', async () => {
  const old = await tracked(startUpstream('old'));
  const fresh = await tracked(startUpstream('fresh'));
  const tableFor = (port: number, generation: number, fault: string): ProxyTable =>
    buildTable({
      generation,
      yaml: vs(`  http:\n  - ${fault}route: [{ destination: { host: svc } }]`, 'svc'),
      clusters: [{ host: 'svc.default.svc.cluster.local', endpoints: [port] }],
    });
  let current = tableFor(
    old.port,
    1,
    'fault: { delay: { fixedDelay: 150ms, percentage: { value: 100 } } }\n    ',
  );
  const proxy = await tracked(startOutbound(() => current));
  const delayed = proxy.request('http://svc:9080/delayed');
  await new Promise((r) => setTimeout(r, 50));
  current = tableFor(fresh.port, 2, '');
  expect((await proxy.request('http://svc:9080/now')).body).toBe('fresh');
  expect((await delayed).body).toBe('old');
  expect(fresh.requests.map((r) => r.url)).toEqual(['/now']);
});

describe('outbound hostile input', () => {
  function raw(port: number, text: string | Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
      socket.write(text);
    });
  }

  it('answers 431 to oversized headers and 400 to garbage, and keeps serving', async () => {
    const proxy = await proxyFor(BY_USER);
    const huge = await raw(
      proxy.port,
      `GET http://reviews:9080/ HTTP/1.1\r\nhost: reviews\r\nx-big: ${'a'.repeat(70 * 1024)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toMatch(/x-mesh-error: DPE request headers exceed the limit of 60 KiB/);

    const garbage = await raw(
      proxy.port,
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]),
    );
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage).toMatch(/x-mesh-error: DPE malformed HTTP request/);

    const fine = await proxy.request('http://reviews:9080/after');
    expect(fine.status).toBe(200);
    const flags = proxy.logs.map((e) => [e.response_code, e.response_flags]);
    expect(flags).toEqual(
      expect.arrayContaining([
        [431, 'DPE'],
        [400, 'DPE'],
      ]),
    );
  });

  it('answers 431 to more than 100 headers, and serves exactly 100', async () => {
    const proxy = await proxyFor(BY_USER);
    const headers = (n: number) =>
      Array.from({ length: n }, (_, i) => `x-h${i}: ${i}\r\n`).join('');
    // host + 100 others = 101 headers.
    const tooMany = await raw(
      proxy.port,
      `GET http://reviews:9080/ HTTP/1.1\r\nhost: reviews\r\n${headers(100)}connection: close\r\n\r\n`,
    );
    expect(tooMany).toMatch(/^HTTP\/1\.1 431 /);
    expect(tooMany).toMatch(/x-mesh-error: DPE too many request headers: more than 100/);
    const enough = await raw(
      proxy.port,
      `GET http://reviews:9080/ HTTP/1.1\r\nhost: reviews\r\n${headers(98)}connection: close\r\n\r\n`,
    );
    expect(enough).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers 400 to Content-Length together with Transfer-Encoding (request smuggling)', async () => {
    const proxy = await proxyFor(BY_USER);
    const smuggled = await raw(
      proxy.port,
      'POST http://reviews:9080/ HTTP/1.1\r\nhost: reviews\r\ncontent-length: 4\r\n' +
        'transfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expect(smuggled).toMatch(/^HTTP\/1\.1 400 /);
    expect(smuggled).toMatch(/x-mesh-error: DPE /);
  });

  it('answers 408 to a client that never finishes its headers', async () => {
    const proxy = await proxyFor(BY_USER, [], { limits: { headersTimeoutMs: 200 } });
    const started = performance.now();
    const reply = await raw(proxy.port, 'GET http://reviews:9080/ HTTP/1.1\r\nhost: rev');
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('closes a connection that never sends a byte, without a reply or a log line', async () => {
    const proxy = await proxyFor(BY_USER, [], { limits: { headersTimeoutMs: 100 } });
    expect(await raw(proxy.port, '')).toBe('');
    expect(proxy.logs).toHaveLength(0);
  });

  it('answers 400 to an https:// target and to origin-form without Host', async () => {
    const proxy = await proxyFor(BY_USER);
    const https = await raw(
      proxy.port,
      'GET https://reviews/ HTTP/1.1\r\nhost: reviews\r\nconnection: close\r\n\r\n',
    );
    expect(https).toMatch(/^HTTP\/1\.1 400 /);
    expect(https).toMatch(/x-mesh-error: DPE https:\/\/ is not supported/);
    const noHost = await raw(proxy.port, 'GET / HTTP/1.1\r\nconnection: close\r\n\r\n');
    expect(noHost).toMatch(/^HTTP\/1\.1 400 /);
    expect(noHost).toMatch(/origin-form request without a Host header/);
  });
});
