// Recorded, not written by hand: a real mesh-control-plane with real mesh-proxy processes for
// Bookinfo-like workloads in namespace bookinfo (productpage-v1, reviews-v1/v2/v3, ratings-v1, and
// an ingress gateway proxy), with a DestinationRule for reviews (ROUND_ROBIN, subset v2 on a
// consistent hash), VirtualServices reviews (end-user jason -> v2, else v1/v3 50/50), ratings and
// a Gateway-bound bookinfo. reviews-v3 was draining (SIGTERM with a request in flight), so the
// control plane sent its endpoints as not ready. Recorded from productpage-v1-1.bookinfo's admin
// port (/config_dump, /clusters), the gateway proxy's /config_dump, and the control plane's
// /debug/snapshotz. The types make a shape change in @mesh/proto break this file's typecheck.
import type {
  ClusterBody,
  EndpointsBody,
  ListenerBody,
  RouteTableBody,
  TypeUrl,
} from '@mesh/proto';
import type { LiveCluster } from '../proxy-config-source.js';

interface Section<T> {
  version: string;
  resources: { name: string; version: string; body: T }[];
}

/** The admin port's /config_dump (packages/proxy/src/proxy.ts configDump). */
export interface ConfigDump {
  generation: number;
  listeners: Section<ListenerBody>;
  routes: Section<RouteTableBody>;
  clusters: Section<ClusterBody>;
  endpoints: Section<EndpointsBody>;
}

