// The proxy's discovery loop against a real gRPC DiscoveryService on 127.0.0.1.
import { TYPE_URLS, type ProxyNode } from '@mesh/proto';
import { route } from '@mesh/rules';
import { ConfigState } from '../config/config-state.js';
import {
  bookinfoResponses,
  responseOf,
  REVIEWS,
  routeTable,
  virtualService,
} from '../config/test-support/bookinfo.js';
import type { ProxyTable } from '../config/types.js';
import {
  startDiscovery,
  SUBSCRIPTION_ORDER,
  type Discovery,
  type DiscoveryOptions,
} from './discovery-client.js';
import { FakeControlPlane, waitFor } from './test-support/fake-control-plane.js';

const node: ProxyNode = {
  id: 'productpage-v1-1.default',
  workloadName: 'productpage-v1',
  namespace: 'default',
  labels: { app: 'productpage', version: 'v1' },
  serviceAccount: 'bookinfo-productpage',
  addresses: ['127.0.0.1'],
  ports: [{ name: 'http', number: 9080, protocol: 'HTTP', targetPort: 0, endpointPort: 20000 }],
  proxyVersion: '0.1.0',
  ready: false,
  locality: '',
};

const FAST = { initialMs: 20, maxMs: 100 };

function reviewsCluster(table: ProxyTable): string | undefined {
  const decision = route(table.compiled, { authority: 'reviews', port: 9080 });
  return decision.action === 'forward' ? decision.destination.cluster : undefined;
}

function routesTo(subset: string, version: string) {
  return responseOf(
    TYPE_URLS.routes,
    [
      routeTable(
        virtualService('reviews', {
          hosts: ['reviews'],
          http: [{ route: [{ destination: { host: 'reviews', subset } }] }],
        }),
        1,
      ),
    ],
    version,
  );
}

