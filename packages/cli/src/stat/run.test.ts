// `meshctl stat` against real HTTP servers on 127.0.0.1 standing in for proxies' admin ports,
// serving what @mesh/telemetry's createMeshMetrics() exposes after real events on the proxy's
// diagnostics channel: the same text a mesh proxy serves on /stats/prometheus.
import { channel } from 'node:diagnostics_channel';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMeshMetrics,
  HTTP_CHANNEL,
  ISTIO_METRICS,
  PROMETHEUS_CONTENT_TYPE,
  type DestinationPeer,
  type HttpRequestEvent,
  type Peer,
} from '@mesh/telemetry';
import { parse as parseYaml } from 'yaml';
import { writeState } from '../local-mesh/state.js';
import { runMeshctl } from '../program.js';
import { nodeHttpGet, nodeProxyConfigDeps } from '../proxy-config-http.js';
import { fakeControlPlane } from '../test-support/fake-control-plane.js';
import { removeTempTrees, tempTree } from '../test-support/fixtures.js';
import { memoryIo, type MemoryIo } from '../test-support/memory-io.js';
import { DURATION_BUCKET, REQUESTS_TOTAL } from './aggregate.js';
import { CLEAR_SCREEN, runStat, type StatDeps, type StatOptions } from './run.js';

const publish = (event: HttpRequestEvent) => channel(HTTP_CHANNEL).publish(event);

const productpage: Peer = {
  workload: 'productpage-v1',
  namespace: 'default',
  app: 'productpage',
  version: 'v1',
};

function destination(app: string, version: string): DestinationPeer {
  return {
    workload: `${app}-${version}`,
    namespace: 'default',
    app,
    version,
    service: `${app}.default.svc.cluster.local`,
    serviceName: app,
    serviceNamespace: 'default',
  };
}

const reviewsV1 = destination('reviews', 'v1');
const reviewsV2 = destination('reviews', 'v2');
const detailsV1 = destination('details', 'v1');

/** `n` requests from productpage to `to`, as one side's proxy reports them. */
function requests(
  n: number,
  to: DestinationPeer,
  over: Partial<HttpRequestEvent> = {},
): HttpRequestEvent[] {
  return Array.from({ length: n }, () => ({
    reporter: 'destination',
    requestProtocol: 'http',
    responseCode: 200,
    responseFlags: '-',
    durationMs: 3,
    requestBytes: 120,
    responseBytes: 1800,
    source: productpage,
    destination: to,
    connectionSecurityPolicy: 'none',
    ...over,
  }));
}

/** What a proxy serves after `events`: one createMeshMetrics, fed on the real channel. */
async function exposition(events: readonly HttpRequestEvent[]): Promise<string> {
  const metrics = createMeshMetrics();
  try {
    for (const event of events) publish(event);
    return await metrics.prometheusText();
  } finally {
    await metrics.shutdown();
  }
}

/** Expositions after each of `phases`, cumulative: what successive scrapes of one proxy see. */
async function scrapesOf(...phases: HttpRequestEvent[][]): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 1; i <= phases.length; i++) texts.push(await exposition(phases.slice(0, i).flat()));
  return texts;
}

interface Served {
  address: string;
  /** Requests answered so far. */
  hits: () => number;
  close(): Promise<void>;
}

async function serve(handler: RequestListener): Promise<Served> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits += 1;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A proxy's admin port whose n-th scrape gets texts[n] (the last one from then on). */
function proxyAdmin(texts: readonly string[]): Promise<Served> {
  let scrapes = 0;
  return serve((req, res) => {
    if (req.url !== '/stats/prometheus') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const text = texts[Math.min(scrapes++, texts.length - 1)]!;
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text);
  });
}

async function closedPort(): Promise<string> {
  const s = await serve(() => undefined);
  await s.close();
  return s.address;
}

/** Ten seconds between rounds of scrapes, whatever the real window: exact rates. */
function tenSecondClock(): () => number {
  let t = Date.UTC(2025, 0, 1);
  return () => (t += 10_000);
}

function deps(over: Partial<StatDeps> = {}): StatDeps {
  return { httpGet: nodeHttpGet, now: tenSecondClock(), isTty: false, ...over };
}

