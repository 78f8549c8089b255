// describe service, derived from pages recorded from a real control plane (see
// test-support/describe-recorded.ts), each test pinning one rule of what is shown.
import { describeService, serviceHost, type ServiceDescription } from './describe-service.js';
import type { Mesh } from './describe-mesh.js';
import { recordedMesh, type RecordedPages } from './test-support/describe-recorded.js';

const DOMAIN = 'svc.cluster.local';

function service(mesh: Mesh, name: string, namespace = 'default'): ServiceDescription {
  const found = describeService(mesh, name, namespace);
  if (!found.ok) throw new Error(found.message);
  return found.value;
}

/** A VirtualService stored after everything recorded (so it is the newest). */
function addResource(
  pages: RecordedPages,
  resource: Record<string, unknown>,
  revision = 100,
): void {
  pages.configz.push({ resource, resourceVersion: String(revision), createRevision: revision });
}

const vs = (name: string, spec: Record<string, unknown>, namespace = 'default') => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace },
  spec,
});

const shares = (d: ServiceDescription) =>
  d.traffic.map((t) => t.destinations.map((x) => [x.subset ?? '*', x.percent, x.endpoints.length]));

describe('serviceHost: names as a sidecar would resolve them', () => {
  it.each([
    ['reviews', 'default', 'reviews.default.svc.cluster.local', 'default'],
    ['reviews.bookinfo', 'default', 'reviews.bookinfo.svc.cluster.local', 'bookinfo'],
    ['reviews.bookinfo.svc', 'default', 'reviews.bookinfo.svc.cluster.local', 'bookinfo'],
    ['reviews.bookinfo.svc.cluster.local', 'x', 'reviews.bookinfo.svc.cluster.local', 'bookinfo'],
    ['api.example.com', 'default', 'api.example.com', 'default'],
  ])('%s in %s', (name, ns, host, namespace) => {
    expect(serviceHost(name, ns, DOMAIN)).toEqual({ host, namespace });
  });
});