describe('startDiscovery', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0).reverse()) c();
  });

  async function setUp(port = 0) {
    const cp = await FakeControlPlane.start(bookinfoResponses('v1'), port);
    cleanup.push(() => cp.stop());
    return cp;
  }

  function run(address: string, overrides: Partial<DiscoveryOptions> = {}) {
    const log: string[] = [];
    const state = new ConfigState();
    const discovery: Discovery = startDiscovery({
      address,
      node: () => node,
      state,
      log: (line) => log.push(line),
      backoff: FAST,
      ...overrides,
    });
    cleanup.push(() => discovery.close());
    return { discovery, state, log };
  }

  async function loaded(cp: FakeControlPlane, overrides: Partial<DiscoveryOptions> = {}) {
    const proxy = run(cp.address, overrides);
    await waitFor('four ACKs', () => cp.ofKind('ack').length === 4);
    return proxy;
  }

  it('subscribes make-before-break and ACKs a good config', async () => {
    const cp = await setUp();
    const { discovery, state } = await loaded(cp);

    expect(cp.ofKind('subscribe').map((r) => r.typeUrl)).toEqual([...SUBSCRIPTION_ORDER]);
    expect(cp.ofKind('subscribe').every((r) => r.node.id === node.id)).toBe(true);
    const acks = cp.ofKind('ack');
    expect(acks.map((a) => a.typeUrl)).toEqual([...SUBSCRIPTION_ORDER]);
    expect(acks.every((a) => a.versionInfo === 'v1' && a.responseNonce !== '')).toBe(true);
    expect(state.ready).toBe(true);
    expect(discovery.connected).toBe(true);
    expect(reviewsCluster(state.current())).toBe(`outbound|9080|v1|${REVIEWS}`);
  });

  it('NACKs a bad response with the reason and keeps routing on the old table', async () => {
    const cp = await setUp();
    const { state, log } = await loaded(cp);
    const before = state.current();

    const bad = routeTable(
      virtualService('reviews', {
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: -1 }] }],
      }),
      1,
    );
    cp.push(responseOf(TYPE_URLS.routes, [bad], 'v2'));
    await waitFor('a NACK', () => cp.ofKind('nack').length === 1);

    const nack = cp.ofKind('nack')[0]!;
    expect(nack.typeUrl).toBe(TYPE_URLS.routes);
    expect(nack.versionInfo).toBe('v1');
    expect(nack.errorDetail).toEqual({
      code: 3,
      message:
        'RouteTable default/reviews: virtualService.spec.http[0].route[0].weight: weight -1 is negative',
    });
    expect(state.current()).toBe(before);
    expect(log.some((l) => l.startsWith('rejected RouteTable version v2: '))).toBe(true);

    // The next good version is taken.
    cp.push(routesTo('v2', 'v3'));
    await waitFor('the v3 ACK', () => cp.ofKind('ack').some((a) => a.versionInfo === 'v3'));
    expect(reviewsCluster(state.current())).toBe(`outbound|9080|v2|${REVIEWS}`);
  });

  it('reconnects after the control plane ends the stream and subscribes again', async () => {
    const cp = await setUp();
    // A pinned draw makes the first retry 100 ms away: long enough to look at the gap.
    const { discovery, state, log } = await loaded(cp, {
      backoff: { initialMs: 200, maxMs: 200 },
      rng: () => 0.5,
    });
    const table = state.current();
    cp.script.set(TYPE_URLS.routes, routesTo('v2', 'v2'));

    cp.endStreams();
    await waitFor('the stream to end', () => log.some((l) => l.includes('ended (OK')));
    expect(discovery.connected).toBe(false);
    expect(state.current()).toBe(table);
    expect(log.at(-1)).toMatch(
      /ended \(OK.*\); reconnecting in 100 ms, routing on config generation 4$/,
    );

    await waitFor('a second stream to ACK all four types', () => cp.ofKind('ack', 2).length === 4);
    expect(cp.ofKind('subscribe', 2).map((r) => r.typeUrl)).toEqual([...SUBSCRIPTION_ORDER]);
    expect(discovery.connected).toBe(true);
    expect(reviewsCluster(state.current())).toBe(`outbound|9080|v2|${REVIEWS}`);
  });

  it('keeps the last table while the control plane is down and resyncs after it restarts', async () => {
    const first = await setUp();
    const { discovery, state, log } = await loaded(first);
    const table = state.current();

    first.stop();
    await waitFor('the stream to fail', () => !discovery.connected);
    // Several failed tries while nothing listens, each leaving the table alone.
    await waitFor('retries', () => log.filter((l) => l.includes('reconnecting in')).length >= 3);
    expect(state.current()).toBe(table);
    expect(reviewsCluster(state.current())).toBe(`outbound|9080|v1|${REVIEWS}`);

    const second = await FakeControlPlane.start(
      [...bookinfoResponses('v1').slice(0, 3), routesTo('v2', 'v2')],
      first.port,
    );
    cleanup.push(() => second.stop());
    await waitFor(
      'the restarted control plane to get four ACKs',
      () => second.ofKind('ack').length === 4,
    );
    expect(second.ofKind('subscribe').map((r) => r.typeUrl)).toEqual([...SUBSCRIPTION_ORDER]);
    expect(discovery.connected).toBe(true);
    expect(reviewsCluster(state.current())).toBe(`outbound|9080|v2|${REVIEWS}`);
  });

  it('connects once a control plane comes up where none was', async () => {
    const probe = await FakeControlPlane.start([]);
    const port = probe.port;
    probe.stop();
    const { discovery, state } = run(`127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(discovery.connected).toBe(false);
    expect(state.ready).toBe(false);

    const cp = await setUp(port);
    await waitFor('four ACKs', () => cp.ofKind('ack').length === 4);
    expect(state.ready).toBe(true);
  });

  it('forwards a node update on the open stream', async () => {
    const cp = await setUp();
    const { discovery } = await loaded(cp);

    discovery.setNode({ ...node, ready: true });

    await waitFor('a request from the ready node', () =>
      cp.requests.some((r) => r.request.node.ready),
    );
    expect(cp.streamCount).toBe(1);
  });

  it('stops for good on close', async () => {
    const cp = await setUp();
    const { discovery } = await loaded(cp);

    discovery.close();
    expect(discovery.connected).toBe(false);
    cp.endStreams();
    // Five times the largest backoff: a reconnect would have happened by now.
    await new Promise((resolve) => setTimeout(resolve, 5 * FAST.maxMs));
    expect(cp.streamCount).toBe(1);
  });
});
