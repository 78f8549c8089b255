// describe workload, derived from pages recorded from a real control plane (see
// test-support/describe-recorded.ts).
import type { Mesh } from './describe-mesh.js';
import { describeWorkload, type WorkloadDescription } from './describe-workload.js';
import { recordedMesh } from './test-support/describe-recorded.js';

function workload(mesh: Mesh, name: string, namespace = 'default'): WorkloadDescription {
  const found = describeWorkload(mesh, name, namespace);
  if (!found.ok) throw new Error(found.message);
  return found.value;
}

describe('describe workload (recorded tasks)', () => {
  const mesh = recordedMesh('tasks');

  it('shows the registered workload: labels, ports, its proxy and sync state', () => {
    const d = workload(mesh, 'reviews-v2');
    expect(d.workload).toEqual({
      name: 'reviews-v2',
      namespace: 'default',
      labels: { app: 'reviews', version: 'v2' },
      serviceAccount: 'default',
      locality: '',
      addresses: ['127.0.0.1'],
      ports: [
        { name: 'http', number: 9080, protocol: 'HTTP', targetPort: 42059, endpointPort: 35751 },
      ],
    });
    expect(d.proxies).toEqual([
      {
        proxyId: 'reviews-v2-745.default',
        ready: true,
        controlPlane: 'control-plane-vm-552',
        proxyVersion: '0.1.0',
        sync: {
          state: 'SYNCED',
          types: { clusters: 'SYNCED', endpoints: 'SYNCED', listeners: 'SYNCED', routes: 'SYNCED' },
        },
      },
    ]);
  });

  it('the service it serves comes from its app label', () => {
    expect(workload(mesh, 'reviews-v2').services).toEqual([
      {
        host: 'reviews.default.svc.cluster.local',
        name: 'reviews',
        namespace: 'default',
        origin: 'registry',
        via: 'label app=reviews',
        ports: [9080],
        endpoints: 3,
      },
    ]);
  });

  it('the DestinationRule subsets that select it, with what the subset sets itself', () => {
    expect(workload(mesh, 'reviews-v2').subsets).toEqual([
      {
        destinationRule: { namespace: 'default', name: 'reviews' },
        host: 'reviews.default.svc.cluster.local',
        subset: 'v2',
        labels: { version: 'v2' },
        ownTrafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'end-user' } } },
        trafficPolicy: expect.objectContaining({
          loadBalancer: { consistentHash: { httpHeaderName: 'end-user' } },
        }),
      },
    ]);
  });

  it('only the routes whose destination selects it reach it', () => {
    const routes = (name: string) =>
      workload(mesh, name).routes.map((r) => [
        r.route,
        r.destinations.map((x) => [x.subset, x.percent]),
      ]);
    expect(routes('reviews-v2')).toEqual([[0, [['v2', 100]]]]);
    expect(routes('reviews-v3')).toEqual([[2, [['v3', 50]]]]);
    expect(routes('reviews-v1')).toEqual([[2, [['v1', 50]]]]);
  });

  it('its share of plain traffic now: none for v2 (jason only), half for v3', () => {
    expect(workload(mesh, 'reviews-v2').traffic).toEqual([
      {
        host: 'reviews.default.svc.cluster.local',
        port: 9080,
        request: 'GET / without headers',
        percent: 0,
        via: [],
        elsewhere: ['50% to subset v1', '50% to subset v3'],
      },
    ]);
    expect(workload(mesh, 'reviews-v3').traffic[0]).toMatchObject({
      percent: 50,
      via: [{ subset: 'v3', percent: 50, endpoints: 1 }],
      elsewhere: ['50% to subset v1'],
    });
  });

  it('a gateway route counts as a route into the workload', () => {
    const d = workload(mesh, 'productpage-v1');
    expect(d.routes).toMatchObject([
      {
        scope: 'default/bookinfo-gateway',
        virtualService: { name: 'bookinfo' },
        kind: 'http',
        route: 0,
      },
    ]);
    expect(d.problems).toEqual([]);
  });

  it('the Sidecar that applies to it', () => {
    expect(workload(mesh, 'details-v1').sidecar).toEqual({
      name: 'default',
      namespace: 'default',
      egressHosts: ['./*', 'istio-system/*'],
    });
  });

  it('a gateway proxy lists the Gateways that select it and their VirtualServices', () => {
    const d = workload(mesh, 'istio-ingressgateway', 'istio-system');
    expect(d.gateways.map((g) => [g.name, g.virtualServices])).toEqual([
      ['bookinfo-gateway', [{ namespace: 'default', name: 'bookinfo', hosts: ['*'] }]],
      ['tcp-echo-gateway', [{ namespace: 'default', name: 'tcp-echo', hosts: ['*'] }]],
    ]);
    expect(d.sidecar).toBeUndefined();
  });

  it('can be named by its proxy id', () => {
    expect(workload(mesh, 'reviews-v1-744.default').workload.name).toBe('reviews-v1');
  });

  it('a workload no route reaches says so when its service has a VirtualService', () => {
    const d = workload(
      recordedMesh('tasks', (p) => {
        const reviews = p.configz.find(
          (e) =>
            e.resource.kind === 'VirtualService' &&
            (e.resource.metadata as { name: string }).name === 'reviews',
        )!.resource;
        reviews.spec = {
          hosts: ['reviews'],
          http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
        };
      }),
      'reviews-v3',
    );
    expect(d.routes).toEqual([]);
    expect(d.problems).toEqual([
      'no route of VirtualService default/reviews (used by sidecars for reviews) sends traffic here',
    ]);
  });

  it('an unready proxy is a problem', () => {
    const d = workload(
      recordedMesh('tasks', (p) => {
        p.registryz.find((w) => w.workloadName === 'ratings-v1')!.ready = false;
      }),
      'ratings-v1',
    );
    expect(d.problems).toContain(
      'proxy ratings-v1-747.default is not ready: other proxies send it no traffic',
    );
    expect(d.traffic[0]!.via).toEqual([{ subset: 'v1', percent: 100, endpoints: 0 }]);
  });

  it('an unknown name lists the workloads of the namespace', () => {
    expect(describeWorkload(mesh, 'reviews-v9', 'default')).toEqual({
      ok: false,
      message:
        'no workload "reviews-v9" in namespace default. Workloads in default: curl, details-v1, httpbin-v1, httpbin-v2, productpage-v1, ratings-v1, reviews-v1, reviews-v2, reviews-v3, tcp-echo-v1, tcp-echo-v2',
    });
    expect(describeWorkload(mesh, 'istio-ingressgateway', 'default')).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /"istio-ingressgateway" exists in namespace istio-system: add -n istio-system$/,
      ),
    });
  });
});
