import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ClusterBody,
  EndpointsBody,
  InboundListener,
  ListenerBody,
  RouteTableBody,
} from '@mesh/proto';
import { buildSnapshot } from './index.js';
import {
  BOOKINFO,
  BOOKINFO_REGISTRY,
  BOOKINFO_RULES,
  bodyOf,
  configOf,
  DETAILS,
  names,
  nodeOf,
  PRODUCTPAGE,
  RATINGS,
  registryOf,
  resourcesOf,
  REVIEWS,
  storedConfig,
  TYPE_URLS,
  versionsOf,
  workload,
} from './test-support/fixtures.js';

const productpage = nodeOf(BOOKINFO.productpage);

function bookinfoSnapshot(rules = BOOKINFO_RULES) {
  return buildSnapshot(configOf(rules), BOOKINFO_REGISTRY, productpage);
}

function endpointsOf(snapshot: ReturnType<typeof bookinfoSnapshot>, cluster: string) {
  return bodyOf<EndpointsBody>(snapshot, TYPE_URLS.endpoints, cluster).endpoints;
}

describe('buildSnapshot for a Bookinfo sidecar', () => {
  const snapshot = bookinfoSnapshot();

  it('has a cluster per service port and per subset of the DestinationRule, plus its inbound one', () => {
    // Sorted by code unit, as every replica sorts: '|' comes after the subset names.
    expect(names(snapshot, TYPE_URLS.clusters)).toEqual([
      'inbound|9080||',
      `outbound|9080|v1|${RATINGS}`,
      `outbound|9080|v1|${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v3|${REVIEWS}`,
      `outbound|9080||${DETAILS}`,
      `outbound|9080||${PRODUCTPAGE}`,
      `outbound|9080||${RATINGS}`,
      `outbound|9080||${REVIEWS}`,
    ]);
    expect(names(snapshot, TYPE_URLS.endpoints)).toEqual(names(snapshot, TYPE_URLS.clusters));
  });

  it('filters subset endpoints by the subset labels', () => {
    expect(endpointsOf(snapshot, `outbound|9080|v2|${REVIEWS}`)).toEqual([
      {
        address: '10.0.0.4',
        port: 9080,
        labels: { app: 'reviews', version: 'v2' },
        ready: true,
        weight: 1,
        locality: '',
        source: 'proxy reviews-v2.default',
      },
    ]);
    expect(
      endpointsOf(snapshot, `outbound|9080||${REVIEWS}`).map((e) => `${e.address}:${e.port}`),
    ).toEqual(['10.0.0.3:9080', '10.0.0.4:9080', '10.0.0.5:9080']);
  });

  it("gives a registered workload's endpoints the locality its proxy reported", () => {
    const registry = registryOf(
      BOOKINFO.productpage,
      workload('reviews-v1', '10.0.0.3', { locality: 'us-east1/us-east1-b' }),
      workload('reviews-v2', '10.0.0.4', { locality: 'eu-west1/eu-west1-a/rack-2' }),
      BOOKINFO.reviewsV3,
    );
    const snap = buildSnapshot(configOf(BOOKINFO_RULES), registry, productpage);
    const localities = (cluster: string) =>
      endpointsOf(snap, cluster).map((e) => [e.address, e.locality]);
    expect(localities(`outbound|9080||${REVIEWS}`)).toEqual([
      ['10.0.0.3', 'us-east1/us-east1-b'],
      ['10.0.0.4', 'eu-west1/eu-west1-a/rack-2'],
      ['10.0.0.5', ''],
    ]);
    expect(localities(`outbound|9080|v2|${REVIEWS}`)).toEqual([
      ['10.0.0.4', 'eu-west1/eu-west1-a/rack-2'],
    ]);
  });

  it('carries the merged DestinationRule policy, with Istio defaults where no rule applies', () => {
    const v1 = bodyOf<ClusterBody>(snapshot, TYPE_URLS.clusters, `outbound|9080|v1|${REVIEWS}`);
    expect(v1).toMatchObject({
      direction: 'outbound',
      host: REVIEWS,
      port: { number: 9080, protocol: 'HTTP', name: 'http' },
      subset: 'v1',
      serviceNamespace: 'default',
      exportTo: ['*'],
      resolution: 'STATIC',
      destinationRule: 'default/reviews',
    });
    expect(v1.trafficPolicy.loadBalancer).toEqual({ simple: 'RANDOM' });
    const v3 = bodyOf<ClusterBody>(snapshot, TYPE_URLS.clusters, `outbound|9080|v3|${REVIEWS}`);
    expect(v3.trafficPolicy.loadBalancer).toEqual({ simple: 'ROUND_ROBIN' });
    const details = bodyOf<ClusterBody>(snapshot, TYPE_URLS.clusters, `outbound|9080||${DETAILS}`);
    expect(details.destinationRule).toBe('');
    expect(details.trafficPolicy).toEqual({ loadBalancer: { simple: 'LEAST_REQUEST' } });
  });

  it('sends each VirtualService whole as a route table, without its source file', () => {
    expect(names(snapshot, TYPE_URLS.routes)).toEqual(['default/reviews']);
    const table = bodyOf<RouteTableBody>(snapshot, TYPE_URLS.routes, 'default/reviews');
    expect(table.order).toBe(3);
    expect(table.virtualService.spec.http?.[0]?.route?.[0]?.destination).toEqual({
      host: 'reviews',
      subset: 'v1',
    });
    expect(table.virtualService).not.toHaveProperty('source');
    expect(resourcesOf(BOOKINFO_RULES)[2]).toHaveProperty('source');
  });

  it('gives the proxy an outbound listener and an inbound listener and cluster for its own port', () => {
    expect(names(snapshot, TYPE_URLS.listeners)).toEqual(['inbound|9080', 'outbound']);
    expect(bodyOf<InboundListener>(snapshot, TYPE_URLS.listeners, 'inbound|9080')).toEqual({
      name: 'inbound|9080',
      direction: 'inbound',
      port: 9080,
      bindPort: 9080,
      protocol: 'HTTP',
      targetPort: 19080,
      cluster: 'inbound|9080||',
    });
    expect(bodyOf<ClusterBody>(snapshot, TYPE_URLS.clusters, 'inbound|9080||')).toMatchObject({
      direction: 'inbound',
      host: '10.0.0.1',
      port: { number: 19080, protocol: 'HTTP', name: 'http' },
      subset: '',
      destinationRule: '',
    });
    expect(endpointsOf(snapshot, 'inbound|9080||')).toEqual([
      expect.objectContaining({
        address: '127.0.0.1',
        port: 19080,
        ready: true,
        source: 'workload default/productpage-v1',
      }),
    ]);
  });

  it('sends the endpoint of an unready workload as not ready', () => {
    const registry = registryOf(
      ...Object.values(BOOKINFO).filter((w) => w !== BOOKINFO.reviewsV2),
      { ...BOOKINFO.reviewsV2, ready: false },
    );
    const snap = buildSnapshot(configOf(BOOKINFO_RULES), registry, productpage);
    expect(endpointsOf(snap, `outbound|9080|v2|${REVIEWS}`)).toEqual([
      expect.objectContaining({ address: '10.0.0.4', ready: false }),
    ]);
    expect(endpointsOf(snap, `outbound|9080||${REVIEWS}`).map((e) => [e.address, e.ready])).toEqual(
      [
        ['10.0.0.3', true],
        ['10.0.0.4', false],
        ['10.0.0.5', true],
      ],
    );
  });

  it('groups workloads by service.mesh.dev/name before app, under the configured domain', () => {
    const registry = registryOf(
      workload('reviews-v1', '10.0.0.3', {
        labels: { app: 'reviews', version: 'v1', 'service.mesh.dev/name': 'critiques' },
      }),
      workload('ratings-v1', '10.0.0.6', { labels: {} }),
    );
    const snap = buildSnapshot({ resources: [] }, registry, productpage, {
      domain: 'svc.mesh.test',
    });
    expect(names(snap, TYPE_URLS.clusters)).toEqual([
      'inbound|9080||',
      'outbound|9080||critiques.default.svc.mesh.test',
      'outbound|9080||ratings-v1.default.svc.mesh.test',
    ]);
  });
});

