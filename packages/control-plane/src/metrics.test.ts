// The control plane's metrics as Prometheus scrapes them (:15014/metrics over HTTP), recorded by a
// real replica on the embedded store for proxies on real discovery streams. Convergence is the
// point: the clock starts when the replica's store watch delivers the change and stops when the
// proxy ACKs the push that carries it, once per proxy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  ackFor,
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  newDiscoveryClient,
  TYPE_URLS,
  type DiscoveryResponse,
  type ProxyNode,
} from '@mesh/proto';
import { createMemoryStore, type MemoryStore } from '@mesh/store';
import type { ControlPlane } from './control-plane.js';
import { PUSH_ORDER } from './discovery.js';
import { CONTROL_PLANE_METRICS, CONVERGENCE_BUCKETS_S } from './metrics.js';
import {
  apply,
  configClient,
  httpGet,
  metricValue,
  node,
  parseMetrics,
  remove,
  SimProxy,
  startTestPlane,
  vsText,
} from './test-support/harness.js';

let store: MemoryStore;
let plane: ControlPlane;
let address: string;
const cleanups: (() => void)[] = [];

beforeEach(async () => {
  store = createMemoryStore();
  plane = await startTestPlane(store);
  address = `127.0.0.1:${plane.grpcPort}`;
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) c();
  await plane.close();
  await store.close();
});

function proxy(n: ProxyNode, reject?: ConstructorParameters<typeof SimProxy>[2]): SimProxy {
  const p = new SimProxy(address, n, reject);
  cleanups.push(() => p.close());
  return p;
}

function client() {
  const c = configClient(address);
  cleanups.push(() => c.close());
  return c;
}

async function scrape(): Promise<string> {
  const res = await httpGet(plane.httpPort, '/metrics');
  expect(res.status).toBe(200);
  return res.body;
}

/**
 * A proxy on a raw stream that ACKs every response `delayMs` after receiving it: the time a
 * real proxy spends applying its config.
 */
