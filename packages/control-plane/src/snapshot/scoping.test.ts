import type { ClusterBody } from '@mesh/proto';
import { buildSnapshot } from './index.js';
import {
  BOOKINFO,
  BOOKINFO_REGISTRY,
  BOOKINFO_RULES,
  bodyOf,
  configOf,
  names,
  nodeOf,
  RATINGS,
  registryOf,
  REVIEWS,
  TYPE_URLS,
  workload,
} from './test-support/fixtures.js';

const TELEMETRY = 'telemetry.istio-system.svc.cluster.local';
const INVENTORY = 'inventory.other.svc.cluster.local';
const AUDIT = 'audit.other.svc.cluster.local';

const telemetry = workload('telemetry-v1', '10.0.1.1', { namespace: 'istio-system' });
const inventory = workload('inventory-v1', '10.0.2.1', { namespace: 'other' });
const audit = workload('audit-v1', '10.0.2.2', { namespace: 'other' });
const registry = registryOf(...BOOKINFO_REGISTRY.workloads, telemetry, inventory, audit);

const productpage = nodeOf(BOOKINFO.productpage);
const reviews = nodeOf(BOOKINFO.reviewsV1);
const inOther = nodeOf(inventory);

/** Host of every outbound cluster without a subset: the services the proxy imports. */
function servicesSeen(yaml: string, node = productpage): string[] {
  const snap = buildSnapshot(configOf(yaml), registry, node);
  return names(snap, TYPE_URLS.clusters)
    .filter((n) => n.startsWith('outbound|') && n.split('|')[2] === '')
    .map((n) => n.split('|')[3] ?? '')
    .sort();
}

function routesSeen(yaml: string, node = productpage): string[] {
  return names(buildSnapshot(configOf(yaml), registry, node), TYPE_URLS.routes);
}

const ALL = [
  AUDIT,
  'details.default.svc.cluster.local',
  INVENTORY,
  'productpage.default.svc.cluster.local',
  RATINGS,
  REVIEWS,
  TELEMETRY,
].sort();

const INVENTORY_VS = `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: inventory, namespace: other }
spec:
  hosts: [inventory]
  http:
    - route:
        - destination: { host: inventory }
`;

describe('exportTo', () => {
  it('hides a VirtualService exported only to its own namespace from other namespaces', () => {
    const yaml = `${BOOKINFO_RULES}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: private, namespace: other }
spec:
  hosts: [reviews.default.svc.cluster.local]
  exportTo: ["."]
  http:
    - route:
        - destination: { host: reviews.default.svc.cluster.local, subset: v2 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shared, namespace: other }
spec:
  hosts: [audit]
  exportTo: [default]
  http:
    - route:
        - destination: { host: audit }
`;
    expect(routesSeen(yaml)).toEqual(['default/reviews', 'other/shared']);
    expect(routesSeen(yaml, inOther)).toEqual(['default/reviews', 'other/private']);
  });

  it('hides a ServiceEntry exported only to its own namespace', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: payments, namespace: other }
spec:
  hosts: [payments.example.com]
  exportTo: ["."]
  location: MESH_EXTERNAL
  ports: [{ number: 443, name: https, protocol: HTTPS }]
  resolution: DNS
`;
    expect(servicesSeen(yaml)).toEqual(ALL);
    expect(servicesSeen(yaml, inOther)).toEqual([...ALL, 'payments.example.com'].sort());
  });

  it('hides a DestinationRule exported only to its own namespace', () => {
    const yaml = BOOKINFO_RULES.replace(
      'spec:\n  host: ratings\n',
      'spec:\n  host: ratings\n  exportTo: ["."]\n',
    );
    expect(yaml).not.toBe(BOOKINFO_RULES);
    const mine = buildSnapshot(configOf(yaml), registry, productpage);
    const theirs = buildSnapshot(configOf(yaml), registry, inOther);
    expect(names(mine, TYPE_URLS.clusters)).toContain(`outbound|9080|v1|${RATINGS}`);
    expect(names(theirs, TYPE_URLS.clusters)).not.toContain(`outbound|9080|v1|${RATINGS}`);
    expect(
      bodyOf<ClusterBody>(theirs, TYPE_URLS.clusters, `outbound|9080||${RATINGS}`).destinationRule,
    ).toBe('');
  });

  it("uses the caller's namespace DestinationRule before the service's", () => {
    const yaml = `${BOOKINFO_RULES}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews-here, namespace: other }
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
  subsets:
    - { name: old, labels: { version: v1 } }
`;
    const theirs = buildSnapshot(configOf(yaml), registry, inOther);
    const clusters = names(theirs, TYPE_URLS.clusters).filter((n) => n.endsWith(REVIEWS));
    expect(clusters).toEqual([`outbound|9080|old|${REVIEWS}`, `outbound|9080||${REVIEWS}`]);
    expect(
      bodyOf<ClusterBody>(theirs, TYPE_URLS.clusters, `outbound|9080||${REVIEWS}`),
    ).toMatchObject({
      destinationRule: 'other/reviews-here',
      trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } },
    });
  });
});

describe('Sidecar egress scoping', () => {
  const NAMESPACE_SIDECAR = `
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  egress:
    - hosts: ["./*", "istio-system/*"]
`;

  it('keeps only services and VirtualServices of the listed namespaces', () => {
    const yaml = `${BOOKINFO_RULES}${INVENTORY_VS}${NAMESPACE_SIDECAR}`;
    expect(servicesSeen(yaml)).toEqual(ALL.filter((h) => !h.endsWith('.other.svc.cluster.local')));
    expect(routesSeen(yaml)).toEqual(['default/reviews']);
    // Proxies of a namespace without a Sidecar import everything visible.
    expect(servicesSeen(yaml, inOther)).toEqual(ALL);
    expect(routesSeen(yaml, inOther)).toEqual(['default/reviews', 'other/inventory']);
  });

  it('lets a Sidecar selecting the workload win over the namespace-wide one', () => {
    const yaml = `${BOOKINFO_RULES}${INVENTORY_VS}${NAMESPACE_SIDECAR}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: productpage, namespace: default }