describe('buildSnapshot delegate VirtualServices', () => {
  it('sends the delegates a sent VirtualService names, and no others', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
    - match: [{ uri: { prefix: /v2 } }]
      delegate: { name: reviews-v2, namespace: team-a }
    - match: [{ uri: { prefix: /hidden } }]
      delegate: { name: private, namespace: team-a }
    - route:
        - destination: { host: reviews }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-v2, namespace: team-a }
spec:
  http:
    - route:
        - destination: { host: reviews.default.svc.cluster.local, subset: v2 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: private, namespace: team-a }
spec:
  exportTo: ["."]
  http:
    - route:
        - destination: { host: reviews.default.svc.cluster.local, subset: v3 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: unused, namespace: team-a }
spec:
  http:
    - route:
        - destination: { host: ratings.default.svc.cluster.local }
`;
    const snap = buildSnapshot(configOf(yaml), BOOKINFO_REGISTRY, productpage);
    expect(names(snap, TYPE_URLS.routes)).toEqual(['default/reviews', 'team-a/reviews-v2']);
  });
});

describe('buildSnapshot versions', () => {
  const changedReviews = BOOKINFO_RULES.replace(
    'destination: { host: reviews, subset: v1 }',
    'destination: { host: reviews, subset: v2 }',
  );
  const withDetailsVs = `${BOOKINFO_RULES}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: details, namespace: default }
spec:
  hosts: [details]
  http:
    - route:
        - destination: { host: details }
`;

  it('share the outbound part between proxies of one scope, built once per world', () => {
    const config = configOf(BOOKINFO_RULES);
    const a = buildSnapshot(config, BOOKINFO_REGISTRY, nodeOf(BOOKINFO.reviewsV1));
    const b = buildSnapshot(config, BOOKINFO_REGISTRY, nodeOf(BOOKINFO.ratings));
    expect(b[TYPE_URLS.routes]).toBe(a[TYPE_URLS.routes]);
    // Each keeps its own inbound cluster beside the shared outbound ones.
    expect(names(a, TYPE_URLS.clusters)).toContain('inbound|9080||');
    expect(a[TYPE_URLS.clusters].resources.filter((r) => r.name.startsWith('outbound'))).toEqual(
      b[TYPE_URLS.clusters].resources.filter((r) => r.name.startsWith('outbound')),
    );
    // A new world (a changed view object) is built afresh.
    const changed = buildSnapshot(
      configOf(changedReviews),
      BOOKINFO_REGISTRY,
      nodeOf(BOOKINFO.ratings),
    );
    expect(changed[TYPE_URLS.routes]).not.toBe(a[TYPE_URLS.routes]);
    expect(changed[TYPE_URLS.routes].version).not.toBe(a[TYPE_URLS.routes].version);
  });

  it('do not depend on what the builder promises not to read: id, version, readiness', () => {
    const a = bookinfoSnapshot();
    const b = buildSnapshot(configOf(BOOKINFO_RULES), BOOKINFO_REGISTRY, {
      ...productpage,
      id: 'productpage-v1-other.default',
      proxyVersion: '9.9.9',
      ready: !productpage.ready,
      serviceAccount: 'someone-else',
    });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('are identical for the same input', () => {
    const a = bookinfoSnapshot(withDetailsVs);
    const b = bookinfoSnapshot(withDetailsVs);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    for (const type of Object.values(TYPE_URLS)) expect(b[type].version).toBe(a[type].version);
  });

  it('change only for the VirtualService that changed and the route set', () => {
    const before = bookinfoSnapshot(withDetailsVs);
    const after = bookinfoSnapshot(withDetailsVs.replace(BOOKINFO_RULES, changedReviews));
    expect(changedReviews).not.toBe(BOOKINFO_RULES);
    expect(after[TYPE_URLS.routes].version).not.toBe(before[TYPE_URLS.routes].version);
    const routesBefore = versionsOf(before, TYPE_URLS.routes);
    const routesAfter = versionsOf(after, TYPE_URLS.routes);
    expect(routesAfter['default/reviews']).not.toBe(routesBefore['default/reviews']);
    expect(routesAfter['default/details']).toBe(routesBefore['default/details']);
    for (const type of [TYPE_URLS.clusters, TYPE_URLS.endpoints, TYPE_URLS.listeners]) {
      expect(after[type].version).toBe(before[type].version);
      expect(versionsOf(after, type)).toEqual(versionsOf(before, type));
    }
  });

  it('do not depend on the order a proxy sent its labels in', () => {
    const reordered = registryOf(
      ...Object.values(BOOKINFO).map((w) => ({
        ...w,
        labels: Object.fromEntries(Object.entries(w.labels).reverse()),
      })),
    );
    const a = bookinfoSnapshot();
    const b = buildSnapshot(configOf(BOOKINFO_RULES), reordered, productpage);
    expect(b[TYPE_URLS.endpoints].version).toBe(a[TYPE_URLS.endpoints].version);
  });

  it('follow the endpoints: a workload going away changes the endpoints of its clusters only', () => {
    const a = bookinfoSnapshot();
    const registry = registryOf(...Object.values(BOOKINFO).filter((w) => w !== BOOKINFO.reviewsV3));
    const b = buildSnapshot(configOf(BOOKINFO_RULES), registry, productpage);
    const before = versionsOf(a, TYPE_URLS.endpoints);
    const after = versionsOf(b, TYPE_URLS.endpoints);
    const changed = Object.keys(before).filter((n) => before[n] !== after[n]);
    expect(changed.sort()).toEqual([`outbound|9080|v3|${REVIEWS}`, `outbound|9080||${REVIEWS}`]);
    expect(b[TYPE_URLS.clusters].version).toBe(a[TYPE_URLS.clusters].version);
  });
});

describe('buildSnapshot with bad stored config', () => {
  it('never throws, and one bad resource does not cost the others', () => {
    const yaml = `${BOOKINFO_RULES}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ghost, namespace: default }
