// A replica end to end on real gRPC: config applied through ConfigService reaches simulated
// proxies in push order, NACKs stick, bursts are merged, registry records live and die with
// their streams. The etcd-backed cases (two replicas, etcd restarts) are in replicas.test.ts.
import * as grpc from '@grpc/grpc-js';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import {
  ackFor,
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  newDiscoveryClient,
  TYPE_URLS,
  type ClusterBody,
  type EndpointsBody,
  type DiscoveryResponse,
} from '@mesh/proto';
import { createMemoryStore, registryPrefix, type MemoryStore } from '@mesh/store';
import type { ControlPlane } from './control-plane.js';
import { PUSH_ORDER } from './discovery.js';
import {
  apply,
  configClient,
  drText,
  httpGet,
  metricValue,
  node,
  remove,
  SimProxy,
  startTestPlane,
  vsText,
} from './test-support/harness.js';

const reviewsPorts = [
  { name: 'http', number: 9080, protocol: 'HTTP', targetPort: 0, endpointPort: 0 },
];

describe('control plane on the embedded store', () => {
  let store: MemoryStore;
  let plane: ControlPlane;
  let address: string;
  const proxies: SimProxy[] = [];

  const proxy = (
    ...args: ConstructorParameters<typeof SimProxy> extends [string, ...infer R] ? R : never
  ) => {
    const p = new SimProxy(address, ...args);
    proxies.push(p);
    return p;
  };

  beforeEach(async () => {
    store = createMemoryStore();
    plane = await startTestPlane(store);
    address = `127.0.0.1:${plane.grpcPort}`;
  });

  afterEach(async () => {
    for (const p of proxies.splice(0)) p.close();
    await plane.close();
    await store.close();
  });

  it('pushes clusters, endpoints, listeners, routes in that order, later only what changed', async () => {
    const client = configClient(address);
    await apply(client, [
      {
        kind: 'DestinationRule',
        name: 'reviews',
        text: drText('reviews', 'reviews', ['v1', 'v2']),
      },
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v1') },
    ]);
    const page = proxy(node('productpage-a.default', { labels: { app: 'productpage' } }));
    await page.until(
      () => page.names(TYPE_URLS.routes).includes('default/reviews'),
      'the reviews route',
    );
    await page.settle();
    const firstFour = page.responses.slice(0, 4).map((r) => r.typeUrl);
    expect(firstFour).toEqual([
      TYPE_URLS.clusters,
      TYPE_URLS.endpoints,
      TYPE_URLS.listeners,
      TYPE_URLS.routes,
    ]);
    const before = page.responses.length;
    const reviews = proxy(
      node('reviews-v1-a.default', {
        labels: { app: 'reviews', version: 'v1' },
        ports: reviewsPorts,
      }),
    );
    await page.until(
      () =>
        page
          .names(TYPE_URLS.endpoints)
          .includes('outbound|9080|v1|reviews.default.svc.cluster.local'),
      'the reviews v1 endpoints after the reviews proxy registered',
    );
    await page.settle();
    // The new workload changes clusters and endpoints only: in that order, nothing else resent.
    expect(page.responses.slice(before).map((r) => r.typeUrl)).toEqual([
      TYPE_URLS.clusters,
      TYPE_URLS.endpoints,
    ]);
    expect(page.responses.slice(before).every((r) => r.incremental)).toBe(true);
    client.close();
    reviews.close();
  });

  it('sends only the changed route resource when one VirtualService changes', async () => {
    const client = configClient(address);
    await apply(client, [
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v1') },
      { kind: 'VirtualService', name: 'ratings', text: vsText('ratings', 'ratings', 'v1') },
    ]);
    const p = proxy(node('productpage-a.default'));
    await p.until(() => p.names(TYPE_URLS.routes).length === 2, 'two routes');
    await p.settle();
    const before = p.responses.length;
    await apply(client, [
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v2') },
    ]);
    await p.until(() => p.responses.length > before, 'the change');
    const pushed = p.responses.slice(before);
    expect(pushed.map((r) => r.typeUrl)).toEqual([TYPE_URLS.routes]);
    expect(pushed[0]!.incremental).toBe(true);
    expect(pushed[0]!.resources.map((r) => r.name)).toEqual(['default/reviews']);
    await remove(client, 'VirtualService', 'ratings');
    await p.until(() => p.names(TYPE_URLS.routes).length === 1, 'the deletion');
    expect(p.responses.at(-1)!.removedResources).toEqual(['default/ratings']);
    client.close();
  });

  it('keeps a NACKed type in ERROR and does not push the same version again', async () => {
    const client = configClient(address);
    const reject = (res: DiscoveryResponse) =>
      res.typeUrl === TYPE_URLS.routes && res.resources.some((r) => r.name === 'default/reviews')
        ? { code: grpc.status.INVALID_ARGUMENT, message: 'route default/reviews: cannot compile' }
        : undefined;
    const p = proxy(node('nacker.default'), reject);
    await p.until(() => p.names(TYPE_URLS.listeners).length > 0, 'first config');
    await apply(client, [
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v1') },
    ]);
    await p.until(() => p.responses.some((r) => reject(r)), 'the rejected push');
    const status = () => plane.discovery.status().find((r) => r.proxyId === 'nacker.default')!;
    await p.until(
      () => status().types.find((t) => t.typeUrl === TYPE_URLS.routes)?.state === 'ERROR',
      'ERROR state',
    );
    const routes = status().types.find((t) => t.typeUrl === TYPE_URLS.routes)!;
    expect(routes.lastError).toBe('route default/reviews: cannot compile');
    expect(routes.ackedVersion).not.toBe(routes.sentVersion);
    const clusters = status().types.find((t) => t.typeUrl === TYPE_URLS.clusters)!;
    expect(clusters.state).toBe('SYNCED');
    const count = p.responses.length;
    // Unrelated changes (a workload registering) trigger pushes, but not the NACKed version.
    const other = proxy(
      node('details-a.default', { labels: { app: 'details' }, ports: reviewsPorts }),
    );
    await p.until(
      () => p.names(TYPE_URLS.clusters).some((n) => n.includes('details')),
      'details cluster',
    );
    const routePushes = p.responses.slice(count).filter((r) => r.typeUrl === TYPE_URLS.routes);
    expect(routePushes).toEqual([]);
    expect(status().types.find((t) => t.typeUrl === TYPE_URLS.routes)!.state).toBe('ERROR');
    // A fix is a new version: sent, ACKed, SYNCED.
    await remove(client, 'VirtualService', 'reviews');
    await p.until(
      () => status().types.find((t) => t.typeUrl === TYPE_URLS.routes)?.state === 'SYNCED',
      'SYNCED after the fix',
    );
    expect(status().types.find((t) => t.typeUrl === TYPE_URLS.routes)!.lastError).toBe('');
    other.close();
    client.close();
  });

  it('merges a burst of 100 applies into a few pushes', async () => {
    const client = configClient(address);
    const p = proxy(node('watcher.default'));
    await p.until(() => p.names(TYPE_URLS.listeners).length > 0, 'first config');
    const before = p.responses.filter((r) => r.typeUrl === TYPE_URLS.routes).length;
    // 100 separate applies fired at once: each its own store revision and watch event, as a CI
    // job applying a directory file by file makes them. The debounce must merge them. (Fired in
    // sequence they would be merged too, but on a loaded machine one slow call could outlast the
    // test's 30 ms quiet period and make the count flaky.)
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        apply(client, [
          { kind: 'VirtualService', name: `vs-${i}`, text: vsText(`vs-${i}`, `svc-${i}`, 'v1') },
        ]),
      ),
    );
    await p.until(() => p.names(TYPE_URLS.routes).length === 100, 'all 100 routes');
    const routePushes = p.responses.filter((r) => r.typeUrl === TYPE_URLS.routes).length - before;
    expect(routePushes).toBeGreaterThanOrEqual(1);
    expect(routePushes).toBeLessThanOrEqual(5);
    await p.settle();
    const metrics = await plane.metrics.render();
    // Every one of the 100 changes counts as a trigger (istiod's merged reasons), in a few pushes.
    expect(metricValue(metrics, 'pilot_push_triggers', { type: 'config' })).toBe(100);
    expect(metricValue(metrics, 'pilot_debounce_time_count')).toBeLessThanOrEqual(6);
    client.close();
  });

  it('registers a proxy under a lease and removes it when the stream ends', async () => {
    const p = proxy(
      node('reviews-v2-a.default', {
        labels: { app: 'reviews', version: 'v2' },
        ports: reviewsPorts,
        ready: false,
        locality: 'us-east1/us-east1-b',
      }),
    );
    const key = `${registryPrefix('proxy', 'default')}reviews-v2-a.default`;
    await p.until(() => plane.world.registry().workloads.length === 1, 'the registration');
    const kv = await store.get(key);
    expect(kv?.lease).toBeDefined();
    expect(JSON.parse(kv!.value)).toMatchObject({
      proxyId: 'reviews-v2-a.default',
      ready: false,
      locality: 'us-east1/us-east1-b',
      controlPlane: 'control-plane-test',
    });
    const registryz = JSON.parse((await httpGet(plane.httpPort, '/debug/registryz')).body) as {
      proxyId: string;
      locality: string;
    }[];
    expect(registryz).toEqual([
      expect.objectContaining({ proxyId: 'reviews-v2-a.default', locality: 'us-east1/us-east1-b' }),
    ]);
    // Readiness travels with the next request and rewrites the record.
    p.stream.setNode({ ...p.node, ready: true });
    await p.until(
      () => plane.world.registry().workloads[0]?.ready === true,
      'ready in the registry',
    );
    const watcher = proxy(node('productpage-a.default'));
    const cluster = 'outbound|9080||reviews.default.svc.cluster.local';
    await watcher.until(
      () => watcher.names(TYPE_URLS.endpoints).includes(cluster),
      'reviews endpoints',
    );
    // Other proxies rank this endpoint by the locality its own proxy reported.
    expect(watcher.body<EndpointsBody>(TYPE_URLS.endpoints, cluster)?.endpoints).toEqual([
      expect.objectContaining({ locality: 'us-east1/us-east1-b', ready: true }),
    ]);
    p.close();
    await watcher.until(
      () => plane.world.registry().workloads.every((w) => w.proxyId !== 'reviews-v2-a.default'),
      'the record gone',
    );
    expect(await store.get(key)).toBeUndefined();
    await watcher.until(
      () => !watcher.names(TYPE_URLS.clusters).some((n) => n.includes('reviews')),
      'reviews cluster gone',
    );
  });

  it("delivers route sets larger than gRPC's 4 MiB message default", async () => {
    const client = configClient(address);
    const padding = 'x'.repeat(4000);
    const docs = Array.from({ length: 1500 }, (_, i) => ({
      kind: 'VirtualService',
      name: `big-${i}`,
      text: `${vsText(`big-${i}`, `big-${i}`, 'v1')}  - match: [{headers: {x-pad: {exact: ${padding}}}}]\n    route: [{destination: {host: big-${i}}}]\n`,
    }));
    for (let i = 0; i < docs.length; i += 500) await apply(client, docs.slice(i, i + 500));
    const p = proxy(node('big.default'));
    await p.until(() => p.names(TYPE_URLS.routes).length === 1500, 'all 1500 routes', 15_000);
    const bytes = JSON.stringify(p.responses.find((r) => r.typeUrl === TYPE_URLS.routes)).length;
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
    client.close();
  }, 30_000);

  it('holds new pushes for a proxy that stops answering, then catches it up in one response per type', async () => {
    const client = configClient(address);
    // A raw stream that reads responses but never ACKs: a proxy stuck applying its config.
    const silent = newDiscoveryClient(address);
    const call = silent.Stream();
    const received: DiscoveryResponse[] = [];
    call.on('data', (wire) => received.push(decodeDiscoveryResponse(wire)));
    call.on('error', () => undefined);
    const who = node('silent.default');
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
    const watcher = proxy(node('watcher.default'));
    await watcher.until(
      () => received.length === 4,
      'the four first responses to the silent proxy',
    );
    for (let i = 0; i < 5; i++) {
      await apply(client, [
        { kind: 'VirtualService', name: `vs-${i}`, text: vsText(`vs-${i}`, `svc-${i}`, 'v1') },
      ]);
      await watcher.until(
        () => watcher.names(TYPE_URLS.routes).length === i + 1,
        `route ${i} on the watcher`,
      );
    }
    await watcher.settle();
    // Nothing more was queued for it: one unanswered response per type at most.
    expect(received).toHaveLength(4);
    const status = () => plane.discovery.status().find((r) => r.proxyId === 'silent.default')!;
    expect(status().types.find((t) => t.typeUrl === TYPE_URLS.routes)!.state).toBe('STALE');
    // It answers: the latest routes arrive at once, and incremental against nothing ACKed = all.
    for (const res of received.splice(0)) call.write(encodeDiscoveryRequest(ackFor(who, res)));
    await watcher.until(
      () => received.some((r) => r.typeUrl === TYPE_URLS.routes),
      'the held routes',
    );
    await watcher.settle();
    const routes = received.filter((r) => r.typeUrl === TYPE_URLS.routes);
    expect(routes).toHaveLength(1);
    expect(routes[0]!.resources.map((r) => r.name).sort()).toEqual([
      'default/vs-0',
      'default/vs-1',
      'default/vs-2',
      'default/vs-3',
      'default/vs-4',
    ]);
    call.cancel();
    silent.close();
    client.close();
  });

  it('offers a route table the proxy could not apply again once the cluster it needed arrives', async () => {
    const client = configClient(address);
    await apply(client, [
      { kind: 'DestinationRule', name: 'reviews', text: drText('reviews', 'reviews', ['v1']) },
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v1') },
    ]);
    const needed = 'outbound|9080|v1|reviews.default.svc.cluster.local';
    // A proxy that cannot apply routes naming a cluster it does not hold yet: not an invalid
    // config (INVALID_ARGUMENT is never resent), a transient failure.
    const strict: SimProxy = proxy(node('strict.default'), (res) =>
      res.typeUrl === TYPE_URLS.routes && !strict.names(TYPE_URLS.clusters).includes(needed)
        ? { code: grpc.status.INTERNAL, message: `cannot apply: no cluster ${needed} yet` }
        : undefined,
    );
    const routesState = () =>
      plane.discovery
        .status()
        .find((r) => r.proxyId === 'strict.default')
        ?.types.find((t) => t.typeUrl === TYPE_URLS.routes)?.state;
    await strict.until(() => routesState() === 'ERROR', 'routes rejected');
    // The reviews workload registers: the cluster arrives, and the same routes version with it.
    const reviews = proxy(
      node('reviews-v1-x.default', {
        labels: { app: 'reviews', version: 'v1' },
        ports: reviewsPorts,
      }),
    );
    await strict.until(() => routesState() === 'SYNCED', 'routes accepted after the cluster came');
    expect(strict.names(TYPE_URLS.routes)).toEqual(['default/reviews']);
    reviews.close();
    client.close();
  });

  it('sets aside a proxy whose connection stops carrying data, and keeps pushing to others', async () => {
    await plane.close();
    plane = await startTestPlane(store, { maxConcurrentPushes: 1, writeTimeoutMs: 300 });
    address = `127.0.0.1:${plane.grpcPort}`;
    const client = configClient(address);
    const padding = 'x'.repeat(4000);
    const docs = Array.from({ length: 1500 }, (_, i) => ({
      kind: 'VirtualService',
      name: `big-${i}`,
      text: `${vsText(`big-${i}`, `big-${i}`, 'v1')}  - match: [{headers: {x-pad: {exact: ${padding}}}}]\n    route: [{destination: {host: big-${i}}}]\n`,
    }));
    for (let i = 0; i < docs.length; i += 500) await apply(client, docs.slice(i, i + 500));
    // A relay that stops carrying server-to-proxy bytes: TCP stays up, nothing is read.
    const upstreams: Socket[] = [];
    const relay = createServer((down) => {
      const up = connect(plane.grpcPort, '127.0.0.1');
      upstreams.push(up);
      down.pipe(up);
      up.once('data', (first) => {
        down.write(first);
        up.pause();
      });
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const relayPort = (relay.address() as AddressInfo).port;
    const stuck = new SimProxy(`127.0.0.1:${relayPort}`, node('stuck.default'));
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const fast = proxy(node('fast.default'));
    await fast.until(
      () => fast.names(TYPE_URLS.routes).length === 1500,
      'all routes on the fast proxy',
      10_000,
    );
    // Without setting the stuck proxy aside, its push would hold the only slot until TCP
    // keepalive gave up (~40 s); with it, one write timeout (300 ms) plus the fast push.
    expect(Date.now() - started).toBeLessThan(8000);
    expect(metricValue(await plane.metrics.render(), 'pilot_xds_write_timeout')).toBe(1);
    stuck.close();
    for (const s of upstreams) s.destroy();
    relay.close();
    client.close();
  }, 30_000);

  it('refuses config writes without the token, and reads still work', async () => {
    const client = configClient(address);
    await expect(
      apply(client, [{ kind: 'VirtualService', name: 'x', text: vsText('x', 'x', 'v1') }], ''),
    ).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(
      apply(client, [{ kind: 'VirtualService', name: 'x', text: vsText('x', 'x', 'v1') }], 'wrong'),
    ).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: expect.stringContaining('wrong'),
    });
    expect(plane.world.configView().resources).toHaveLength(0);
    client.close();
  });

  it('serves health, readiness, metrics and the per-proxy debug pages', async () => {
    const p = proxy(
      node('reviews-v1-b.default', {
        labels: { app: 'reviews', version: 'v1' },
        ports: reviewsPorts,
      }),
    );
    await p.until(() => p.names(TYPE_URLS.clusters).length > 0, 'first config');
    expect((await httpGet(plane.httpPort, '/healthz')).status).toBe(200);
    const ready = await httpGet(plane.httpPort, '/readyz');
    expect(ready.status).toBe(200);
    const metrics = (await httpGet(plane.httpPort, '/metrics')).body;
    expect(metrics).toMatch(/^pilot_xds\{version="0\.1\.0"\} 1$/m);
    expect(metrics).toMatch(/^pilot_xds_pushes\{type="cds"\} \d+$/m);
    const syncz = JSON.parse((await httpGet(plane.httpPort, '/debug/syncz')).body) as {
      proxyId: string;
    }[];
    expect(syncz.map((r) => r.proxyId)).toEqual(['reviews-v1-b.default']);
    const snap = JSON.parse(
      (await httpGet(plane.httpPort, '/debug/snapshotz?proxy=reviews-v1-b.default')).body,
    ) as Record<string, { resources: { name: string; body: ClusterBody }[] }>;
    expect(snap[TYPE_URLS.clusters]!.resources.map((r) => r.name)).toContain('inbound|9080||');
    expect((await httpGet(plane.httpPort, '/nope')).status).toBe(404);
    // meshctl version shows the replica by the name proxy-status uses.
    const version = JSON.parse((await httpGet(plane.httpPort, '/version')).body) as unknown;
    expect(version).toMatchObject({ name: plane.name, version: expect.any(String) });
  });
});
