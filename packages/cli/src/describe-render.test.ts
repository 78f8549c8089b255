// The text people read, whole, for the recorded mesh (test-support/describe-recorded.ts).
import type { Mesh } from './describe-mesh.js';
import { renderService, renderWorkload } from './describe-render.js';
import { describeService } from './describe-service.js';
import { describeWorkload } from './describe-workload.js';
import { recordedMesh } from './test-support/describe-recorded.js';

function serviceText(mesh: Mesh, name: string): string {
  const found = describeService(mesh, name, 'default');
  if (!found.ok) throw new Error(found.message);
  return renderService(found.value);
}

function workloadText(mesh: Mesh, name: string, namespace = 'default'): string {
  const found = describeWorkload(mesh, name, namespace);
  if (!found.ok) throw new Error(found.message);
  return renderWorkload(found.value);
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;

describe('renderService', () => {
  it('reviews with the traffic-shifting tasks applied', () => {
    expect(serviceText(recordedMesh('tasks'), 'reviews')).toBe(
      lines(
        'Service: reviews.default.svc.cluster.local',
        '  Port: http 9080/HTTP',
        '  Workloads: 3 (reviews-v1, reviews-v2, reviews-v3)',
        '    reviews-v1  version=v1  127.0.0.1:43171  proxy reviews-v1-744.default  SYNCED',
        '    reviews-v2  version=v2  127.0.0.1:35751  proxy reviews-v2-745.default  SYNCED',
        '    reviews-v3  version=v3  127.0.0.1:45607  proxy reviews-v3-746.default  SYNCED',
        'DestinationRule: reviews (default)',
        '  Subsets: v1 (version=v1: 1 endpoint), v2 (version=v2: 1 endpoint), v3 (version=v3: 1 endpoint), v4 (version=v4: no endpoints)',
        '  Traffic policy: load balancer ROUND_ROBIN; connection pool: at most 10 pending requests; outlier detection: eject a host after 5 consecutive 5xx errors, checked every 10s, for 30s or more',
        '  Subset v2 sets: load balancer consistent hash on header end-user',
        'VirtualService: reviews (default)',
        '  Route 1 "jason": when header end-user exact "jason" -> subset v2 (100%)',
        '  Route 2 "canary": when uri prefix "/canary" -> subset v4 (100%)',
        '  Route 3: default -> subset v1 (50%), subset v3 (50%)',
        '    timeout 10s; retry up to 3 times, 2s per try, on 5xx,connect-failure',
        'Sidecar: default (default) for every workload in default without a more specific Sidecar: egress ./*, istio-system/*; imports this service',
        'Traffic from a sidecar in default now (GET / without headers): 50% subset v1 (1 endpoint), 50% subset v3 (1 endpoint) (VirtualService reviews route 3)',
        'Problems:',
        '  - VirtualService reviews route 2 sends its requests where they fail (503 UH): subset v4 selects no endpoints',
      ),
    );
  });

  it('reviews right after `meshctl up --demo bookinfo`: no VirtualService', () => {
    expect(serviceText(recordedMesh('demo'), 'reviews')).toBe(
      lines(
        'Service: reviews.default.svc.cluster.local',
        '  Port: http 9080/HTTP',
        '  Workloads: 3 (reviews-v1, reviews-v2, reviews-v3)',
        '    reviews-v1  version=v1  127.0.0.1:43171  proxy reviews-v1-744.default  SYNCED',
        '    reviews-v2  version=v2  127.0.0.1:35751  proxy reviews-v2-745.default  SYNCED',
        '    reviews-v3  version=v3  127.0.0.1:45607  proxy reviews-v3-746.default  SYNCED',
        'DestinationRule: reviews (default)',
        '  Subsets: v1 (version=v1: 1 endpoint), v2 (version=v2: 1 endpoint), v3 (version=v3: 1 endpoint)',
        '  Traffic policy: none (load balancer LEAST_REQUEST)',
        'VirtualService: none',
        'Traffic from a sidecar in default now (GET / without headers): no VirtualService: the default route sends it to all 3 endpoints',
      ),
    );
  });

  it('productpage: reached through the ingress gateway', () => {
    expect(serviceText(recordedMesh('demo'), 'productpage')).toBe(
      lines(
        'Service: productpage.default.svc.cluster.local',
        '  Port: http 9080/HTTP',
        '  Workloads: 1 (productpage-v1)',
        '    productpage-v1  version=v1  127.0.0.1:46681  proxy productpage-v1-742.default  SYNCED',
        'DestinationRule: productpage (default)',
        '  Subsets: v1 (version=v1: 1 endpoint)',
        '  Traffic policy: none (load balancer LEAST_REQUEST)',
        'VirtualService: none',
        'Gateway: bookinfo-gateway (default)  selector istio=ingressgateway  8080/HTTP hosts *  proxies istio-ingressgateway-610.istio-system',
        '  VirtualService bookinfo (default) route 1: when uri exact "/productpage" or uri prefix "/static" or uri exact "/login" or uri exact "/logout" or uri prefix "/api/v1/products" -> productpage:9080 (100%)',
        'Traffic from a sidecar in default now (GET / without headers): no VirtualService: the default route sends it to its only endpoint',
      ),
    );
  });

  it('ratings: a fault on the matched route, mirrors and TCP routes in words', () => {
    const mesh = recordedMesh('tasks');
    expect(serviceText(mesh, 'ratings')).toContain(
      lines(
        'VirtualService: ratings (default)',
        '  Route 1: when header end-user exact "jason" -> subset v1 (100%)',
        '    fault: abort 100% of requests with HTTP 500',
        '  Route 2: default -> subset v1 (100%)',
      ),
    );
    expect(serviceText(mesh, 'httpbin')).toContain(
      lines('  Route 1: default -> subset v1 (100%)', '    mirror 100% to subset v2'),
    );
    expect(serviceText(mesh, 'tcp-echo')).toContain(
      '  VirtualService tcp-echo (default) TCP route 1: when port 31400 -> tcp-echo:9000 subset v1 (80%), tcp-echo:9000 subset v2 (20%)\n' +
        'Sidecar: default (default) for every workload in default without a more specific Sidecar: egress ./*, istio-system/*; imports this service\n' +
        'Traffic from a sidecar in default now (a TCP connection): no VirtualService: the default route sends it to all 2 endpoints\n',
    );
  });

  it('names an unready workload and a proxy that rejected config where they are listed', () => {
    const mesh = recordedMesh('tasks', (p) => {
      p.registryz.find((w) => w.workloadName === 'reviews-v3')!.ready = false;
      const routes = p.syncz
        .find((r) => r.proxyId === 'reviews-v1-744.default')!
        .types.find((t) => t.typeUrl.endsWith('RouteTable'))!;
      routes.state = 'ERROR';
      routes.lastError = 'bad';
    });
    const text = serviceText(mesh, 'reviews');
    expect(text).toContain(
      lines(
        '    reviews-v1  version=v1  127.0.0.1:43171  proxy reviews-v1-744.default  ERROR (routes ERROR)',
        '    reviews-v2  version=v2  127.0.0.1:35751  proxy reviews-v2-745.default  SYNCED',
        '    reviews-v3  version=v3  127.0.0.1:45607  proxy reviews-v3-746.default  NOT READY, SYNCED',
      ),
    );
    expect(text).toContain(
      'now (GET / without headers): 50% subset v1 (1 endpoint), 50% subset v3 (1 endpoint, 0 ready: 503) (VirtualService reviews route 3)\n',
    );
    expect(text).toContain(
      lines(
        'Problems:',
        '  - proxy reviews-v1-744.default rejected its config: routes: bad',
        '  - reviews-v3 (proxy reviews-v3-746.default) is not ready: it gets no traffic',
        '  - VirtualService reviews route 2 sends its requests where they fail (503 UH): subset v4 selects no endpoints',
        '  - VirtualService reviews route 3 sends 50% of its requests where they fail (503 UH): no endpoint of subset v3 is ready',
      ),
    );
  });
});

describe('renderWorkload', () => {
  it('reviews-v3: its subset, the route that reaches it and its share now', () => {
    expect(workloadText(recordedMesh('tasks'), 'reviews-v3')).toBe(
      lines(
        'Workload: reviews-v3 (default)',
        '  Labels: app=reviews, version=v3',
        '  Port: http 9080/HTTP (app port 46119, mesh endpoint 127.0.0.1:45607)',
        '  Proxy: reviews-v3-746.default  ready  SYNCED  (control plane control-plane-vm-552)',
        'Service: reviews.default.svc.cluster.local (label app=reviews; 3 endpoints)',
        '  DestinationRule reviews (default): subset v3 (version=v3) selects it',
        '  VirtualService reviews (default) route 3: default -> subset v3 (50%)',
        '  Traffic from a sidecar in default now (GET / without headers): 50% to subset v3, served by it alone; 50% to subset v1',
        'Sidecar: default (default): egress ./*, istio-system/*',
      ),
    );
  });

  it('reviews-v2: reached only by jason', () => {
    expect(workloadText(recordedMesh('tasks'), 'reviews-v2')).toContain(
      lines(
        '  DestinationRule reviews (default): subset v2 (version=v2) selects it; the subset sets: load balancer consistent hash on header end-user',
        '  VirtualService reviews (default) route 1 "jason": when header end-user exact "jason" -> subset v2 (100%)',
        '  Traffic from a sidecar in default now (GET / without headers): none reaches it (50% to subset v1, 50% to subset v3)',
      ),
    );
  });

  it('the ingress gateway: the Gateways it serves', () => {
    expect(workloadText(recordedMesh('tasks'), 'istio-ingressgateway', 'istio-system')).toBe(
      lines(
        'Workload: istio-ingressgateway (istio-system)',
        '  Labels: app=istio-ingressgateway, istio=ingressgateway',
        '  Ports: none registered (it serves the ports of its Gateways, below)',
        '  Proxy: istio-ingressgateway-610.istio-system  ready  SYNCED  (control plane control-plane-vm-552)',
        'Service: istio-ingressgateway.istio-system.svc.cluster.local (label app=istio-ingressgateway): no ports, so nothing routes to it',
        'Gateway proxy for: bookinfo-gateway (default)  selector istio=ingressgateway  8080/HTTP hosts *',
        '  VirtualService bookinfo (default) hosts *',
        'Gateway proxy for: tcp-echo-gateway (default)  selector istio=ingressgateway  31400/TCP hosts *',
        '  VirtualService tcp-echo (default) hosts *',
      ),
    );
  });

  it('productpage-v1: reached through a gateway', () => {
    expect(workloadText(recordedMesh('demo'), 'productpage-v1')).toContain(
      '  Gateway default/bookinfo-gateway via VirtualService bookinfo (default) route 1: when uri exact "/productpage" or uri prefix "/static" or uri exact "/login" or uri exact "/logout" or uri prefix "/api/v1/products" -> productpage:9080 (100%)\n' +
        '  Traffic from a sidecar in default now (GET / without headers): 100% to the service, served by it alone\n',
    );
  });
});
