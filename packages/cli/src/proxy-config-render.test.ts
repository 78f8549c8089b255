import type { ClusterBody, EndpointsBody, ListenerBody, RouteTableBody } from '@mesh/proto';
import type { HTTPRoute, VirtualServiceSpec } from '@mesh/rules';
import {
  CLUSTER_HEADERS,
  clusterRows,
  DEFAULT_ROUTE,
  defaultRouteRows,
  destinationText,
  ENDPOINT_HEADERS,
  endpointList,
  endpointRows,
  httpDestinations,
  httpMatch,
  LISTENER_HEADERS,
  listenerRows,
  ROUTE_HEADERS,
  routeRows,
} from './proxy-config-render.js';
import type { TypeSection } from './proxy-config-source.js';
import { renderTable } from './table.js';
import {
  GATEWAY_CONFIG_DUMP,
  PRODUCTPAGE_CLUSTERS,
  PRODUCTPAGE_CONFIG_DUMP,
} from './test-support/proxy-config-recorded.js';

const section = <T>(bodies: { name: string; body: T }[]): TypeSection<T> => ({
  version: 'v1',
  resources: bodies.map((b) => ({ ...b, version: 'r1' })),
});

const routeTable = (
  name: string,
  spec: VirtualServiceSpec,
): { name: string; body: RouteTableBody } => {
  const [namespace, vsName] = name.split('/') as [string, string];
  return {
    name,
    body: {
      name,
      order: 1,
      virtualService: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: vsName, namespace },
        spec,
      },
    },
  };
};

describe('listeners', () => {
  it('shows a sidecar: the outbound port with its VirtualServices, inbound ports with their app', () => {
    expect(renderTable(LISTENER_HEADERS, listenerRows(PRODUCTPAGE_CONFIG_DUMP))).toBe(
      'NAME           DIRECTION   PORT    PROTOCOL   DESTINATION\n' +
        'outbound       outbound    -       HTTP       Routes: 2 VirtualServices for mesh\n' +
        'inbound|9080   inbound     20080   HTTP       Cluster: inbound|9080|| -> app :19080\n',
    );
  });

  it('shows a gateway port with its servers and the VirtualServices bound to them', () => {
    expect(renderTable(LISTENER_HEADERS, listenerRows(GATEWAY_CONFIG_DUMP))).toBe(
      'NAME           DIRECTION   PORT   PROTOCOL   DESTINATION\n' +
        'outbound       outbound    -      HTTP       Routes: 2 VirtualServices for mesh\n' +
        'gateway|8080   gateway     8080   HTTP       Routes: 1 VirtualService for bookinfo/bookinfo-gateway (hosts *)\n',
    );
  });

  it('orders outbound, inbound, gateway by port, and names TLS modes and several servers', () => {
    const listeners = section<ListenerBody>([
      {
        name: 'gateway|443',
        body: {
          name: 'gateway|443',
          direction: 'gateway',
          port: 443,
          protocol: 'HTTPS',
          servers: [
            { gateway: 'shop/a', hosts: ['a.example.com'], tls: { mode: 'SIMPLE' } },
            { gateway: 'shop/b', hosts: [] },
          ],
        },
      },
      {
        name: 'inbound|9090',
        body: {
          name: 'inbound|9090',
          direction: 'inbound',
          port: 9090,
          bindPort: 9090,
          protocol: 'GRPC',
          targetPort: 9090,
          cluster: 'inbound|9090||',
        },
      },
      {
        name: 'inbound|80',
        body: {
          name: 'inbound|80',
          direction: 'inbound',
          port: 80,
          bindPort: 15080,
          protocol: 'TCP',
          targetPort: 8080,
          cluster: 'inbound|80||',
        },
      },
      { name: 'outbound', body: { name: 'outbound', direction: 'outbound' } },
    ]);
    const routes = section([
      routeTable('shop/a', { hosts: ['a.example.com'], gateways: ['a'] }),
      routeTable('shop/b', { hosts: ['b.example.com'], gateways: ['shop/b', 'mesh'] }),
      routeTable('shop/delegate', { http: [] }),
    ]);
    expect(listenerRows({ listeners, routes })).toEqual([
      ['outbound', 'outbound', '-', 'HTTP', 'Routes: 1 VirtualService for mesh'],
      ['inbound|80', 'inbound', '15080', 'TCP', 'Cluster: inbound|80|| -> app :8080'],
      ['inbound|9090', 'inbound', '9090', 'GRPC', 'Cluster: inbound|9090|| -> app :9090'],
      [
        'gateway|443',
        'gateway',
        '443',
        'HTTPS',
        'Routes: 2 VirtualServices for shop/a (hosts a.example.com, tls SIMPLE), shop/b (hosts -)',
      ],
    ]);
  });

  it('shows a listener of a direction it does not know by name, not by guesswork', () => {
    const odd = { name: 'quic|443', direction: 'quic' } as unknown as ListenerBody;
    expect(
      listenerRows({ listeners: section([{ name: 'quic|443', body: odd }]), routes: section([]) }),
    ).toEqual([['quic|443', 'quic', '-', '-', '-']]);
  });
});

