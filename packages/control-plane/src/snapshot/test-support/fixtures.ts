// Test helpers: Istio YAML in (parsed and validated as the config API would), stored config,
// registered workloads and proxies out, plus readers for a snapshot's bodies.
import { TYPE_URLS, type TypeUrl, type WorkloadPort } from '@mesh/proto';
import { formatDiagnostic, parseResources, validateResource, type Resource } from '@mesh/rules';
import type {
  ConfigView,
  ProxyNode,
  ProxySnapshot,
  RegistryView,
  WorkloadRecord,
} from '../../model.js';

/** Parses and validates like the config API; any error fails the test that wrote the YAML. */
export function resourcesOf(yaml: string, file = 'test.yaml'): Resource[] {
  const { resources, diagnostics } = parseResources(yaml, { file });
  const problems = [...diagnostics, ...resources.flatMap((r) => validateResource(r))].filter(
    (d) => d.severity === 'error',
  );
  if (problems.length > 0) throw new Error(problems.map(formatDiagnostic).join('\n'));
  return resources;
}

/** Stored config in the order given, create revisions counting up from `firstRevision`. */
export function configOf(yaml: string, firstRevision = 1): ConfigView {
  return storedConfig(resourcesOf(yaml), firstRevision);
}

export function storedConfig(resources: readonly Resource[], firstRevision = 1): ConfigView {
  return {
    resources: resources.map((resource, i) => ({
      resource,
      resourceVersion: String(firstRevision + i),
      createRevision: firstRevision + i,
    })),
  };
}

export function httpPort(number: number, targetPort = 0): WorkloadPort {
  return { name: 'http', number, protocol: '', targetPort, endpointPort: 0 };
}

export function workload(
  name: string,
  address: string,
  overrides: Partial<WorkloadRecord> = {},
): WorkloadRecord {
  const [app = name, version = 'v1'] = name.split('-');
  const namespace = overrides.namespace ?? 'default';
  return {
    proxyId: `${name}.${namespace}`,
    workloadName: name,
    namespace,
    labels: { app, version },
    serviceAccount: `bookinfo-${app}`,
    addresses: [address],
    ports: [httpPort(9080)],
    proxyVersion: '0.1.0',
    ready: true,
    locality: '',
    controlPlane: 'control-plane-0',
    ...overrides,
  };
}

/** The node a registered workload's proxy sends. */
export function nodeOf(w: WorkloadRecord): ProxyNode {
  return {
    id: w.proxyId,
    workloadName: w.workloadName,
    namespace: w.namespace,
    labels: w.labels,
    serviceAccount: w.serviceAccount,
    addresses: w.addresses,
    ports: w.ports,
    proxyVersion: w.proxyVersion,
    ready: w.ready,
    locality: w.locality,
  };
}

export function registryOf(...workloads: WorkloadRecord[]): RegistryView {
  return {
    workloads: [...workloads].sort(
      (a, b) =>
        a.namespace.localeCompare(b.namespace, 'en') || a.proxyId.localeCompare(b.proxyId, 'en'),
    ),
  };
}

/** Bookinfo as registered proxies: one address each, all on port 9080. */
export const BOOKINFO = {
  productpage: workload('productpage-v1', '10.0.0.1', {
    // The app binds 19080 behind its proxy's inbound port 9080.
    ports: [httpPort(9080, 19080)],
  }),
  details: workload('details-v1', '10.0.0.2'),
  reviewsV1: workload('reviews-v1', '10.0.0.3'),
  reviewsV2: workload('reviews-v2', '10.0.0.4'),
  reviewsV3: workload('reviews-v3', '10.0.0.5'),
  ratings: workload('ratings-v1', '10.0.0.6'),
} as const;

export const BOOKINFO_REGISTRY = registryOf(...Object.values(BOOKINFO));

export const BOOKINFO_RULES = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: { simple: RANDOM }
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
    - name: v3
      labels: { version: v3 }
      trafficPolicy:
        loadBalancer: { simple: ROUND_ROBIN }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: default }
spec:
  host: ratings
  subsets:
    - { name: v1, labels: { version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: { host: reviews, subset: v1 }
`;

export const REVIEWS = 'reviews.default.svc.cluster.local';
export const RATINGS = 'ratings.default.svc.cluster.local';
export const DETAILS = 'details.default.svc.cluster.local';
export const PRODUCTPAGE = 'productpage.default.svc.cluster.local';

export function names(snapshot: ProxySnapshot, type: TypeUrl): string[] {
  return snapshot[type].resources.map((r) => r.name);
}

/** The body of one resource; a missing resource fails the test. */
export function bodyOf<T>(snapshot: ProxySnapshot, type: TypeUrl, name: string): T {
  const found = snapshot[type].resources.find((r) => r.name === name);
  if (!found)
    throw new Error(`no ${type} resource ${name}; have ${names(snapshot, type).join(', ')}`);
  return found.body as T;
}

/** Versions by resource name, for comparing two snapshots. */
export function versionsOf(snapshot: ProxySnapshot, type: TypeUrl): Record<string, string> {
  return Object.fromEntries(snapshot[type].resources.map((r) => [r.name, r.version]));
}

export { TYPE_URLS };