spec:
  host: nowhere.example.com
  subsets:
    - { name: v9, labels: { version: v9 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: root, namespace: default }
spec:
  hosts: [details]
  http:
    - match: [{ uri: { prefix: /a } }]
      delegate: { name: missing }
    - route:
        - destination: { host: nowhere.example.com, subset: v9 }
`;
    const config = configOf(yaml);
    // Bypassing validation, as a store written by an older release might.
    const broken = storedConfig([
      ...config.resources.map((s) => s.resource),
      ...resourcesOf(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: empty, namespace: default }
spec:
  hosts: [empty.example.com]
`),
    ]);
    const snap = buildSnapshot(broken, BOOKINFO_REGISTRY, productpage);
    expect(names(snap, TYPE_URLS.clusters)).toContain(`outbound|9080|v2|${REVIEWS}`);
    expect(names(snap, TYPE_URLS.clusters).some((n) => n.includes('nowhere'))).toBe(false);
    expect(names(snap, TYPE_URLS.routes)).toEqual(['default/reviews', 'default/root']);
  });

  it('survives resources that break the builder while it reads them', () => {
    const resources = resourcesOf(BOOKINFO_RULES);
    const poisoned = new Proxy(resources[0]!, {
      get(target, key, receiver) {
        if (key === 'spec') throw new Error('corrupt');
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const snap = buildSnapshot(
      storedConfig([poisoned, ...resources.slice(1)]),
      BOOKINFO_REGISTRY,
      productpage,
    );
    expect(names(snap, TYPE_URLS.clusters)).toContain(`outbound|9080|v1|${RATINGS}`);
    expect(names(snap, TYPE_URLS.routes)).toEqual(['default/reviews']);
  });
});

describe('buildSnapshot over the shipped Bookinfo samples', () => {
  const dir = join(__dirname, '..', '..', '..', '..', 'samples', 'bookinfo');
  const yaml = ['destination-rule-all.yaml', 'virtual-service-all-v1.yaml', 'bookinfo-gateway.yaml']
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n---\n');

  it('routes every service to v1 and gives the ingress gateway its listener and VirtualService', () => {
    const config = configOf(yaml);
    const sidecar = buildSnapshot(config, BOOKINFO_REGISTRY, productpage);
    expect(names(sidecar, TYPE_URLS.routes)).toEqual([
      'default/details',
      'default/productpage',
      'default/ratings',
      'default/reviews',
    ]);
    expect(endpointsOf(sidecar, `outbound|9080|v1|${REVIEWS}`).map((e) => e.address)).toEqual([
      '10.0.0.3',
    ]);
    expect(endpointsOf(sidecar, `outbound|9080|v2|${RATINGS}`)).toEqual([]);

    const ingress = workload('istio-ingressgateway', '10.0.9.1', {
      namespace: 'istio-system',
      labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
      ports: [],
    });
    const gateway = buildSnapshot(
      config,
      registryOf(...BOOKINFO_REGISTRY.workloads, ingress),
      nodeOf(ingress),
    );
    expect(names(gateway, TYPE_URLS.listeners)).toEqual(['gateway|8080', 'outbound']);
    expect(names(gateway, TYPE_URLS.routes)).toContain('default/bookinfo');
    const listener = bodyOf<ListenerBody>(gateway, TYPE_URLS.listeners, 'gateway|8080');
    expect(listener).toMatchObject({
      protocol: 'HTTP',
      servers: [{ gateway: 'default/bookinfo-gateway', hosts: ['*'] }],
    });
  });
});