describe('describe service (recorded tasks: reviews jason->v2, /canary->v4, else v1/v3 50/50)', () => {
  const mesh = recordedMesh('tasks');

  it('lists the workloads grouped by their app label, with endpoints and sync state', () => {
    const d = service(mesh, 'reviews');
    expect(d.service).toEqual({
      host: 'reviews.default.svc.cluster.local',
      name: 'reviews',
      namespace: 'default',
      origin: 'registry',
      ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }],
    });
    expect(d.workloads.map((w) => [w.name, w.proxyId, w.endpoints, w.ready, w.sync.state])).toEqual(
      [
        ['reviews-v1', 'reviews-v1-744.default', ['127.0.0.1:43171'], true, 'SYNCED'],
        ['reviews-v2', 'reviews-v2-745.default', ['127.0.0.1:35751'], true, 'SYNCED'],
        ['reviews-v3', 'reviews-v3-746.default', ['127.0.0.1:45607'], true, 'SYNCED'],
      ],
    );
  });

  it('traffic now is the route a plain GET / takes: the weighted default route, not jason or /canary', () => {
    const d = service(mesh, 'reviews');
    expect(d.traffic[0]).toMatchObject({
      port: 9080,
      from: 'default',
      outcome: 'forward',
      virtualService: { namespace: 'default', name: 'reviews' },
      route: 2,
    });
    expect(shares(d)).toEqual([
      [
        ['v1', 50, 1],
        ['v3', 50, 1],
      ],
    ]);
  });

  it('each route keeps its matches in words, its weights, and the retries it sets', () => {
    const [reviews] = service(mesh, 'reviews').virtualServices;
    expect(reviews).toMatchObject({ name: 'reviews', usedBySidecars: true });
    expect(
      reviews!.http.map((r) => [r.name, r.when, r.destinations.map((x) => [x.subset, x.percent])]),
    ).toEqual([
      ['jason', ['header end-user exact "jason"'], [['v2', 100]]],
      ['canary', ['uri prefix "/canary"'], [['v4', 100]]],
      [
        undefined,
        [],
        [
          ['v1', 50],
          ['v3', 50],
        ],
      ],
    ]);
    const last = reviews!.http[2]!;
    expect(last).toMatchObject({ timeoutMs: 10_000, retriesSet: true });
    expect(last.retry).toMatchObject({
      attempts: 3,
      perTryTimeoutMs: 2000,
      retryOn: ['5xx', 'connect-failure'],
    });
    // A route without `retries` gets Istio's default policy, but says it did not set one.
    expect(reviews!.http[0]).toMatchObject({ retriesSet: false, retry: { attempts: 2 } });
  });

  it('a route to a subset that selects no endpoints is a problem naming the route and the 503', () => {
    const d = service(mesh, 'reviews');
    expect(d.problems).toEqual([
      'VirtualService reviews route 2 sends its requests where they fail (503 UH): subset v4 selects no endpoints',
    ]);
    expect(d.destinationRule!.subsets.map((s) => [s.name, s.endpoints.length])).toEqual([
      ['v1', 1],
      ['v2', 1],
      ['v3', 1],
      ['v4', 0],
    ]);
  });

  it('an unused subset without endpoints is shown but is not a problem (stock Bookinfo rules)', () => {
    const d = service(mesh, 'ratings');
    expect(d.destinationRule!.subsets.find((s) => s.name === 'v2-mysql')!.endpoints).toEqual([]);
    expect(d.problems).toEqual([]);
  });

  it('the DestinationRule policy is merged by @mesh/rules; a subset keeps what it sets itself', () => {
    const dr = service(mesh, 'reviews').destinationRule!;
    expect(dr.trafficPolicy.loadBalancer).toEqual({ simple: 'ROUND_ROBIN' });
    const v2 = dr.subsets.find((s) => s.name === 'v2')!;
    expect(v2.ownTrafficPolicy).toEqual({
      loadBalancer: { consistentHash: { httpHeaderName: 'end-user' } },
    });
    // Merged: the subset's load balancer, the top level's pool and outlier detection.
    expect(v2.trafficPolicy).toMatchObject({
      loadBalancer: { consistentHash: { httpHeaderName: 'end-user' } },
      connectionPool: { http: { http1MaxPendingRequests: 10 } },
      outlierDetection: { consecutive5xxErrors: 5 },
    });
  });

  it('a fault on a matched route is shown on the route, not on plain traffic', () => {
    const d = service(mesh, 'ratings');
    expect(d.virtualServices[0]!.http[0]!.fault).toEqual({
      abort: { httpStatus: 500, percentage: 100 },
    });
    expect(d.traffic[0]!.fault).toBeUndefined();
  });

  it('mirrors are listed with their share', () => {
    const d = service(mesh, 'httpbin');
    expect(d.virtualServices[0]!.http[0]!.mirrors).toEqual([
      { host: 'httpbin.default.svc.cluster.local', subset: 'v2', port: 8000, percent: 100 },
    ]);
  });

  it('routes from a gateway into the service are listed under their Gateway and its proxies', () => {
    const d = service(mesh, 'tcp-echo');
    expect(d.virtualServices).toEqual([]);
    expect(d.gateways.map((g) => [g.name, g.servers, g.proxies])).toEqual([
      [
        'tcp-echo-gateway',
        [{ port: 31400, protocol: 'TCP', name: 'tcp', hosts: ['*'] }],
        ['istio-ingressgateway-610.istio-system'],
      ],
    ]);
    expect(
      d.routesIn.map((r) => [r.scope, r.kind, r.destinations.map((x) => [x.subset, x.percent])]),
    ).toEqual([
      [
        'default/tcp-echo-gateway',
        'tcp',
        [
          ['v1', 80],
          ['v2', 20],
        ],
      ],
    ]);
    // The gateway's VirtualService does not bind the sidecars: they use the default route.
    expect(d.traffic[0]).toMatchObject({
      protocol: 'TCP',
      outcome: 'forward',
      virtualService: null,
    });
    expect(shares(d)).toEqual([[['*', 100, 2]]]);
  });

  it('a ServiceEntry host is a service of its own, with the DNS endpoint the proxy resolves', () => {
    const d = service(mesh, 'api.example.com');
    expect(d.service).toMatchObject({
      origin: 'ServiceEntry default/external-api',
      resolution: 'DNS',
      location: 'MESH_EXTERNAL',
    });
    expect(d.otherEndpoints).toEqual([{ address: 'api.example.com', ports: [443], source: 'DNS' }]);
    expect(d.traffic[0]).toMatchObject({
      protocol: 'HTTPS',
      request: 'a TLS connection with SNI api.example.com',
      virtualService: null,
    });
  });

  it('the namespace-wide Sidecar is shown with whether it imports the service', () => {
    expect(service(mesh, 'reviews').sidecars).toEqual([
      {
        name: 'default',
        namespace: 'default',
        appliesTo: 'every workload in default without a more specific Sidecar',
        egressHosts: ['./*', 'istio-system/*'],
        importsService: true,
      },
    ]);
  });

  it('a client-only service (no ports) has no traffic and no problem', () => {
    const d = service(mesh, 'curl');
    expect(d.service.ports).toEqual([]);
    expect(d.traffic).toEqual([]);
    expect(d.problems).toEqual([]);
  });
});