/** /config_dump of productpage-v1-1.bookinfo (a sidecar: outbound and inbound|9080). */
export const PRODUCTPAGE_CONFIG_DUMP: ConfigDump = {
  generation: 6,
  listeners: {
    version: '809b14ae6ab89bbd',
    resources: [
      {
        name: 'inbound|9080',
        version: '8cdf67cd7764248f',
        body: {
          name: 'inbound|9080',
          direction: 'inbound',
          port: 9080,
          bindPort: 20080,
          protocol: 'HTTP',
          targetPort: 19080,
          cluster: 'inbound|9080||',
        },
      },
      {
        name: 'outbound',
        version: '11f7bc74b70ac24a',
        body: {
          name: 'outbound',
          direction: 'outbound',
        },
      },
    ],
  },
  routes: {
    version: '6ae40eb10df2c080',
    resources: [
      {
        name: 'bookinfo/ratings',
        version: 'd8a6df8a41fa0a21',
        body: {
          name: 'bookinfo/ratings',
          order: 3,
          virtualService: {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: {
              name: 'ratings',
              namespace: 'bookinfo',
            },
            spec: {
              hosts: ['ratings'],
              http: [
                {
                  match: [
                    {
                      uri: {
                        prefix: '/ratings',
                      },
                    },
                    {
                      uri: {
                        exact: '/health',
                      },
                    },
                  ],
                  route: [
                    {
                      destination: {
                        host: 'ratings',
                        port: {
                          number: 9080,
                        },
                      },
                    },
                  ],
                  timeout: '2s',
                },
              ],
            },
          },
        },
      },
      {
        name: 'bookinfo/reviews',
        version: '5ff0ac87725bfdb6',
        body: {
          name: 'bookinfo/reviews',
          order: 3,
          virtualService: {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: {
              name: 'reviews',
              namespace: 'bookinfo',
            },
            spec: {
              hosts: ['reviews'],
              http: [
                {
                  match: [
                    {
                      headers: {
                        'end-user': {
                          exact: 'jason',
                        },
                      },
                    },
                  ],
                  route: [
                    {
                      destination: {
                        host: 'reviews',
                        subset: 'v2',
                      },
                    },
                  ],
                },
                {
                  route: [
                    {
                      destination: {
                        host: 'reviews',
                        subset: 'v1',
                      },
                      weight: 50,
                    },
                    {
                      destination: {
                        host: 'reviews',
                        subset: 'v3',
                      },
                      weight: 50,
                    },
                  ],
                },
              ],
            },
          },
        },
      },
    ],
  },
  clusters: {
    version: '605da549180a6f73',
    resources: [
      {
        name: 'inbound|9080||',
        version: 'fa175e8d0b400ae3',
        body: {
          name: 'inbound|9080||',
          direction: 'inbound',
          host: '10.244.0.10',
          port: {
            number: 19080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: '',
          serviceNamespace: 'bookinfo',
          exportTo: ['.'],
          resolution: 'STATIC',
          trafficPolicy: {},
          destinationRule: '',
        },
      },
      {
        name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
        version: 'c85bd0dc9c3d5534',
        body: {
          name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'reviews.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: 'v1',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'ROUND_ROBIN',
            },
          },
          destinationRule: 'bookinfo/reviews',
        },
      },
      {
        name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
        version: 'ee5c0ed515ec041a',
        body: {
          name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'reviews.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: 'v2',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              consistentHash: {
                httpHeaderName: 'end-user',
              },
            },
          },
          destinationRule: 'bookinfo/reviews',
        },
      },
      {
        name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
        version: '3e93a9df7e24fd83',
        body: {
          name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'reviews.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: 'v3',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'ROUND_ROBIN',
            },
          },
          destinationRule: 'bookinfo/reviews',
        },
      },
      {
        name: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
        version: '44c21c7282a300fa',
        body: {
          name: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'productpage.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: '',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'LEAST_REQUEST',
            },
          },
          destinationRule: '',
        },
      },
      {
        name: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
        version: '118569be64b4c2cc',
        body: {
          name: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'ratings.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: '',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'LEAST_REQUEST',
            },
          },
          destinationRule: '',
        },
      },
      {
        name: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
        version: 'c5c9d3b124c7cf2d',
        body: {
          name: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'reviews.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: '',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'ROUND_ROBIN',
            },
          },
          destinationRule: 'bookinfo/reviews',
        },
      },
    ],
  },
  endpoints: {
    version: 'a4c9a7b775f182b8',
    resources: [
      {
        name: 'inbound|9080||',
        version: '9513eb20e7df50d0',
        body: {
          cluster: 'inbound|9080||',
          endpoints: [
            {
              address: '127.0.0.1',
              port: 19080,
              labels: {
                app: 'productpage',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'workload bookinfo/productpage-v1',
            },
          ],
        },
      },
      {
        name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
        version: 'cb05506b5e6c9526',
        body: {
          cluster: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.11',
              port: 20081,
              labels: {
                app: 'reviews',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v1-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
        version: '90851309ad6456a7',
        body: {
          cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.12',
              port: 20082,
              labels: {
                app: 'reviews',
                version: 'v2',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v2-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
        version: 'a24a7c8563a41735',
        body: {
          cluster: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.13',
              port: 20083,
              labels: {
                app: 'reviews',
                version: 'v3',
              },
              ready: false,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v3-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
        version: '7ab235850eccab67',
        body: {
          cluster: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.10',
              port: 20080,
              labels: {
                app: 'productpage',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy productpage-v1-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
        version: 'a488a7e6e8c86fbb',
        body: {
          cluster: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.14',
              port: 20084,
              labels: {
                app: 'ratings',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy ratings-v1-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
        version: '39c76bca218be7cc',
        body: {
          cluster: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.11',
              port: 20081,
              labels: {
                app: 'reviews',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v1-1.bookinfo',
            },
            {
              address: '10.244.0.12',
              port: 20082,
              labels: {
                app: 'reviews',
                version: 'v2',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v2-1.bookinfo',
            },
            {
              address: '10.244.0.13',
              port: 20083,
              labels: {
                app: 'reviews',
                version: 'v3',
              },
              ready: false,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v3-1.bookinfo',
            },
          ],
        },
      },
    ],
  },
};

/** /clusters of productpage-v1-1.bookinfo, recorded just after its /config_dump, as meshctl reads it. */
export const PRODUCTPAGE_CLUSTERS: LiveCluster[] = [
  {
    name: 'inbound|9080||',
    loadBalancer: 'LEAST_REQUEST',
    endpoints: [
      {
        address: '127.0.0.1:19080',
        ready: true,
        ejected: false,
        weight: 1,
        source: 'workload bookinfo/productpage-v1',
        activeRequests: 0,
      },
    ],
  },
  {
    name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
    loadBalancer: 'ROUND_ROBIN',
    endpoints: [
      {
        address: '10.244.0.11:20081',
        ready: true,
        ejected: false,
        weight: 1,
        source: 'proxy reviews-v1-1.bookinfo',
        activeRequests: 0,
      },
    ],
  },
  {
    name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
    loadBalancer: 'RING_HASH',
    endpoints: [
      {
        address: '10.244.0.12:20082',
        ready: true,
        ejected: false,
        weight: 1,
        source: 'proxy reviews-v2-1.bookinfo',
        activeRequests: 0,
      },
    ],
  },
  {
    name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
    loadBalancer: 'ROUND_ROBIN',
    endpoints: [
      {
        address: '10.244.0.13:20083',
        ready: false,
        ejected: false,
        weight: 1,
        source: 'proxy reviews-v3-1.bookinfo',
        activeRequests: 0,
      },
    ],
  },
  {
    name: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
    loadBalancer: 'LEAST_REQUEST',
    endpoints: [
      {
        address: '10.244.0.10:20080',
        ready: true,
        ejected: false,
        weight: 1,
        source: 'proxy productpage-v1-1.bookinfo',
        activeRequests: 0,
      },
    ],
  },
  {
    name: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
    loadBalancer: 'LEAST_REQUEST',
    endpoints: [
      {
        address: '10.244.0.14:20084',
        ready: true,
        ejected: false,
        weight: 1,
        source: 'proxy ratings-v1-1.bookinfo',
        activeRequests: 0,
      },
    ],
  },
  {
    name: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
    loadBalancer: 'ROUND_ROBIN',
    endpoints: [
      {
        address: '10.244.0.11:20081',
        ready: true,
        ejected: false,
        weight: 1,
        source: 'proxy reviews-v1-1.bookinfo',
        activeRequests: 0,
      },
      {
        address: '10.244.0.12:20082',
        ready: true,
        ejected: false,
        weight: 1,
        source: 'proxy reviews-v2-1.bookinfo',
        activeRequests: 0,
      },
      {
        address: '10.244.0.13:20083',
        ready: false,
        ejected: false,
        weight: 1,
        source: 'proxy reviews-v3-1.bookinfo',
        activeRequests: 0,
      },
    ],
  },
];

/** /config_dump of ingressgateway-1.istio-system (gateway|8080 for bookinfo/bookinfo-gateway). */
export const GATEWAY_CONFIG_DUMP: ConfigDump = {
  generation: 7,
  listeners: {
    version: '46691428002e9821',
    resources: [
      {
        name: 'gateway|8080',
        version: '24c14abd7609cca4',
        body: {
          name: 'gateway|8080',
          direction: 'gateway',
          port: 8080,
          protocol: 'HTTP',
          servers: [
            {
              gateway: 'bookinfo/bookinfo-gateway',
              hosts: ['*'],
            },
          ],
        },
      },
      {
        name: 'outbound',
        version: '11f7bc74b70ac24a',
        body: {
          name: 'outbound',
          direction: 'outbound',
        },
      },
    ],
  },
  routes: {
    version: 'e6b42aae03d69f31',
    resources: [
      {
        name: 'bookinfo/bookinfo',
        version: '1f23960e1ab13280',
        body: {
          name: 'bookinfo/bookinfo',
          order: 3,
          virtualService: {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: {
              name: 'bookinfo',
              namespace: 'bookinfo',
            },
            spec: {
              hosts: ['*'],
              gateways: ['bookinfo-gateway'],
              http: [
                {
                  match: [
                    {
                      uri: {
                        exact: '/productpage',
                      },
                    },
                    {
                      uri: {
                        prefix: '/static',
                      },
                    },
                  ],
                  route: [
                    {
                      destination: {
                        host: 'productpage',
                        port: {
                          number: 9080,
                        },
                      },
                    },
                  ],
                },
              ],
            },
          },
        },
      },
      {
        name: 'bookinfo/ratings',
        version: 'd8a6df8a41fa0a21',
        body: {
          name: 'bookinfo/ratings',
          order: 3,
          virtualService: {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: {
              name: 'ratings',
              namespace: 'bookinfo',
            },
            spec: {
              hosts: ['ratings'],
              http: [
                {
                  match: [
                    {
                      uri: {
                        prefix: '/ratings',
                      },
                    },
                    {
                      uri: {
                        exact: '/health',
                      },
                    },
                  ],
                  route: [
                    {
                      destination: {
                        host: 'ratings',
                        port: {
                          number: 9080,
                        },
                      },
                    },
                  ],
                  timeout: '2s',
                },
              ],
            },
          },
        },
      },
      {
        name: 'bookinfo/reviews',
        version: '5ff0ac87725bfdb6',
        body: {
          name: 'bookinfo/reviews',
          order: 3,
          virtualService: {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: {
              name: 'reviews',
              namespace: 'bookinfo',
            },
            spec: {
              hosts: ['reviews'],
              http: [
                {
                  match: [
                    {
                      headers: {
                        'end-user': {
                          exact: 'jason',
                        },
                      },
                    },
                  ],
                  route: [
                    {
                      destination: {
                        host: 'reviews',
                        subset: 'v2',
                      },
                    },
                  ],
                },
                {
                  route: [
                    {
                      destination: {
                        host: 'reviews',
                        subset: 'v1',
                      },
                      weight: 50,
                    },
                    {
                      destination: {
                        host: 'reviews',
                        subset: 'v3',
                      },
                      weight: 50,
                    },
                  ],
                },
              ],
            },
          },
        },
      },
    ],
  },
  clusters: {
    version: '5949b9809929f871',
    resources: [
      {
        name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
        version: 'c85bd0dc9c3d5534',
        body: {
          name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'reviews.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: 'v1',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'ROUND_ROBIN',
            },
          },
          destinationRule: 'bookinfo/reviews',
        },
      },
      {
        name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
        version: 'ee5c0ed515ec041a',
        body: {
          name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'reviews.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: 'v2',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              consistentHash: {
                httpHeaderName: 'end-user',
              },
            },
          },
          destinationRule: 'bookinfo/reviews',
        },
      },
      {
        name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
        version: '3e93a9df7e24fd83',
        body: {
          name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'reviews.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: 'v3',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'ROUND_ROBIN',
            },
          },
          destinationRule: 'bookinfo/reviews',
        },
      },
      {
        name: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
        version: 'c5c9d3b124c7cf2d',
        body: {
          name: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'reviews.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: '',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'ROUND_ROBIN',
            },
          },
          destinationRule: 'bookinfo/reviews',
        },
      },
      {
        name: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
        version: '44c21c7282a300fa',
        body: {
          name: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'productpage.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: '',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'LEAST_REQUEST',
            },
          },
          destinationRule: '',
        },
      },
      {
        name: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
        version: '118569be64b4c2cc',
        body: {
          name: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
          direction: 'outbound',
          host: 'ratings.bookinfo.svc.cluster.local',
          port: {
            number: 9080,
            protocol: 'HTTP',
            name: 'http',
          },
          subset: '',
          serviceNamespace: 'bookinfo',
          exportTo: ['*'],
          resolution: 'STATIC',
          trafficPolicy: {
            loadBalancer: {
              simple: 'LEAST_REQUEST',
            },
          },
          destinationRule: '',
        },
      },
    ],
  },
  endpoints: {
    version: '399e90c1d0834340',
    resources: [
      {
        name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
        version: 'cb05506b5e6c9526',
        body: {
          cluster: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.11',
              port: 20081,
              labels: {
                app: 'reviews',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v1-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
        version: '90851309ad6456a7',
        body: {
          cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.12',
              port: 20082,
              labels: {
                app: 'reviews',
                version: 'v2',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v2-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
        version: 'a24a7c8563a41735',
        body: {
          cluster: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.13',
              port: 20083,
              labels: {
                app: 'reviews',
                version: 'v3',
              },
              ready: false,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v3-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
        version: '39c76bca218be7cc',
        body: {
          cluster: 'outbound|9080||reviews.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.11',
              port: 20081,
              labels: {
                app: 'reviews',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v1-1.bookinfo',
            },
            {
              address: '10.244.0.12',
              port: 20082,
              labels: {
                app: 'reviews',
                version: 'v2',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v2-1.bookinfo',
            },
            {
              address: '10.244.0.13',
              port: 20083,
              labels: {
                app: 'reviews',
                version: 'v3',
              },
              ready: false,
              weight: 1,
              locality: '',
              source: 'proxy reviews-v3-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
        version: '7ab235850eccab67',
        body: {
          cluster: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.10',
              port: 20080,
              labels: {
                app: 'productpage',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy productpage-v1-1.bookinfo',
            },
          ],
        },
      },
      {
        name: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
        version: 'a488a7e6e8c86fbb',
        body: {
          cluster: 'outbound|9080||ratings.bookinfo.svc.cluster.local',
          endpoints: [
            {
              address: '10.244.0.14',
              port: 20084,
              labels: {
                app: 'ratings',
                version: 'v1',
              },
              ready: true,
              weight: 1,
              locality: '',
              source: 'proxy ratings-v1-1.bookinfo',
            },
          ],
        },
      },
    ],
  },
};

/** /debug/snapshotz for a proxy id that is not connected. */
export const NOT_CONNECTED_SNAPSHOTZ = {
  error: 'no proxy "ghost-1.bookinfo" is connected to control-plane-0',
};

const TYPE_URL = {
  listeners: 'type.mesh.dev/mesh.v1.Listener',
  routes: 'type.mesh.dev/mesh.v1.RouteTable',
  clusters: 'type.mesh.dev/mesh.v1.Cluster',
  endpoints: 'type.mesh.dev/mesh.v1.Endpoints',
} as const satisfies Record<string, TypeUrl>;

/**
 * /debug/snapshotz as the control plane serves it: per type URL, {version, resources} sorted by
 * name. For productpage-v1-1.bookinfo, in sync when recorded, the recorded page equalled its
 * /config_dump resource for resource (versions included), so it is rebuilt from the dump here.
 */
export function snapshotzOf(dump: ConfigDump): Record<TypeUrl, Section<unknown>> {
  const sorted = <T>(s: Section<T>): Section<T> => ({
    version: s.version,
    resources: [...s.resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  });
  return {
    [TYPE_URL.listeners]: sorted(dump.listeners),
    [TYPE_URL.routes]: sorted(dump.routes),
    [TYPE_URL.clusters]: sorted(dump.clusters),
    [TYPE_URL.endpoints]: sorted(dump.endpoints),
  };
}

/**
 * `live` in the shape the proxy's /clusters sends it (clusterHealthView in @mesh/proxy): each
 * endpoint's `address:port` is its `id`, and an ejected one carries an `ejected` record.
 */
export function clustersAsProxySendsThem(live: readonly LiveCluster[]): unknown {
  return live.map((c) => ({
    ...c,
    endpoints: c.endpoints.map(({ address, ejected, ...rest }) => ({
      id: address,
      ...rest,
      ...(ejected && {
        ejected: { since: '2026-11-26T00:00:00.000Z', until: '2026-11-26T00:00:30.000Z', times: 1 },
      }),
    })),
  }));
}
