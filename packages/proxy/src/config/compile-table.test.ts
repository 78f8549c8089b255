import { TYPE_URLS } from '@mesh/proto';
import { route } from '@mesh/rules';
import { compileTable, emptyHeld } from './compile-table.js';
import {
  bookinfoHeld,
  REVIEWS,
  RATINGS,
  routeTable,
  virtualService,
} from './test-support/bookinfo.js';

function forwardedCluster(table: ReturnType<typeof compileTable>, headers = {}): string {
  const decision = route(table.compiled, {
    authority: 'reviews:9080',
    path: '/reviews/0',
    headers,
    sourceNamespace: 'default',
  });
  if (decision.action !== 'forward') throw new Error(`not forwarded: ${JSON.stringify(decision)}`);
  return decision.destination.cluster;
}

describe('compileTable', () => {
  it('routes Bookinfo requests to clusters the table holds', () => {
    const table = compileTable(bookinfoHeld(), 7);
    expect(table.generation).toBe(7);

    const jason = forwardedCluster(table, { 'end-user': 'jason' });
    const anyone = forwardedCluster(table);
    expect(jason).toBe(`outbound|9080|v2|${REVIEWS}`);
    expect(anyone).toBe(`outbound|9080|v1|${REVIEWS}`);
    expect(table.clusters.has(jason)).toBe(true);
    expect(table.clusters.has(anyone)).toBe(true);
  });

  it('gives services without a VirtualService the default route, using the cluster ports', () => {
    const decision = route(compileTable(bookinfoHeld(), 1).compiled, {
      authority: 'ratings',
      port: 9080,
      sourceNamespace: 'default',
    });
    expect(decision.action).toBe('forward');
    if (decision.action === 'forward') {
      expect(decision.destination.cluster).toBe(`outbound|9080||${RATINGS}`);
    }
  });

  it('balances over ready endpoints only, keeping all of them on the cluster', () => {
    const v1 = compileTable(bookinfoHeld(), 1).clusters.get(`outbound|9080|v1|${REVIEWS}`)!;
    expect(v1.endpoints).toHaveLength(2);
    const picked = new Set<string>();
    for (let i = 0; i < 50; i++) picked.add(v1.balancer.pick({ rng: Math.random })!.id);
    expect([...picked]).toEqual(['127.0.0.1:20001']);

    const whole = compileTable(bookinfoHeld(), 1).clusters.get(`outbound|9080||${REVIEWS}`)!;
    expect(whole.balancer.policy).toBe('ROUND_ROBIN');
    expect(whole.balancer.candidates.map((c) => c.id).sort()).toEqual([
      '127.0.0.1:20001',
      '127.0.0.1:20003',
    ]);
  });

  it('gives a cluster without an Endpoints resource no endpoints', () => {
    const held = bookinfoHeld();
    const table = compileTable({ ...held, endpoints: { version: 'v1', resources: new Map() } }, 1);
    const ratings = table.clusters.get(`outbound|9080||${RATINGS}`)!;
    expect(ratings.endpoints).toEqual([]);
    expect(ratings.balancer.pick({ rng: () => 0 })).toBeUndefined();
  });

  it('lets the oldest VirtualService win a shared host, whatever the map order', () => {
    const held = bookinfoHeld();
    const newer = routeTable(
      virtualService('a-newer', {
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'ratings' } }] }],
      }),
      5,
    );
    const routes = new Map([[newer.name, { version: 'x', body: newer }], ...held.routes.resources]);
    const table = compileTable({ ...held, routes: { version: 'v2', resources: routes } }, 1);
    expect(forwardedCluster(table)).toBe(`outbound|9080|v1|${REVIEWS}`);
  });

  it('reports the versions held per type URL', () => {
    const held = bookinfoHeld('v9');
    const table = compileTable({ ...held, endpoints: { ...held.endpoints, version: 'e3' } }, 1);
    expect(table.versions).toEqual({
      [TYPE_URLS.listeners]: 'v9',
      [TYPE_URLS.routes]: 'v9',
      [TYPE_URLS.clusters]: 'v9',
      [TYPE_URLS.endpoints]: 'e3',
    });
  });

  it('compiles an empty config into a table that routes nothing', () => {
    const table = compileTable(emptyHeld(), 0);
    expect(table.clusters.size).toBe(0);
    expect(route(table.compiled, { authority: 'reviews' }).action).toBe('no-route');
  });

  it('reuses the route tables and untouched balancers of the previous table', () => {
    const held = bookinfoHeld();
    const before = compileTable(held, 1);
    const v2 = `outbound|9080|v2|${REVIEWS}`;
    const endpoints = new Map(held.endpoints.resources);
    endpoints.set(v2, { version: 'new', body: { cluster: v2, endpoints: [] } });
    const after = compileTable(
      { ...held, endpoints: { version: 'v2', resources: endpoints } },
      2,
      before,
    );
    expect(after.compiled).toBe(before.compiled);
    expect(after.clusters.get(`outbound|9080|v1|${REVIEWS}`)).toBe(
      before.clusters.get(`outbound|9080|v1|${REVIEWS}`),
    );
    expect(after.clusters.get(v2)).not.toBe(before.clusters.get(v2));
    expect(after.clusters.get(v2)!.balancer.candidates).toEqual([]);

    const routesChanged = compileTable({ ...held, routes: { ...held.routes } }, 3, before);
    expect(routesChanged.compiled).not.toBe(before.compiled);
  });
});