describe('routes', () => {
  it("adds Istio's default route for each service no VirtualService for mesh names", () => {
    // productpage's sidecar: VirtualServices for reviews and ratings; productpage has none.
    expect(defaultRouteRows(PRODUCTPAGE_CONFIG_DUMP)).toEqual([
      [
        DEFAULT_ROUTE,
        'productpage.bookinfo.svc.cluster.local',
        'mesh',
        '/*',
        'productpage.bookinfo.svc.cluster.local:9080',
      ],
    ]);
  });

  it('takes short hosts in the VirtualService namespace, wildcards, gateway-only ones and L4 ports', () => {
    const outbound = (host: string, port: number, protocol: string, subset = '') => ({
      name: `outbound|${port}|${subset}|${host}`,
      body: {
        name: `outbound|${port}|${subset}|${host}`,
        direction: 'outbound',
        host,
        port: { number: port, protocol, name: protocol.toLowerCase() },
        subset,
        serviceNamespace: host.split('.')[1]!,
        exportTo: ['*'],
        resolution: 'STATIC',
        trafficPolicy: {},
        destinationRule: '',
      } as ClusterBody,
    });
    const clusters = section<ClusterBody>([
      outbound('details.shop.svc.cluster.local', 9080, 'HTTP'),
      outbound('reviews.shop.svc.cluster.local', 9080, 'HTTP'),
      outbound('reviews.shop.svc.cluster.local', 9080, 'HTTP', 'v1'),
      outbound('mongo.db.svc.cluster.local', 27017, 'TCP'),
      outbound('api.example.com', 443, 'TLS'),
      outbound('a.edge.svc.cluster.local', 80, 'HTTP'),
      outbound('b.edge.svc.cluster.local', 80, 'HTTP'),
      {
        ...outbound('10.0.0.1', 9080, 'HTTP'),
        body: { ...outbound('10.0.0.1', 9080, 'HTTP').body, direction: 'inbound' },
      },
    ]);
    const routes = section([
      routeTable('shop/reviews', {
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews' } }] }],
      }),
      routeTable('shop/details', { hosts: ['details'], gateways: ['shop/gw'] }),
      routeTable('edge/all', {
        hosts: ['*.edge.svc.cluster.local'],
        gateways: ['mesh', 'edge/gw'],
      }),
    ]);
    const listeners = section<ListenerBody>([
      {
        name: 'outbound',
        body: { name: 'outbound', direction: 'outbound', protocol: 'HTTP' } as ListenerBody,
      },
    ]);
    expect(defaultRouteRows({ listeners, routes, clusters })).toEqual([
      [DEFAULT_ROUTE, 'api.example.com', 'mesh', 'tls:*', 'api.example.com:443'],
      [
        DEFAULT_ROUTE,
        'details.shop.svc.cluster.local',
        'mesh',
        '/*',
        'details.shop.svc.cluster.local:9080',
      ],
      [
        DEFAULT_ROUTE,
        'mongo.db.svc.cluster.local',
        'mesh',
        'tcp:*',
        'mongo.db.svc.cluster.local:27017',
      ],
    ]);
    // Without the outbound listener nothing is routed by default.
    expect(defaultRouteRows({ listeners: section([]), routes, clusters })).toEqual([]);
  });

  it('shows one row per HTTP route of each VirtualService, with its first match', () => {
    expect(renderTable(ROUTE_HEADERS, routeRows(GATEWAY_CONFIG_DUMP.routes))).toBe(
      'NAME                HOSTS     GATEWAYS                    MATCH                    DESTINATIONS\n' +
        'bookinfo/bookinfo   *         bookinfo/bookinfo-gateway   /productpage (+1 more)   productpage:9080\n' +
        'bookinfo/ratings    ratings   mesh                        /ratings* (+1 more)      ratings:9080\n' +
        'bookinfo/reviews    reviews   mesh                        end-user=jason           reviews|v2\n' +
        'bookinfo/reviews    reviews   mesh                        /*                       reviews|v1 50%, reviews|v3 50%\n',
    );
  });

  it('shows TCP and TLS routes, and a VirtualService without routes or hosts (a delegate)', () => {
    const routes = section([
      routeTable('db/mongo', {
        hosts: ['mongo'],
        tcp: [
          {
            match: [{ port: 27017, sourceLabels: { app: 'api' } }],
            route: [{ destination: { host: 'mongo' } }],
          },
          { route: [] },
        ],
        tls: [
          {
            match: [{ sniHosts: ['a.example.com', 'b.example.com'], port: 443 }, {}],
            route: [
              { destination: { host: 'a', port: { number: 8443 } }, weight: 90 },
              { destination: { host: 'b' }, weight: 10 },
            ],
          },
        ],
      }),
      routeTable('shop/reviews-delegate', { http: [{ route: [{ destination: { host: 'r' } }] }] }),
      routeTable('shop/empty', { hosts: ['empty'], gateways: ['gw'] }),
    ]);
    expect(routeRows(routes)).toEqual([
      ['db/mongo', 'mongo', 'mesh', 'tcp:port=27017,source=app=api', 'mongo'],
      ['db/mongo', 'mongo', 'mesh', 'tcp:*', '-'],
      [
        'db/mongo',
        'mongo',
        'mesh',
        'tls:sni=a.example.com;b.example.com,port=443 (+1 more)',
        'a:8443 90%, b 10%',
      ],
      ['shop/reviews-delegate', '-', '-', '/*', 'r'],
      ['shop/empty', 'empty', 'shop/gw', '-', '-'],
    ]);
  });

  it.each<[string, HTTPRoute['match'], string]>([
    ['no match at all', undefined, '/*'],
    ['an empty match', [{}], '/*'],
    ['an exact URI', [{ uri: { exact: '/login' } }], '/login'],
    ['a prefix', [{ uri: { prefix: '/reviews' } }], '/reviews*'],
    [
      'a regex, case-insensitive',
      [{ uri: { regex: '^/v[0-9]+/' }, ignoreUriCase: true }],
      '~^/v[0-9]+/(i)',
    ],
    ['a header', [{ headers: { 'end-user': { exact: 'jason' } } }], 'end-user=jason'],
    ['a header prefix and presence', [{ headers: { a: { prefix: 'x' }, b: {} } }], 'a=x*,b'],
    ['a header regex', [{ headers: { ua: { regex: '.*Mobile.*' } } }], 'ua~.*Mobile.*'],
    [
      'several conditions',
      [
        {
          uri: { prefix: '/api' },
          method: { exact: 'GET' },
          authority: { exact: 'shop' },
          scheme: { exact: 'https' },
          queryParams: { debug: { exact: '1' } },
          withoutHeaders: { canary: {} },
          port: 8080,
          sourceLabels: { app: 'web', version: 'v1' },
          sourceNamespace: 'front',
          gateways: ['mesh'],
        },
      ],
      '/api*,method=GET,authority=shop,scheme=https,?debug=1,!canary,port=8080,source=app=web;version=v1,sourceNamespace=front,gateways=mesh',
    ],
    ['more blocks', [{ uri: { prefix: '/a' } }, { uri: { prefix: '/b' } }, {}], '/a* (+2 more)'],
  ])('summarises %s', (_, match, expected) => {
    expect(httpMatch(match)).toBe(expected);
  });

  it.each<[string, HTTPRoute, string]>([
    [
      'one destination',
      { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      'reviews|v1',
    ],
    [
      'one destination, which takes everything whatever its weight',
      { route: [{ destination: { host: 'reviews' }, weight: 30 }] },
      'reviews',
    ],
    [
      'a split without weights',
      { route: [{ destination: { host: 'a' } }, { destination: { host: 'b' } }] },
      'a 0%, b 0%',
    ],
    [
      'a redirect',
      { redirect: { scheme: 'https', authority: 'new.example.com', uri: '/x', redirectCode: 308 } },
      'redirect https://new.example.com/x 308',
    ],
    ['a bare redirect', { redirect: {} }, 'redirect (same URL)'],
    ['a direct response', { directResponse: { status: 503 } }, 'direct response 503'],
    [
      'a delegate in its own namespace',
      { delegate: { name: 'reviews-routes' } },
      'delegate shop/reviews-routes',
    ],
    ['a delegate elsewhere', { delegate: { name: 'r', namespace: 'team' } }, 'delegate team/r'],
    [
      'mirrors',
      {
        route: [{ destination: { host: 'a' } }],
        mirror: { host: 'b' },
        mirrors: [{ destination: { host: 'c', subset: 'v2' } }],
      },
      'a, mirror b, mirror c|v2',
    ],
    ['nothing', {}, '-'],
  ])('names the destinations of %s', (_, route, expected) => {
    expect(httpDestinations(route, 'shop')).toBe(expected);
  });

  it('writes destinations as host[:port][|subset]', () => {
    expect(destinationText({ host: 'r', port: { number: 9080 }, subset: 'v1' })).toBe('r:9080|v1');
    expect(destinationText(undefined)).toBe('?');
  });
});

describe('clusters', () => {
  it('shows service, port, subset, direction, resolution, rule and the balancer the proxy uses', () => {
    expect(renderTable(CLUSTER_HEADERS, clusterRows(PRODUCTPAGE_CONFIG_DUMP.clusters))).toBe(
      'SERVICE FQDN                             PORT    SUBSET   DIRECTION   TYPE     DESTINATION RULE   LB POLICY\n' +
        '10.244.0.10                              19080   -        inbound     STATIC   -                  LEAST_REQUEST\n' +
        'productpage.bookinfo.svc.cluster.local   9080    -        outbound    STATIC   -                  LEAST_REQUEST\n' +
        'ratings.bookinfo.svc.cluster.local       9080    -        outbound    STATIC   -                  LEAST_REQUEST\n' +
        'reviews.bookinfo.svc.cluster.local       9080    -        outbound    STATIC   bookinfo/reviews   ROUND_ROBIN\n' +
        'reviews.bookinfo.svc.cluster.local       9080    v1       outbound    STATIC   bookinfo/reviews   ROUND_ROBIN\n' +
        'reviews.bookinfo.svc.cluster.local       9080    v2       outbound    STATIC   bookinfo/reviews   RING_HASH\n' +
        'reviews.bookinfo.svc.cluster.local       9080    v3       outbound    STATIC   bookinfo/reviews   ROUND_ROBIN\n',
    );
  });
});

describe('endpoints', () => {
  // Live from /clusters: outlier detection's verdict is known (OK here).
  const live =
    'ENDPOINT            STATUS      OUTLIER CHECK   CLUSTER\n' +
    '10.244.0.10:20080   HEALTHY     OK              outbound|9080||productpage.bookinfo.svc.cluster.local\n' +
    '10.244.0.11:20081   HEALTHY     OK              outbound|9080|v1|reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.11:20081   HEALTHY     OK              outbound|9080||reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.12:20082   HEALTHY     OK              outbound|9080|v2|reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.12:20082   HEALTHY     OK              outbound|9080||reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.13:20083   UNHEALTHY   OK              outbound|9080|v3|reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.13:20083   UNHEALTHY   OK              outbound|9080||reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.14:20084   HEALTHY     OK              outbound|9080||ratings.bookinfo.svc.cluster.local\n' +
    '127.0.0.1:19080     HEALTHY     OK              inbound|9080||\n';
  // From the resources (the control plane): not known.
  const fromResources =
    'ENDPOINT            STATUS      OUTLIER CHECK   CLUSTER\n' +
    '10.244.0.10:20080   HEALTHY     -               outbound|9080||productpage.bookinfo.svc.cluster.local\n' +
    '10.244.0.11:20081   HEALTHY     -               outbound|9080|v1|reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.11:20081   HEALTHY     -               outbound|9080||reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.12:20082   HEALTHY     -               outbound|9080|v2|reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.12:20082   HEALTHY     -               outbound|9080||reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.13:20083   UNHEALTHY   -               outbound|9080|v3|reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.13:20083   UNHEALTHY   -               outbound|9080||reviews.bookinfo.svc.cluster.local\n' +
    '10.244.0.14:20084   HEALTHY     -               outbound|9080||ratings.bookinfo.svc.cluster.local\n' +
    '127.0.0.1:19080     HEALTHY     -               inbound|9080||\n';

  it("reads health from the proxy's /clusters when there", () => {
    const config = { endpoints: section<EndpointsBody>([]), live: PRODUCTPAGE_CLUSTERS };
    expect(renderTable(ENDPOINT_HEADERS, endpointRows(endpointList(config)))).toBe(live);
  });

  it('reads it from the endpoints resources otherwise (the control plane)', () => {
    const config = { endpoints: PRODUCTPAGE_CONFIG_DUMP.endpoints };
    expect(renderTable(ENDPOINT_HEADERS, endpointRows(endpointList(config)))).toBe(fromResources);
  });

  it('follows /clusters where it differs from the resources', () => {
    const config = {
      endpoints: PRODUCTPAGE_CONFIG_DUMP.endpoints,
      live: [{ name: 'c', endpoints: [{ address: '10.0.0.1:80', ready: false, ejected: true }] }],
    };
    expect(endpointRows(endpointList(config))).toEqual([
      ['10.0.0.1:80', 'UNHEALTHY', 'FAILED', 'c'],
    ]);
  });
});
