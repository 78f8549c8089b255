// Replicas on one real etcd: writes through one reach proxies on the other, a dead replica's
// proxy records expire with their lease, and an etcd restart under a connected proxy loses and
// repeats nothing.
import { TYPE_URLS } from '@mesh/proto';
import { createEtcdStore, MESH_PREFIX, registryPrefix, type EtcdStore } from '@mesh/store';
import { startEtcd, type TestEtcd } from '@mesh/store/testing';
import type { ControlPlane } from './control-plane.js';
import {
  apply,
  configClient,
  httpGet,
  metricValue,
  node,
  proxyStatus,
  SimProxy,
  startTestPlane,
  vsText,
} from './test-support/harness.js';

jest.setTimeout(60_000);

const ports = [{ name: 'http', number: 9080, protocol: 'HTTP', targetPort: 0, endpointPort: 0 }];

describe('replicas on one etcd', () => {
  let etcd: TestEtcd;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd.dispose();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    // One etcd serves every case: start each from an empty store.
    const store = createEtcdStore({ endpoints: [etcd.endpoint] });
    const { items } = await store.list(MESH_PREFIX);
    if (items.length > 0)
      await store.commit(items.map((kv) => ({ type: 'delete' as const, key: kv.key })));
    await store.close();
  });

  async function replica(
    name: string,
  ): Promise<{ plane: ControlPlane; store: EtcdStore; address: string }> {
    const store = createEtcdStore({ endpoints: [etcd.endpoint], requestTimeoutMs: 1000 });
    const plane = await startTestPlane(store, { name, storeProbeMs: 200 });
    cleanups.push(async () => {
      await plane.close();
      await store.close();
    });
    return { plane, store, address: `127.0.0.1:${plane.grpcPort}` };
  }

  function proxyOn(address: string, id: string, overrides = {}): SimProxy {
    const p = new SimProxy(address, node(id, overrides));
    cleanups.push(() => p.close());
    return p;
  }

  it('a change applied through one replica reaches proxies connected to the other', async () => {
    const a = await replica('control-plane-a');
    const b = await replica('control-plane-b');
    const onB = proxyOn(b.address, 'productpage-1.default');
    await onB.until(() => onB.names(TYPE_URLS.listeners).length > 0, 'first config');
    const client = configClient(a.address);
    cleanups.push(() => client.close());
    await apply(client, [
      { kind: 'VirtualService', name: 'reviews', text: vsText('reviews', 'reviews', 'v3') },
    ]);
    await onB.until(
      () => onB.names(TYPE_URLS.routes).includes('default/reviews'),
      'the route on replica b',
    );
    // Watch lag is timed where the write was made: on a, from its commit to its own watch.
    const lagCount = async (plane: ControlPlane) =>
      metricValue(await plane.metrics.render(), 'mesh_store_watch_lag_seconds_count', {
        area: 'config',
      });
    for (let deadline = Date.now() + 5000; (await lagCount(a.plane)) !== 1;) {
      if (Date.now() > deadline) throw new Error('no watch lag observed on replica a');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await lagCount(b.plane)).toBe(0);
    const onA = await a.plane.metrics.render();
    expect(metricValue(onA, 'mesh_store_watch_lag_seconds_sum', { area: 'config' })).toBeLessThan(
      1,
    );
    expect(metricValue(onA, 'mesh_store_watch_revisions_behind')).toBe(0);
    // Workloads registered through one replica are endpoints for proxies on the other.
    const reviewsOnA = proxyOn(a.address, 'reviews-v3-1.default', {
      labels: { app: 'reviews', version: 'v3' },
      ports,
    });
    await onB.until(
      () =>
        onB.names(TYPE_URLS.endpoints).includes('outbound|9080||reviews.default.svc.cluster.local'),
      'reviews endpoints from replica a',
    );
    expect(reviewsOnA.ended).toBeUndefined();
    // proxy-status through either replica shows both proxies with the replica that holds each.
    await onB.settle();
    const rows = (await proxyStatus(client)).proxies.map((r) => [r.proxyId, r.controlPlane]);
    expect(rows).toEqual([
      ['productpage-1.default', 'control-plane-b'],
      ['reviews-v3-1.default', 'control-plane-a'],
    ]);
    const viaB = configClient(b.address);
    cleanups.push(() => viaB.close());
    expect((await proxyStatus(viaB)).proxies.map((r) => r.proxyId)).toEqual([
      'productpage-1.default',
      'reviews-v3-1.default',
    ]);
  });

  it("a dead replica's proxy records expire, and the proxy re-registers through another", async () => {
    const a = await replica('control-plane-a');
    const b = await replica('control-plane-b');
    const watcher = proxyOn(b.address, 'productpage-1.default');
    const reviews = proxyOn(a.address, 'reviews-v1-1.default', {
      labels: { app: 'reviews', version: 'v1' },
      ports,
    });
    const key = `${registryPrefix('proxy', 'default')}reviews-v1-1.default`;
    await watcher.until(
      () => b.plane.world.registry().workloads.some((w) => w.proxyId === 'reviews-v1-1.default'),
      'registration via a',
    );
    // Replica a dies without revoking anything: its store client just goes away.
    await a.store.close();
    await a.plane.close();
    const diedAt = Date.now();
    await watcher.until(
      () => !b.plane.world.registry().workloads.some((w) => w.proxyId === 'reviews-v1-1.default'),
      'the record to expire with its lease',
      10_000,
    );
    expect(Date.now() - diedAt).toBeGreaterThan(500);
    expect(await b.store.get(key)).toBeUndefined();
    // The proxy's stream ended with its replica; it reconnects to b and registers again.
    await reviews.until(() => reviews.ended !== undefined, 'the stream to end');
    const again = proxyOn(b.address, 'reviews-v1-1.default', {
      labels: { app: 'reviews', version: 'v1' },
      ports,
    });
    await again.until(() => again.names(TYPE_URLS.listeners).length > 0, 'config from b');
    await watcher.until(
      () =>
        b.plane.world
          .registry()
          .workloads.some(
            (w) => w.proxyId === 'reviews-v1-1.default' && w.controlPlane === 'control-plane-b',
          ),
      're-registration via b',
    );
  });

  it('writes a readiness change made while etcd was down once it is back', async () => {
    const a = await replica('control-plane-a');
    const p = proxyOn(a.address, 'reviews-v1-1.default', {
      labels: { app: 'reviews', version: 'v1' },
      ports,
      ready: false,
    });
    const key = `${registryPrefix('proxy', 'default')}reviews-v1-1.default`;
    await p.until(() => a.plane.world.registry().workloads.length === 1, 'the registration');
    await etcd.stop();
    p.stream.setNode({ ...p.node, ready: true });
    await new Promise((r) => setTimeout(r, 1500));
    await etcd.restart();
    await p.until(
      () => a.plane.world.registry().workloads[0]?.ready === true,
      'ready in the registry after etcd returned',
      20_000,
    );
    expect(JSON.parse((await a.store.get(key))!.value)).toMatchObject({ ready: true });
  });

  it('keeps serving through an etcd restart and then delivers every change exactly once', async () => {
    const a = await replica('control-plane-a');
    const p = proxyOn(a.address, 'productpage-1.default');
    const client = configClient(a.address);
    cleanups.push(() => client.close());
    await apply(client, [
      { kind: 'VirtualService', name: 'before', text: vsText('before', 'before', 'v1') },
    ]);
    await p.until(() => p.names(TYPE_URLS.routes).includes('default/before'), 'the first route');

    await etcd.stop();
    await p.until(() => !a.plane.readiness().ready, 'not ready while etcd is down');
    const down = await httpGet(a.plane.httpPort, '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toContain('unreachable');
    await expect(
      apply(client, [
        { kind: 'VirtualService', name: 'during', text: vsText('during', 'during', 'v1') },
      ]),
    ).rejects.toMatchObject({ code: 14 /* UNAVAILABLE */ });
    // The proxy still holds its config and its stream.
    expect(p.ended).toBeUndefined();
    expect(p.names(TYPE_URLS.routes)).toEqual(['default/before']);

    await etcd.restart();
    await p.until(() => a.plane.readiness().ready, 'ready again', 20_000);
    const routePushesBefore = p.responses.filter((r) => r.typeUrl === TYPE_URLS.routes).length;
    for (let i = 0; i < 5; i++) {
      await apply(client, [
        {
          kind: 'VirtualService',
          name: `after-${i}`,
          text: vsText(`after-${i}`, `after-${i}`, 'v1'),
        },
      ]);
    }
    await p.until(() => p.names(TYPE_URLS.routes).length === 6, 'all five new routes', 10_000);
    expect(p.names(TYPE_URLS.routes)).toEqual([
      'default/after-0',
      'default/after-1',
      'default/after-2',
      'default/after-3',
      'default/after-4',
      'default/before',
    ]);
    // Each resource arrived once: no route resource was sent twice with the same version.
    const sent = p.responses
      .slice(0)
      .filter((r) => r.typeUrl === TYPE_URLS.routes)
      .flatMap((r) => r.resources.map((x) => `${x.name}@${x.version}`));
    expect(new Set(sent).size).toBe(sent.length);
    expect(
      p.responses.filter((r) => r.typeUrl === TYPE_URLS.routes).length - routePushesBefore,
    ).toBeLessThanOrEqual(5);
  });
});