function slowAcker(id: string, delayMs: number) {
  const who = node(id);
  const discovery = newDiscoveryClient(address);
  const call = discovery.Stream();
  const received: DiscoveryResponse[] = [];
  const acked: DiscoveryResponse[] = [];
  call.on('data', (wire) => {
    const res = decodeDiscoveryResponse(wire);
    received.push(res);
    setTimeout(() => {
      acked.push(res);
      call.write(encodeDiscoveryRequest(ackFor(who, res)));
    }, delayMs);
  });
  call.on('error', () => undefined);
  for (const typeUrl of PUSH_ORDER) {
    call.write(
      encodeDiscoveryRequest({
        node: who,
        typeUrl,
        versionInfo: '',
        responseNonce: '',
        resourceNames: [],
      }),
    );
  }
  cleanups.push(() => {
    call.cancel();
    discovery.close();
  });
  return { received, acked };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pilot_proxy_convergence_time', () => {
  it('counts a change once per proxy, from the watch event (debounce included) to the ACK', async () => {
    const a = proxy(node('a.default'));
    const b = proxy(node('b.default'));
    for (const p of [a, b]) await p.until(() => p.names(TYPE_URLS.listeners).length > 0, 'config');
    await a.settle();
    // Connecting, and the registrations of a and b the proxies converged on meanwhile, are not
    // what is asked here: start from what they left.
    const before = parseMetrics(await scrape());
    const count = () =>
      before.samples.find((s) => s.name === 'pilot_proxy_convergence_time_count')?.value ?? 0;
    const countBefore = count();
    await apply(client(), [
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v1') },
    ]);
    for (const p of [a, b]) {
      await p.until(() => p.names(TYPE_URLS.routes).includes('default/reviews'), 'the route');
    }
    await a.settle();
    const text = await scrape();
    // One route change, two proxies: two observations, not one per type or per response.
    expect(metricValue(text, 'pilot_proxy_convergence_time_count')).toBe(countBefore + 2);
    // The debounce's quiet period (30 ms in tests) lies between the watch event and the push,
    // so a clock started at the push could not reach it.
    const sumBefore =
      before.samples.find((s) => s.name === 'pilot_proxy_convergence_time_sum')?.value ?? 0;
    const sum = metricValue(text, 'pilot_proxy_convergence_time_sum') - sumBefore;
    expect(sum / 2).toBeGreaterThanOrEqual(0.03);
    expect(sum / 2).toBeLessThan(5);
  });

  it("stops the clock at the proxy's ACK, not when the push is sent", async () => {
    const slow = slowAcker('slow.default', 600);
    await until(() => slow.acked.length >= 4, 'the first four responses ACKed');
    await new Promise((r) => setTimeout(r, 300));
    // Its first config came with connecting: no change, no observation.
    expect(metricValue(await scrape(), 'pilot_proxy_convergence_time_count')).toBe(0);
    const sent = slow.received.length;
    await apply(client(), [
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v1') },
    ]);
    await until(() => slow.received.length > sent, 'the route pushed');
    // Sent, not yet ACKed: still converging.
    expect(metricValue(await scrape(), 'pilot_proxy_convergence_time_count')).toBe(0);
    await until(
      async () => metricValue(await scrape(), 'pilot_proxy_convergence_time_count') === 1,
      'the observation after the ACK',
    );
    const text = await scrape();
    expect(metricValue(text, 'pilot_proxy_convergence_time_sum')).toBeGreaterThanOrEqual(0.6);
    // istiod's buckets: 0.6 s and more lies above 0.5.
    const bucket = (le: string) => metricValue(text, 'pilot_proxy_convergence_time_bucket', { le });
    expect(CONVERGENCE_BUCKETS_S).toEqual([0.1, 0.5, 1, 3, 5, 10, 20, 30]);
    expect(bucket('0.5')).toBe(0);
    expect(bucket('30')).toBe(1);
  });

  it('does not count a change the proxy rejected; counts the NACK as a reject of its type', async () => {
    const nacker = proxy(node('nacker.default'), (res) =>
      res.typeUrl === TYPE_URLS.routes && res.resources.some((r) => r.name === 'default/bad')
        ? { code: grpc.status.INVALID_ARGUMENT, message: 'route default/bad: cannot compile' }
        : undefined,
    );
    await nacker.until(() => nacker.names(TYPE_URLS.listeners).length > 0, 'config');
    await nacker.settle();
    const converged = metricValue(await scrape(), 'pilot_proxy_convergence_time_count');
    const c = client();
    await apply(c, [{ kind: 'VirtualService', name: 'bad', text: vsText('bad', 'bad', 'v1') }]);
    await until(
      async () => metricValue(await scrape(), 'pilot_total_xds_rejects', { type: 'rds' }) === 1,
      'the reject counted',
    );
    await nacker.settle();
    let text = await scrape();
    expect(metricValue(text, 'pilot_proxy_convergence_time_count')).toBe(converged);
    expect(metricValue(text, 'pilot_total_xds_rejects', { type: 'cds' })).toBe(0);
    // The fix is a change it accepts: that one converges.
    await remove(c, 'VirtualService', 'bad');
    await until(
      async () =>
        metricValue(await scrape(), 'pilot_proxy_convergence_time_count') === converged + 1,
      'the fix converged',
    );
    await nacker.settle();
    text = await scrape();
    expect(metricValue(text, 'pilot_proxy_convergence_time_count')).toBe(converged + 1);
    expect(metricValue(text, 'pilot_total_xds_rejects', { type: 'rds' })).toBe(1);
  });

  it('counts a registry change (a workload joining) for the proxies it changed', async () => {
    const watcher = proxy(node('watcher.default'));
    await watcher.until(() => watcher.names(TYPE_URLS.listeners).length > 0, 'config');
    await watcher.settle();
    const converged = metricValue(await scrape(), 'pilot_proxy_convergence_time_count');
    const triggers = metricValue(await scrape(), 'pilot_push_triggers', { type: 'endpoint' });
    proxy(
      node('details-1.default', {
        labels: { app: 'details' },
        ports: [{ name: 'http', number: 9080, protocol: 'HTTP', targetPort: 0, endpointPort: 0 }],
      }),
    );
    await watcher.until(
      () => watcher.names(TYPE_URLS.clusters).some((n) => n.includes('details')),
      'the details cluster',
    );
    await watcher.settle();
    const text = await scrape();
    expect(metricValue(text, 'pilot_proxy_convergence_time_count')).toBeGreaterThan(converged);
    expect(metricValue(text, 'pilot_push_triggers', { type: 'endpoint' })).toBeGreaterThan(
      triggers,
    );
  });
});

