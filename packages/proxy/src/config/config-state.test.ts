import { TYPE_URLS } from '@mesh/proto';
import { route } from '@mesh/rules';
import { ConfigState } from './config-state.js';
import type { ProxyTable } from './types.js';
import {
  bookinfoResponses,
  cluster,
  endpoint,
  endpointsOf,
  RATINGS,
  responseOf,
  REVIEWS,
  routeTable,
  routes,
  virtualService,
} from './test-support/bookinfo.js';

function loaded(): ConfigState {
  const state = new ConfigState();
  for (const res of bookinfoResponses()) expect(state.onResponse(res)).toBeUndefined();
  return state;
}

function clusterFor(table: ProxyTable): string | undefined {
  const decision = route(table.compiled, { authority: 'reviews', port: 9080 });
  return decision.action === 'forward' ? decision.destination.cluster : undefined;
}

const toV2 = routeTable(
  virtualService('reviews', {
    hosts: ['reviews'],
    http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }],
  }),
  1,
);

describe('ConfigState', () => {
  it('starts with an empty table and is not ready', () => {
    const state = new ConfigState();
    expect(state.current().generation).toBe(0);
    expect(state.current().clusters.size).toBe(0);
    expect(state.ready).toBe(false);
    expect(state.readinessReason()).toBe(
      'no config accepted yet for Listener, RouteTable, Cluster, Endpoints',
    );
  });

  it('becomes ready only once all four types were accepted, naming the missing ones', () => {
    const state = new ConfigState();
    const [clusters, endpoints, listeners, routeTables] = bookinfoResponses();
    state.onResponse(clusters!);
    state.onResponse(endpoints!);
    expect(state.ready).toBe(false);
    expect(state.readinessReason()).toBe('no config accepted yet for Listener, RouteTable');
    state.onResponse(listeners!);
    expect(state.ready).toBe(false);
    state.onResponse(routeTables!);
    expect(state.ready).toBe(true);
    expect(state.readinessReason()).toBe('config generation 4 applied');
  });

  it('does not count a NACKed type towards readiness', () => {
    const state = new ConfigState();
    const [clusters, endpoints, listeners] = bookinfoResponses();
    for (const res of [clusters!, endpoints!, listeners!]) state.onResponse(res);
    const bad = routeTable(
      virtualService('reviews', { hosts: ['reviews'], http: [{ timeout: 'soon' }] }),
      1,
    );
    expect(state.onResponse(responseOf(TYPE_URLS.routes, [bad], 'v1'))).toBeDefined();
    expect(state.ready).toBe(false);
    expect(state.readinessReason()).toContain('RouteTable');
  });

  it('swaps in a new table with the next generation on a good update', () => {
    const state = loaded();
    const before = state.current();
    const seen: ProxyTable[] = [];
    state.onTable((t) => seen.push(t));

    expect(state.onResponse(responseOf(TYPE_URLS.routes, [toV2], 'v2'))).toBeUndefined();

    const after = state.current();
    expect(after).not.toBe(before);
    expect(after.generation).toBe(before.generation + 1);
    expect(after.versions[TYPE_URLS.routes]).toBe('v2');
    expect(clusterFor(after)).toBe(`outbound|9080|v2|${REVIEWS}`);
    expect(seen).toEqual([after]);
    // The old table is untouched for requests still running on it.
    expect(clusterFor(before)).toBe(`outbound|9080|v1|${REVIEWS}`);
    expect(before.versions[TYPE_URLS.routes]).toBe('v1');
  });

  it('keeps the old table and generation when a response is NACKed', () => {
    const state = loaded();
    const before = state.current();
    const notified: ProxyTable[] = [];
    state.onTable((t) => notified.push(t));
    const bad = routeTable(
      virtualService('reviews', {
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: -5 }] }],
      }),
      1,
    );

    const nack = state.onResponse(responseOf(TYPE_URLS.routes, [bad, ...routes], 'v2'));

    expect(nack?.code).toBe(3);
    expect(nack?.message).toContain(
      'RouteTable default/reviews: virtualService.spec.http[0].route[0].weight',
    );
    expect(state.current()).toBe(before);
    expect(state.current().generation).toBe(4);
    expect(clusterFor(state.current())).toBe(`outbound|9080|v1|${REVIEWS}`);
    expect(notified).toEqual([]);
  });

  it('applies incremental responses on top of what it holds', () => {
    const state = loaded();
    const res = responseOf(TYPE_URLS.clusters, [], 'v2');
    const removed = `outbound|9080|v2|${REVIEWS}`;
    state.onResponse({ ...res, incremental: true, removedResources: [removed] });
    expect(state.current().clusters.has(removed)).toBe(false);
    expect(state.current().clusters.has(`outbound|9080|v1|${REVIEWS}`)).toBe(true);
  });

  it('keeps a throwing listener from failing the update or the other listeners', () => {
    const lines: string[] = [];
    const state = new ConfigState({ log: (l) => lines.push(l) });
    let calls = 0;
    state.onTable(() => {
      throw new Error('boom');
    });
    const unsubscribe = state.onTable(() => calls++);
    const [clusters, endpoints] = bookinfoResponses();
    expect(state.onResponse(clusters!)).toBeUndefined();
    unsubscribe();
    state.onResponse(endpoints!);
    expect(calls).toBe(1);
    expect(lines[0]).toContain('boom');
    expect(state.current().generation).toBe(2);
  });

  it("ranks endpoints against the proxy's locality in every table it compiles", () => {
    const body = { ...cluster(RATINGS), trafficPolicy: { outlierDetection: {} } };
    const eps = endpointsOf(body, [
      endpoint(1, { locality: 'eu/west/a' }),
      endpoint(2, { locality: 'us/east/a' }),
    ]);
    const candidates = (state: ConfigState) =>
      state
        .current()
        .clusters.get(body.name)!
        .balancer.candidates.map((e) => e.id);
    const east = new ConfigState({ proxyLocality: 'us/east/a' });
    expect(east.onResponse(responseOf(TYPE_URLS.clusters, [body], 'v1'))).toBeUndefined();
    expect(east.onResponse(responseOf(TYPE_URLS.endpoints, [eps], 'v1'))).toBeUndefined();
    expect(candidates(east)).toEqual(['127.0.0.1:2']);
    // A later table that reuses the cluster keeps the ranking.
    expect(east.onResponse(responseOf(TYPE_URLS.routes, routes, 'v1'))).toBeUndefined();
    expect(east.current().clusters.get(body.name)!.proxyLocality).toBe('us/east/a');
    expect(candidates(east)).toEqual(['127.0.0.1:2']);
    // A proxy that knows no locality finds both endpoints equally far.
    const nowhere = new ConfigState();
    nowhere.onResponse(responseOf(TYPE_URLS.clusters, [body], 'v1'));
    nowhere.onResponse(responseOf(TYPE_URLS.endpoints, [eps], 'v1'));
    expect(candidates(nowhere)).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
  });
});