// The Bookinfo scene, scrape by scrape. reviews-v1 and reviews-v2 have sidecars that report their
// inbound traffic; details-v1's proxy is not read, so only productpage's outbound reports show it.
let texts: { reviewsV1: string[]; reviewsV2: string[]; productpage: string[] };
beforeAll(async () => {
  const inbound = (n: number, to: DestinationPeer, over: Partial<HttpRequestEvent> = {}) =>
    requests(n, to, over);
  const outbound = (n: number, to: DestinationPeer, over: Partial<HttpRequestEvent> = {}) =>
    requests(n, to, { reporter: 'source', connectionSecurityPolicy: 'unknown', ...over });
  texts = {
    reviewsV1: await scrapesOf(
      inbound(5, reviewsV1),
      [...inbound(18, reviewsV1), ...inbound(2, reviewsV1, { responseCode: 503, durationMs: 30 })],
      inbound(10, reviewsV1),
    ),
    reviewsV2: await scrapesOf([], inbound(10, reviewsV2, { durationMs: 40 }), []),
    productpage: await scrapesOf(
      outbound(5, reviewsV1),
      [
        ...outbound(18, reviewsV1),
        ...outbound(2, reviewsV1, { responseCode: 503 }),
        ...outbound(10, reviewsV2),
        ...outbound(4, detailsV1),
      ],
      outbound(10, reviewsV1),
    ),
  };
});

interface Mesh {
  targets: string[];
  proxies: Served[];
  down: string;
  close(): Promise<void>;
}

/** Fresh proxies (each serves its scrapes from the first), plus a target that is down. */
async function mesh(): Promise<Mesh> {
  const proxies = [
    await proxyAdmin(texts.reviewsV1),
    await proxyAdmin(texts.reviewsV2),
    await proxyAdmin(texts.productpage),
  ];
  const down = await closedPort();
  return {
    targets: [...proxies.map((p) => p.address), down],
    proxies,
    down,
    close: async () => void (await Promise.all(proxies.map((p) => p.close()))),
  };
}

let m: Mesh;
beforeEach(async () => {
  m = await mesh();
});
afterEach(() => m.close());
afterAll(removeTempTrees);

const options = (over: Partial<StatOptions> = {}): StatOptions => ({
  kind: 'workload',
  targets: m.targets,
  window: '200ms',
  watch: false,
  output: 'table',
  ...over,
});

async function stat(over: Partial<StatOptions> = {}, d: Partial<StatDeps> = {}) {
  const io = memoryIo();
  const code = await runStat(options(over), io, deps(d));
  return { code, out: io.out(), err: io.err() };
}

const WORKLOADS =
  'NAMESPACE   WORKLOAD     SUCCESS   RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   REQUESTS\n' +
  'default     details-v1   100.00%   0.4   3.0ms         4.8ms         5.0ms         4\n' +
  'default     reviews-v1   90.00%    2.0   3.2ms         38ms          48ms          20\n' +
  'default     reviews-v2   100.00%   1.0   38ms          49ms          50ms          10\n';

