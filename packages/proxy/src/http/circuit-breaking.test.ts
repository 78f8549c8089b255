// Circuit breaking over real sockets, as Istio's circuit-breaking task shows it: httpbin behind a
// DestinationRule with maxConnections 1, http1MaxPendingRequests 1 and maxRequestsPerConnection 1,
// loaded by several concurrent clients (fortio -c 3).
import type { ServerResponse } from 'node:http';
import type { ResolvedTrafficPolicy } from '@mesh/rules';
import { waitFor } from '../discovery/test-support/fake-control-plane.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { createUpstreamPools, type UpstreamPools } from '../upstream/pools.js';
import { OVERFLOW_BODY } from './circuit-overflow.js';
import {
  buildTable,
  startOutbound,
  startUpstream,
  type TestProxy,
  type TestResponse,
  type TestUpstream,
} from './test-support/fixtures.js';

const HTTPBIN = 'httpbin.default.svc.cluster.local';
const URL = `http://${HTTPBIN}:8000/get`;
const CLUSTER = `outbound|8000||${HTTPBIN}`;

const istioTask: ResolvedTrafficPolicy = {
  connectionPool: {
    tcp: { maxConnections: 1 },
    http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 },
  },
};

let httpbin: TestUpstream;
let respond: (res: ServerResponse) => void;
let inFlight = 0;
let peak = 0;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  httpbin = await startUpstream('httpbin', (_req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.once('finish', () => inFlight--);
    respond(res);
  });
});
afterAll(() => httpbin.close());
beforeEach(() => {
  peak = 0;
  httpbin.requests.length = 0;
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function proxyFor(
  trafficPolicy: ResolvedTrafficPolicy,
  options: { active?: ActiveRequests; pools?: UpstreamPools } = {},
): Promise<TestProxy> {
  const table = buildTable({
    clusters: [{ host: HTTPBIN, port: 8000, endpoints: [httpbin.port], trafficPolicy }],
  });
  const proxy = await startOutbound(table, options);
  open.push(proxy);
  return proxy;
}

function expectOverflow(res: TestResponse): void {
  expect(res.status).toBe(503);
  expect(res.headers['x-envoy-overloaded']).toBe('true');
  expect(res.headers['x-mesh-error']).toMatch(/^UO upstream connect error or disconnect\/reset/);
  expect(res.body.startsWith(`${OVERFLOW_BODY} (circuit breaker of ${CLUSTER}: `)).toBe(true);
}

describe('circuit breaking (Istio circuit-breaking task)', () => {
  it('serves one request, queues one and turns the third away with 503 UO', async () => {
    const held: ServerResponse[] = [];
    respond = (res) => held.push(res);
    const active = new ActiveRequests();
    const proxy = await proxyFor(istioTask, { active });
    const first = proxy.request(URL);
    const second = proxy.request(URL);
    const third = proxy.request(URL);
    // Only one request can hold the connection; the overflow is answered without waiting for it.
    const overflowed = await Promise.race([first, second, third]);
    expectOverflow(overflowed);
    expect(httpbin.requests).toHaveLength(1);
    expect(active.breakers.get(CLUSTER)?.stats).toMatchObject({
      activeRequests: 1,
      pendingRequests: 1,
      pendingOverflows: 1,
    });
    held.shift()!.end('one');
    while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
    held.shift()!.end('two');
    const bodies = (await Promise.all([first, second, third])).map((r) => `${r.status} ${r.body}`);
    expect(bodies.filter((b) => b.startsWith('200'))).toEqual(['200 one', '200 two']);
    expect(peak).toBe(1);
  });

  it('gives fortio -c 3 a mix of 200s and UO 503s, never more than one upstream request at once', async () => {
    respond = (res) => setTimeout(() => res.end('ok'), 25);
    const pools = createUpstreamPools();
    const proxy = await proxyFor(istioTask, { pools });
    const codes: string[] = [];
    const client = async () => {
      for (let i = 0; i < 10; i++) {
        const res = await proxy.request(URL);
        if (res.status === 503) expectOverflow(res);
        codes.push(String(res.status));
        expect(pools.connectionsTo('127.0.0.1', httpbin.port)).toBeLessThanOrEqual(1);
      }
    };
    try {
      await Promise.all([client(), client(), client()]);
    } finally {
      await pools.close();
    }
    const count = (code: string) => codes.filter((c) => c === code).length;
    expect(count('200')).toBeGreaterThan(0);
    expect(count('503')).toBeGreaterThan(0);
    expect(count('200') + count('503')).toBe(30);
    expect(peak).toBe(1);
    // maxRequestsPerConnection 1: every request that got through came on a connection of its own.
    expect(new Set(httpbin.requests.map((r) => r.connection)).size).toBe(count('200'));
  });

  it('lets the same load through without a DestinationRule (Istio defaults are unlimited)', async () => {
    // httpbin holds every answer until all six are in flight. Answers on a 25 ms timer let a slow
    // CI machine finish one request before the sixth arrived (peak 5).
    const held: ServerResponse[] = [];
    respond = (res) => held.push(res);
    const proxy = await proxyFor({});
    const pending = Promise.all(Array.from({ length: 6 }, () => proxy.request(URL)));
    await waitFor('six requests held at httpbin at once', () => held.length === 6, 5000);
    for (const res of held.splice(0)) res.end('ok');
    const results = await pending;
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(peak).toBe(6);
  });

  it("closes idle upstream connections after the cluster's connectionPool idleTimeout", async () => {
    respond = (res) => res.end('ok');
    const pools = createUpstreamPools();
    try {
      const proxy = await proxyFor(
        { connectionPool: { http: { idleTimeout: '50ms' } } },
        { pools },
      );
      expect((await proxy.request(URL)).status).toBe(200);
      expect(pools.connectionsTo('127.0.0.1', httpbin.port)).toBe(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(pools.connectionsTo('127.0.0.1', httpbin.port)).toBe(0);
    } finally {
      await pools.close();
    }
  });
});