describe('the other metrics', () => {
  it('counts and times pushes per type, with istiod type labels', async () => {
    const p = proxy(node('p.default'));
    await p.until(() => p.names(TYPE_URLS.listeners).length > 0, 'config');
    await apply(client(), [
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v1') },
    ]);
    await p.until(() => p.names(TYPE_URLS.routes).length === 1, 'the route');
    await p.settle();
    const text = await scrape();
    const byType = { cds: TYPE_URLS.clusters, eds: TYPE_URLS.endpoints, lds: TYPE_URLS.listeners };
    for (const [type, url] of Object.entries({ ...byType, rds: TYPE_URLS.routes })) {
      const received = p.responses.filter((r) => r.typeUrl === url).length;
      expect([type, metricValue(text, 'pilot_xds_pushes', { type })]).toEqual([type, received]);
      // Every response sent is timed.
      expect(metricValue(text, 'pilot_xds_push_time_count', { type })).toBe(received);
    }
    expect(metricValue(text, 'pilot_xds_pushes', { type: 'Cluster' })).toBe(0);
  });

  it('gauges connected proxies by version, 0 once a version has none left', async () => {
    const old = proxy(node('old.default', { proxyVersion: '0.1.0' }));
    const next = proxy(node('next.default', { proxyVersion: '0.2.0' }));
    for (const p of [old, next]) await p.until(() => p.responses.length > 0, 'config');
    let text = await scrape();
    expect(metricValue(text, 'pilot_xds', { version: '0.1.0' })).toBe(1);
    expect(metricValue(text, 'pilot_xds', { version: '0.2.0' })).toBe(1);
    next.close();
    await until(() => plane.discovery.connectedCount === 1, 'the stream gone');
    text = await scrape();
    expect(metricValue(text, 'pilot_xds', { version: '0.2.0' })).toBe(0);
    expect(metricValue(text, 'pilot_xds', { version: '0.1.0' })).toBe(1);
  });

  it("times this replica's writes until its watch applies them", async () => {
    const p = proxy(node('p.default'));
    await p.until(() => p.responses.length > 0, 'config');
    const c = client();
    for (let i = 0; i < 3; i++) {
      await apply(c, [
        { kind: 'VirtualService', name: `vs-${i}`, text: vsText(`vs-${i}`, 'h', 'v1') },
      ]);
    }
    await until(() => plane.world.configView().resources.length === 3, 'the world caught up');
    await p.settle();
    const text = await scrape();
    // One apply is one commit: three observations. The registration is a registry write.
    expect(metricValue(text, 'mesh_store_watch_lag_seconds_count', { area: 'config' })).toBe(3);
    expect(
      metricValue(text, 'mesh_store_watch_lag_seconds_count', { area: 'registry' }),
    ).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'mesh_store_watch_lag_seconds_sum', { area: 'config' })).toBeLessThan(
      1,
    );
    expect(metricValue(text, 'mesh_store_watch_revisions_behind')).toBe(0);
    expect(metricValue(text, 'mesh_config_revision')).toBe(plane.world.revision);
    expect(metricValue(text, 'mesh_store_available')).toBe(1);
    expect(metricValue(text, 'pilot_debounce_time_count')).toBeGreaterThanOrEqual(1);
  });

  it('prints exactly the families of the table, under their names and types', async () => {
    const p = proxy(node('p.default'), (res) =>
      res.typeUrl === TYPE_URLS.routes && res.resources.length > 0
        ? { code: grpc.status.INVALID_ARGUMENT, message: 'no routes today' }
        : undefined,
    );
    await p.until(() => p.responses.length >= 4, 'config');
    await apply(client(), [
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v1') },
    ]);
    await until(
      async () => metricValue(await scrape(), 'pilot_total_xds_rejects', { type: 'rds' }) === 1,
      'the reject',
    );
    const { types } = parseMetrics(await scrape());
    const expected = Object.entries(CONTROL_PLANE_METRICS).map(([name, def]) => [name, def.type]);
    // pilot_xds_write_timeout and pilot_proxy_convergence_time only appear once they happen.
    const printed = [...types];
    for (const entry of printed) expect(expected).toContainEqual(entry);
    const missing = expected.filter(([name]) => !types.has(name!)).map(([name]) => name);
    expect(missing.sort()).toEqual(['pilot_proxy_convergence_time', 'pilot_xds_write_timeout']);
  });

  it('docs/telemetry.md documents every metric of the table, and no other', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/telemetry.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Control plane metrics'));
    const end = section.indexOf('\n## ', 1);
    const rows = (end > 0 ? section.slice(0, end) : section)
      .split('\n')
      .map((line) => /^\| `([a-z_]+)` +\| (\w+) /.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]);
    const table = Object.entries(CONTROL_PLANE_METRICS).map(([name, def]) => [name, def.type]);
    expect(rows.sort()).toEqual(table.sort());
  });
});