describe('meshctl stat, reading proxies that serve createMeshMetrics() exposition', () => {
  it('reads the names Istio and @mesh/telemetry use', () => {
    expect(REQUESTS_TOTAL).toBe(ISTIO_METRICS.requestsTotal.name);
    expect(DURATION_BUCKET).toBe(`${ISTIO_METRICS.requestDuration.name}_bucket`);
  });

  it('workloads: success, rps and latency over the window, naming the proxy that is down', async () => {
    expect(await stat()).toEqual({
      code: 0,
      out: WORKLOADS,
      err: `Warning: cannot reach ${m.down}: connect ECONNREFUSED ${m.down}; left out.\n`,
    });
    expect(m.proxies.map((p) => p.hits())).toEqual([2, 2, 2]);
  });

  it('service reviews: a row per version and its share, after a traffic shift', async () => {
    const r = await stat({ kind: 'service', name: 'reviews', targets: m.targets.slice(0, 3) });
    expect(r).toEqual({
      code: 0,
      out:
        'NAMESPACE   SERVICE   VERSION   TRAFFIC   SUCCESS   RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   REQUESTS\n' +
        'default     reviews   v1        66.7%     90.00%    2.0   3.2ms         38ms          48ms          20\n' +
        'default     reviews   v2        33.3%     100.00%   1.0   38ms          49ms          50ms          10\n',
      err: '',
    });
  });

  it('-o json and -o yaml: the same rows as data, with the window', async () => {
    const json = await stat({ output: 'json', targets: m.targets.slice(0, 3) });
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.out) as Record<string, unknown>;
    expect(doc).toMatchObject({
      kind: 'workload',
      window: { start: '2025-01-01T00:00:10.000Z', end: '2025-01-01T00:00:20.000Z', seconds: 10 },
      proxies: { read: 3, total: 3 },
    });
    expect(doc.rows).toContainEqual({
      namespace: 'default',
      workload: 'reviews-v1',
      requests: 20,
      successRate: 0.9,
      rps: 2,
      latencyMs: { p50: 3.222, p95: 37.5, p99: 47.5 },
      reporter: 'destination',
    });
    expect(doc.rows).toContainEqual(
      expect.objectContaining({ workload: 'details-v1', reporter: 'source', requests: 4 }),
    );
    await m.close();
    m = await mesh();
    const yaml = await stat({ output: 'yaml', targets: m.targets.slice(0, 3) });
    expect(parseYaml(yaml.out)).toEqual(doc);
  });

  it('--watch: a table per window under a heading, until the frames run out', async () => {
    const r = await stat({ watch: true, frames: 2, targets: m.targets.slice(0, 3) });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const [first, second] = r.out.split(/\n(?=2025-)/);
    expect(first).toBe(`2025-01-01T00:00:20Z  window 10.0s  3/3 proxies\n\n${WORKLOADS}`);
    // The third scrapes add 10 more requests to reviews-v1 and nothing else.
    expect(second).toBe(
      '2025-01-01T00:00:30Z  window 10.0s  3/3 proxies\n\n' +
        'NAMESPACE   WORKLOAD     SUCCESS   RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   REQUESTS\n' +
        'default     details-v1   -         0.0   -             -             -             0\n' +
        'default     reviews-v1   100.00%   1.0   3.0ms         4.8ms         5.0ms         10\n' +
        'default     reviews-v2   -         0.0   -             -             -             0\n',
    );
    expect(r.out.includes(CLEAR_SCREEN)).toBe(false);
  });

  it('--watch on a terminal: each frame clears the screen first', async () => {
    const r = await stat({ watch: true, frames: 2 }, { isTty: true });
    const frames = r.out.split(CLEAR_SCREEN);
    expect(frames).toHaveLength(3);
    expect(frames[0]).toBe('');
    expect(frames[1]).toBe(`2025-01-01T00:00:20Z  window 10.0s  3/4 proxies\n\n${WORKLOADS}`);
    // Said before the first window, and the proxy that is down after each frame, where the next
    // frame does not wipe it yet.
    expect(r.err).toMatch(/^Measuring 3 proxies for 200ms\.\.\.\n/);
    expect(r.err.match(/Warning: cannot reach/g)).toHaveLength(2);
  });

  it('--watch -o yaml: one document per frame', async () => {
    const r = await stat({
      watch: true,
      frames: 2,
      output: 'yaml',
      targets: m.targets.slice(0, 3),
    });
    const docs = r.out
      .split(/^---\n/m)
      .filter(Boolean)
      .map((d) => parseYaml(d) as { rows: unknown[] });
    expect(docs).toHaveLength(2);
    expect(docs[1]!.rows).toContainEqual(
      expect.objectContaining({ workload: 'reviews-v1', requests: 10 }),
    );
  });

  it('Ctrl-C ends --watch in the middle of a window, exit 0', async () => {
    let stop!: (signal: string) => void;
    const stopRequested = () => new Promise<string>((resolve) => (stop = resolve));
    const io = memoryIo();
    const done = runStat(options({ watch: true, window: '1m' }), io, deps({ stopRequested }));
    while (m.proxies.some((p) => p.hits() === 0)) await new Promise((r) => setTimeout(r, 5));
    stop('SIGINT');
    // Returns at once, not after the minute (the test would time out).
    expect(await done).toBe(0);
    expect(io.out()).toBe('');
    expect(m.proxies.map((p) => p.hits())).toEqual([1, 1, 1]);
  });

  it('a live proxy: its own createMeshMetrics handler, with traffic during the window', async () => {
    const metrics = createMeshMetrics();
    const live = await serve((req, res) => {
      // Between the two scrapes: three requests to reviews-v2 of 7 ms, one of them failed.
      if (live.hits() === 2) {
        for (const e of requests(2, reviewsV2, { durationMs: 7 })) publish(e);
        publish(requests(1, reviewsV2, { responseCode: 500, durationMs: 7 })[0]!);
      }
      metrics.handler(req, res);
    });
    try {
      const r = await stat({ kind: 'service', targets: [live.address] });
      expect(r.code).toBe(0);
      expect(
        r.out
          .trim()
          .split('\n')
          .map((l) => l.split(/ {3,}/)),
      ).toEqual([
        [
          'NAMESPACE',
          'SERVICE',
          'VERSION',
          'TRAFFIC',
          'SUCCESS',
          'RPS',
          'LATENCY_P50',
          'LATENCY_P95',
          'LATENCY_P99',
          'REQUESTS',
        ],
        ['default', 'reviews', 'v2', '100.0%', '66.67%', '0.3', '7.5ms', '9.8ms', '9.9ms', '3'],
      ]);
    } finally {
      await live.close();
      await metrics.shutdown();
    }
  });
});