describe('describe service (recorded demo: DestinationRules only)', () => {
  it('without a sidecar VirtualService the default route sends traffic to every endpoint', () => {
    const d = service(recordedMesh('demo'), 'reviews');
    expect(d.virtualServices).toEqual([]);
    expect(d.traffic[0]).toMatchObject({ outcome: 'forward', virtualService: null });
    expect(shares(d)).toEqual([[['*', 100, 3]]]);
  });

  it('the Gateway-bound bookinfo VirtualService is a route into productpage, not a sidecar route', () => {
    const d = service(recordedMesh('demo'), 'productpage');
    expect(d.virtualServices).toEqual([]);
    expect(d.routesIn).toHaveLength(1);
    expect(d.routesIn[0]).toMatchObject({
      scope: 'default/bookinfo-gateway',
      virtualService: { namespace: 'default', name: 'bookinfo' },
      kind: 'http',
      route: 0,
      when: [
        'uri exact "/productpage"',
        'uri prefix "/static"',
        'uri exact "/login"',
        'uri exact "/logout"',
        'uri prefix "/api/v1/products"',
      ],
    });
  });
});

describe('describe service: rules pinned on changed recordings', () => {
  it('sidecars use the oldest VirtualService for a host; a newer one is named with why', () => {
    const mesh = recordedMesh('tasks', (p) =>
      addResource(
        p,
        vs('reviews-all-v2', {
          hosts: ['reviews'],
          http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }],
        }),
      ),
    );
    const d = service(mesh, 'reviews');
    expect(d.virtualServices.map((v) => [v.name, v.usedBySidecars])).toEqual([
      ['reviews', true],
      ['reviews-all-v2', false],
    ]);
    expect(d.virtualServices[1]!.note).toMatch(
      /^VirtualService default\/reviews takes this host for them/,
    );
    expect(shares(d)).toEqual([
      [
        ['v1', 50, 1],
        ['v3', 50, 1],
      ],
    ]);
  });

  it("a VirtualService private to the caller's namespace wins over an older public one", () => {
    // Istio's order for a sidecar: private to its namespace (exportTo: ['.']), then exported to
    // it by name, then public; creation order only inside each group.
    const mesh = recordedMesh('demo', (p) => {
      addResource(
        p,
        vs(
          'reviews-global',
          {
            hosts: ['reviews.default.svc.cluster.local'],
            http: [
              {
                route: [
                  { destination: { host: 'reviews.default.svc.cluster.local', subset: 'v3' } },
                ],
              },
            ],
          },
          'other',
        ),
        50,
      );
      addResource(
        p,
        vs('reviews', {
          hosts: ['reviews'],
          exportTo: ['.'],
          http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }],
        }),
        60,
      );
    });
    const d = service(mesh, 'reviews');
    expect(d.virtualServices.map((v) => [v.namespace, v.name, v.usedBySidecars])).toEqual([
      ['other', 'reviews-global', false],
      ['default', 'reviews', true],
    ]);
    expect(shares(d)).toEqual([[['v2', 100, 1]]]);
  });

  it('without exportTo both are public, and the older one wins', () => {
    const mesh = recordedMesh('demo', (p) => {
      const route = (host: string, subset: string) => [
        { route: [{ destination: { host, subset } }] },
      ];
      const fqdn = 'reviews.default.svc.cluster.local';
      addResource(p, vs('reviews-global', { hosts: [fqdn], http: route(fqdn, 'v3') }, 'other'), 50);
      addResource(p, vs('reviews', { hosts: ['reviews'], http: route('reviews', 'v2') }), 60);
    });
    const d = service(mesh, 'reviews');
    expect(d.virtualServices.find((v) => v.usedBySidecars)?.name).toBe('reviews-global');
    expect(shares(d)).toEqual([[['v3', 100, 1]]]);
  });

  it('a VirtualService not exported to the namespace is not used, and says so', () => {
    const mesh = recordedMesh('demo', (p) =>
      addResource(
        p,
        vs(
          'reviews-private',
          {
            hosts: ['reviews.default.svc.cluster.local'],
            exportTo: ['.'],
            http: [
              {
                route: [
                  { destination: { host: 'reviews.default.svc.cluster.local', subset: 'v3' } },
                ],
              },
            ],
          },
          'other',
        ),
      ),
    );
    const d = service(mesh, 'reviews');
    expect(d.virtualServices).toMatchObject([
      {
        name: 'reviews-private',
        usedBySidecars: false,
        note: 'it is not exported to namespace default',
      },
    ]);
    expect(d.traffic[0]!.virtualService).toBeNull();
  });

  it('a route to a subset the DestinationRule does not define is a problem', () => {
    const mesh = recordedMesh('demo', (p) =>
      addResource(
        p,
        vs('reviews', {
          hosts: ['reviews'],
          http: [{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }],
        }),
      ),
    );
    const d = service(mesh, 'reviews');
    expect(d.traffic[0]!.destinations[0]).toMatchObject({
      subset: 'v9',
      endpoints: [],
      problem:
        'subset v9 is not defined by DestinationRule default/reviews for reviews.default.svc.cluster.local',
    });
    expect(d.problems).toEqual([
      'VirtualService reviews route 1 sends its requests where they fail (503 NC): subset v9 is not defined by DestinationRule default/reviews for reviews.default.svc.cluster.local',
    ]);
  });

  it('a VirtualService no plain request matches: traffic gets no route, and the VirtualService is still the one used', () => {
    const mesh = recordedMesh('demo', (p) =>
      addResource(
        p,
        vs('reviews', {
          hosts: ['reviews'],
          http: [
            {
              match: [{ headers: { 'end-user': { exact: 'jason' } } }],
              route: [{ destination: { host: 'reviews', subset: 'v2' } }],
            },
          ],
        }),
      ),
    );
    const d = service(mesh, 'reviews');
    expect(d.virtualServices.map((v) => [v.name, v.usedBySidecars])).toEqual([['reviews', true]]);
    expect(d.traffic[0]).toMatchObject({ outcome: 'no-route', destinations: [] });
    expect(d.problems).toEqual([
      'a GET / without headers from a sidecar in default on port 9080 gets no route: no http route of VirtualService default/reviews matched GET reviews.default.svc.cluster.local/ on port 9080',
    ]);
  });

  it('a destination port the service does not have is a 503 NC', () => {
    const mesh = recordedMesh('demo', (p) =>
      addResource(
        p,
        vs('reviews', {
          hosts: ['reviews'],
          http: [{ route: [{ destination: { host: 'reviews', port: { number: 9090 } } }] }],
        }),
      ),
    );
    expect(service(mesh, 'reviews').problems).toEqual([
      'VirtualService reviews route 1 sends its requests where they fail (503 NC): reviews.default.svc.cluster.local has no port 9090',
    ]);
  });

  it('DestinationRules of one namespace for one host merge their subsets; one elsewhere is named as unused', () => {
    const dr = (name: string, namespace: string, subsets: Record<string, unknown>[]) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name, namespace },
      spec: { host: 'reviews.default.svc.cluster.local', subsets },
    });
    const mesh = recordedMesh('demo', (p) => {
      addResource(
        p,
        dr('reviews-extra', 'default', [
          { name: 'v1', labels: { version: 'v3' } },
          { name: 'all', labels: {} },
        ]),
        50,
      );
      addResource(p, dr('reviews-mesh', 'istio-system', []), 51);
    });
    const d = service(mesh, 'reviews');
    expect(d.destinationRule).toMatchObject({ name: 'reviews', mergedWith: ['reviews-extra'] });
    // The older rule's v1 wins over the newer one's; the newer one adds `all`.
    expect(d.destinationRule!.subsets.map((s) => [s.name, s.labels, s.endpoints.length])).toEqual([
      ['v1', { version: 'v1' }, 1],
      ['v2', { version: 'v2' }, 1],
      ['v3', { version: 'v3' }, 1],
      ['all', {}, 3],
    ]);
    expect(d.otherDestinationRules).toEqual([
      {
        name: 'reviews-mesh',
        namespace: 'istio-system',
        note: "DestinationRule default/reviews is used instead (Istio takes the rules of one namespace: the caller's, else the service's, else istio-system)",
      },
    ]);
  });

  it('an unready workload is a problem; its endpoint is counted but not ready', () => {
    const mesh = recordedMesh('tasks', (p) => {
      p.registryz.find((w) => w.workloadName === 'reviews-v3')!.ready = false;
    });
    const d = service(mesh, 'reviews');
    expect(d.problems).toContain(
      'reviews-v3 (proxy reviews-v3-746.default) is not ready: it gets no traffic',
    );
    expect(d.problems).toContain(
      'VirtualService reviews route 3 sends 50% of its requests where they fail (503 UH): no endpoint of subset v3 is ready',
    );
    expect(d.traffic[0]!.destinations[1]!.endpoints).toEqual([
      {
        address: '127.0.0.1',
        port: 45607,
        ready: false,
        name: 'reviews-v3',
        proxyId: 'reviews-v3-746.default',
      },
    ]);
  });

  it('a proxy that rejected its routes is a problem quoting the NACK', () => {
    const mesh = recordedMesh('tasks', (p) => {
      const routes = p.syncz
        .find((r) => r.proxyId === 'reviews-v1-744.default')!
        .types.find((t) => t.typeUrl.endsWith('RouteTable'))!;
      routes.state = 'ERROR';
      routes.lastError = 'VirtualService default/reviews: http[0]: bad';
    });
    const d = service(mesh, 'reviews');
    expect(d.workloads[0]!.sync).toEqual({
      state: 'ERROR',
      types: { clusters: 'SYNCED', endpoints: 'SYNCED', listeners: 'SYNCED', routes: 'ERROR' },
      errors: ['routes: VirtualService default/reviews: http[0]: bad'],
    });
    expect(d.problems).toContain(
      'proxy reviews-v1-744.default rejected its config: routes: VirtualService default/reviews: http[0]: bad',
    );
  });

  it('a proxy connected to another replica has sync UNKNOWN, naming that replica', () => {
    const mesh = recordedMesh('tasks', (p) => {
      p.syncz = p.syncz.filter((r) => r.proxyId !== 'reviews-v2-745.default');
      p.registryz.find((w) => w.proxyId === 'reviews-v2-745.default')!.controlPlane =
        'control-plane-1';
    });
    expect(service(mesh, 'reviews').workloads[1]!.sync).toEqual({
      state: 'UNKNOWN',
      note: "its stream is held by replica control-plane-1; ask that replica's HTTP port",
    });
  });

  it('a Sidecar whose egress leaves the service out is named as a problem', () => {
    const mesh = recordedMesh('tasks', (p) => {
      const sidecar = p.configz.find((e) => e.resource.kind === 'Sidecar')!.resource;
      sidecar.spec = { egress: [{ hosts: ['istio-system/*'] }] };
    });
    const d = service(mesh, 'details');
    expect(d.sidecars[0]!.importsService).toBe(false);
    expect(d.problems).toContain(
      'Sidecar default/default (every workload in default without a more specific Sidecar) does not import this service: those proxies get no cluster for it',
    );
  });

  it('a host only config names (no workload registered) is described, with that problem', () => {
    const mesh = recordedMesh('tasks', (p) => {
      p.registryz = p.registryz.filter((w) => !w.workloadName.startsWith('ratings'));
    });
    const d = service(mesh, 'ratings');
    expect(d.service.origin).toBe('none');
    expect(d.problems[0]).toBe(
      'no workloads registered for this service, and no ServiceEntry declares it',
    );
  });
});

describe('describe service: unknown names', () => {
  const mesh = recordedMesh('tasks');

  it('lists the services of the namespace', () => {
    expect(describeService(mesh, 'nope', 'default')).toEqual({
      ok: false,
      message:
        'no service "nope" in namespace default. Services in default: curl, details, httpbin, productpage, ratings, reviews, tcp-echo, api.example.com',
    });
  });

  it('points at the namespace where the name exists', () => {
    expect(describeService(mesh, 'reviews', 'bookinfo')).toEqual({
      ok: false,
      message:
        'no service "reviews" in namespace bookinfo. No services are registered in bookinfo (namespaces with services: default, istio-system). "reviews" exists in namespace default: add -n default',
    });
  });
});