spec:
  workloadSelector:
    labels: { app: productpage }
  egress:
    - hosts: ["other/inventory.other.svc.cluster.local"]
`;
    expect(servicesSeen(yaml)).toEqual([INVENTORY]);
    expect(routesSeen(yaml)).toEqual(['other/inventory']);
    expect(servicesSeen(yaml, reviews)).toEqual(
      ALL.filter((h) => !h.endsWith('.other.svc.cluster.local')),
    );
  });

  it("applies the root namespace's Sidecar where a namespace has none, '.' being the proxy's namespace", () => {
    const yaml = `${BOOKINFO_RULES}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: istio-system }
spec:
  egress:
    - hosts: ["./*"]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  egress:
    - hosts: ["*/*.default.svc.cluster.local"]
`;
    expect(servicesSeen(yaml, inOther)).toEqual([AUDIT, INVENTORY]);
    expect(servicesSeen(yaml)).toEqual(ALL.filter((h) => h.endsWith('.default.svc.cluster.local')));
    const rooted = buildSnapshot(configOf(yaml), registry, productpage, {
      rootNamespace: 'other',
    });
    expect(names(rooted, TYPE_URLS.clusters)).not.toContain(`outbound|9080||${INVENTORY}`);
  });

  it('takes the oldest of two namespace-wide Sidecars', () => {
    const second = `
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: later, namespace: default }
spec:
  egress:
    - hosts: ["other/*"]
`;
    expect(servicesSeen(`${NAMESPACE_SIDECAR}${second}`)).toEqual(
      ALL.filter((h) => !h.endsWith('.other.svc.cluster.local')),
    );
    expect(servicesSeen(`${second}${NAMESPACE_SIDECAR}`)).toEqual([AUDIT, INVENTORY]);
  });

  it('imports the services its VirtualServices route or mirror to, as Istio does', () => {
    const yaml = `${NAMESPACE_SIDECAR}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: { host: reviews }
      mirror: { host: inventory.other.svc.cluster.local }
`;
    const seen = servicesSeen(yaml);
    expect(seen).toContain(INVENTORY);
    expect(seen).not.toContain(AUDIT);
  });

  it("imports nothing from '~'", () => {
    const yaml = `${BOOKINFO_RULES}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  egress:
    - hosts: ["~/*"]
`;
    expect(servicesSeen(yaml)).toEqual([]);
    expect(routesSeen(yaml)).toEqual([]);
  });
});

describe('hosts declared in several namespaces', () => {
  it("give a proxy the declaration in its own namespace, else the first one's", () => {
    const entry = (ns: string, address: string) => `
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: legacy, namespace: ${ns} }
spec:
  hosts: [legacy.example.com]
  ports: [{ number: 80, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: ${address} }]
`;
    const yaml = `${entry('team-a', '192.0.2.1')}${entry('other', '192.0.2.2')}`;
    const endpointsFor = (node = productpage) =>
      bodyOf<ClusterBody>(
        buildSnapshot(configOf(yaml), registry, node),
        TYPE_URLS.clusters,
        'outbound|80||legacy.example.com',
      ).serviceNamespace;
    expect(endpointsFor()).toBe('team-a');
    expect(endpointsFor(inOther)).toBe('other');
  });
});
