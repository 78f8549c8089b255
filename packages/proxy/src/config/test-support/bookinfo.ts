// A Bookinfo-like config as the control plane would send it to productpage's sidecar: bodies,
// responses and the held config they add up to.
import {
  makeResource,
  TYPE_URLS,
  type ClusterBody,
  type DiscoveryResponse,
  type EndpointBody,
  type EndpointsBody,
  type ListenerBody,
  type RouteTableBody,
  type TypeUrl,
} from '@mesh/proto';
import { outboundClusterName, type VirtualService } from '@mesh/rules';
import type { HeldConfig, TypeState } from '../types.js';

export const REVIEWS = 'reviews.default.svc.cluster.local';
export const RATINGS = 'ratings.default.svc.cluster.local';

export function cluster(host: string, subset = '', port = 9080): ClusterBody {
  return {
    name: outboundClusterName(port, subset, host),
    direction: 'outbound',
    host,
    port: { number: port, protocol: 'HTTP', name: 'http' },
    subset,
    serviceNamespace: 'default',
    exportTo: ['*'],
    resolution: 'STATIC',
    trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } },
    destinationRule: subset ? 'default/reviews' : '',
  };
}

export function endpoint(port: number, overrides: Partial<EndpointBody> = {}): EndpointBody {
  return {
    address: '127.0.0.1',
    port,
    labels: {},
    ready: true,
    weight: 1,
    locality: '',
    source: `proxy p${port}.default`,
    ...overrides,
  };
}

export function endpointsOf(body: ClusterBody, endpoints: EndpointBody[]): EndpointsBody {
  return { cluster: body.name, endpoints };
}

export function virtualService(name: string, spec: VirtualService['spec']): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec,
  };
}

export function routeTable(vs: VirtualService, order: number): RouteTableBody {
  return { name: `${vs.metadata.namespace}/${vs.metadata.name}`, order, virtualService: vs };
}

/** reviews: `end-user: jason` goes to v2, everyone else to v1 (Bookinfo's reviews-test-v2). */
export const reviewsVs = virtualService('reviews', {
  hosts: ['reviews'],
  http: [
    {
      match: [{ headers: { 'end-user': { exact: 'jason' } } }],
      route: [{ destination: { host: 'reviews', subset: 'v2' } }],
    },
    { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
  ],
});

export const clusters: ClusterBody[] = [
  cluster(REVIEWS),
  cluster(REVIEWS, 'v1'),
  cluster(REVIEWS, 'v2'),
  cluster(RATINGS),
];

/** reviews v1 has one ready and one draining endpoint; v2 one ready. */
export const endpoints: EndpointsBody[] = [
  endpointsOf(clusters[0]!, [endpoint(20001), endpoint(20002, { ready: false }), endpoint(20003)]),
  endpointsOf(clusters[1]!, [endpoint(20001), endpoint(20002, { ready: false })]),
  endpointsOf(clusters[2]!, [endpoint(20003)]),
  endpointsOf(clusters[3]!, [endpoint(20004)]),
];

export const listeners: ListenerBody[] = [
  { name: 'outbound', direction: 'outbound' },
  {
    name: 'inbound|9080',
    direction: 'inbound',
    port: 9080,
    bindPort: 20000,
    protocol: 'HTTP',
    targetPort: 9080,
    cluster: 'inbound|9080||',
  },
];

export const routes: RouteTableBody[] = [routeTable(reviewsVs, 1)];

/** Name of each body, as the control plane names its resource. */
export function nameOf(type: TypeUrl, body: unknown): string {
  if (type === TYPE_URLS.endpoints) return (body as EndpointsBody).cluster;
  return (body as { name: string }).name;
}

let nonce = 0;

/** A state-of-the-world response carrying `bodies`. */
export function responseOf(
  type: TypeUrl,
  bodies: readonly unknown[],
  versionInfo: string,
): DiscoveryResponse {
  return {
    typeUrl: type,
    versionInfo,
    nonce: `n${++nonce}`,
    resources: bodies.map((b) => makeResource(nameOf(type, b), b)),
    removedResources: [],
    incremental: false,
  };
}

/** The four responses of the Bookinfo config, in make-before-break order. */
export function bookinfoResponses(version = 'v1'): DiscoveryResponse[] {
  return [
    responseOf(TYPE_URLS.clusters, clusters, version),
    responseOf(TYPE_URLS.endpoints, endpoints, version),
    responseOf(TYPE_URLS.listeners, listeners, version),
    responseOf(TYPE_URLS.routes, routes, version),
  ];
}

function stateOf<T>(type: TypeUrl, bodies: readonly T[], version: string): TypeState<T> {
  return {
    version,
    resources: new Map(
      bodies.map((b) => {
        const r = makeResource(nameOf(type, b), b);
        return [r.name, { version: r.version, body: b }];
      }),
    ),
  };
}

export function bookinfoHeld(version = 'v1'): HeldConfig {
  return {
    listeners: stateOf(TYPE_URLS.listeners, listeners, version),
    routes: stateOf(TYPE_URLS.routes, routes, version),
    clusters: stateOf(TYPE_URLS.clusters, clusters, version),
    endpoints: stateOf(TYPE_URLS.endpoints, endpoints, version),
  };
}