describe('meshctl stat when proxies cannot be read', () => {
  it('exits 3 when no proxy answers, saying why for each', async () => {
    const notProxy = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>\n');
    });
    try {
      const r = await stat({ targets: [m.down, notProxy.address] });
      expect(r).toEqual({
        code: 3,
        out: '',
        err:
          `Error: cannot reach ${m.down}: connect ECONNREFUSED ${m.down}.\n` +
          `Error: ${notProxy.address} answered /stats/prometheus with something that is not Prometheus text (line 1: expected a metric name).\n` +
          'Error: no proxy answered; nothing to show.\n',
      });
    } finally {
      await notProxy.close();
    }
  });

  it('a usage error for a bad --window or --target', async () => {
    expect(await stat({ window: '0s' })).toMatchObject({
      code: 2,
      err: expect.stringContaining('--window: "0s" is not a duration above zero'),
    });
    expect(await stat({ targets: ['https://127.0.0.1:1'] })).toMatchObject({
      code: 2,
      err: expect.stringContaining('only http:// is read'),
    });
  });
});

describe('meshctl stat (the command)', () => {
  let home: string;
  beforeEach(() => {
    home = tempTree({});
  });

  async function meshctl(args: string[]): Promise<{ code: number; io: MemoryIo }> {
    const io = memoryIo();
    const code = await runMeshctl(
      args,
      io,
      fakeControlPlane({}, { MESH_HOME: home }, home).deps,
      nodeProxyConfigDeps(),
    );
    return { code, io };
  }

  it("reads every proxy of the local mesh meshctl up runs, from its state's admin ports", async () => {
    const [v1, v2, pp] = m.proxies.map((p) => p.address);
    const sidecar = (name: string, admin: string) => ({
      name,
      role: 'sidecar' as const,
      ports: { inbound: '127.0.0.1:1', admin },
      log: '',
      restarts: 0,
    });
    writeState(home, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      ready: true,
      controlPlane: '127.0.0.1:1',
      store: 'embedded store',
      components: [
        { name: 'reviews-v1', role: 'app', ports: { app: '127.0.0.1:1' }, log: '', restarts: 0 },
        sidecar('reviews-v1-sidecar', v1!),
        sidecar('reviews-v2-sidecar', v2!),
        sidecar('productpage-v1-sidecar', pp!),
      ],
    });
    const { code, io } = await meshctl(['stat', 'svc', 'reviews', '--window', '200ms']);
    expect(code).toBe(0);
    expect(io.err()).toBe('');
    // Real clock here: the rates depend on the real window, the rest does not.
    const rows = io
      .out()
      .trim()
      .split('\n')
      .map((l) => l.split(/ {3,}/));
    expect(rows.map((r) => [r[1], r[2], r[3], r[4], r.at(-1)])).toEqual([
      ['SERVICE', 'VERSION', 'TRAFFIC', 'SUCCESS', 'REQUESTS'],
      ['reviews', 'v1', '66.7%', '90.00%', '20'],
      ['reviews', 'v2', '33.3%', '100.00%', '10'],
    ]);
  });

  it('says to run meshctl up or pass --target when there is nothing to read', async () => {
    const { code, io } = await meshctl(['stat']);
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      'Error: no proxies to read: no local mesh is running. Start one with `meshctl up`, or pass --target HOST:PORT (a proxy admin address; repeatable).\n',
    );
  });

  it('takes --target, -o json and the kind words', async () => {
    const { code, io } = await meshctl([
      'stat',
      'workloads',
      'reviews-v2',
      '--target',
      m.proxies[1]!.address,
      '--window',
      '200ms',
      '-o',
      'json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({
      kind: 'workload',
      rows: [{ workload: 'reviews-v2', requests: 10, successRate: 1 }],
    });
  });

  it('refuses an unknown kind', async () => {
    const { code, io } = await meshctl(['stat', 'pods']);
    expect(code).toBe(2);
    expect(io.err()).toContain("'pods' is invalid for argument 'kind'");
  });
});
