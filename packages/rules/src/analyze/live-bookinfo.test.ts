// The live analyzers against the healthy mesh `meshctl up --demo bookinfo` runs: the samples it
// applies, then each task file a user applies on top, with the workloads it registers. Nothing
// may be reported: a finding here would be noise on every healthy mesh.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../api/resources.js';
import { parseResources } from '../parse.js';
import { analyze } from './index.js';
import { BOOKINFO_REGISTRY } from './test-support/live.js';

const SAMPLES = join(__dirname, '..', '..', '..', '..', 'samples');
/** What `meshctl up --demo bookinfo` applies (packages/cli/src/local-mesh/plan.ts BOOKINFO_CONFIG). */
const UP = [
  'bookinfo/bookinfo-gateway.yaml',
  'bookinfo/destination-rule-all.yaml',
  'tcp-echo/destination-rule-all.yaml',
];

function load(file: string): Resource[] {
  const { resources, diagnostics } = parseResources(readFileSync(join(SAMPLES, file), 'utf8'), {
    file,
  });
  expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  return resources;
}

/** Later files replace resources of the same kind/namespace/name, as `meshctl apply` does. */
function applied(files: readonly string[]): Resource[] {
  const byKey = new Map<string, Resource>();
  for (const r of files.flatMap(load)) {
    const key = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
    byKey.delete(key);
    byKey.set(key, r);
  }
  return [...byKey.values()];
}

const describeFinding = (d: { code: string; kind: string; name: string; path: string }) =>
  `${d.code} ${d.kind} ${d.name} ${d.path}`;

describe('the live analyzers stay quiet on the healthy Bookinfo mesh', () => {
  it.each([
    { layout: 'as meshctl up leaves it', files: UP },
    { layout: 'all on v1', files: [...UP, 'bookinfo/virtual-service-all-v1.yaml'] },
    { layout: 'the tcp-echo gateway', files: [...UP, 'tcp-echo/tcp-echo-all-v1.yaml'] },
    ...[
      'virtual-service-reviews-test-v2.yaml',
      'virtual-service-reviews-50-v3.yaml',
      'virtual-service-reviews-v2.yaml',
      'virtual-service-reviews-v3.yaml',
      'virtual-service-reviews-timeout.yaml',
      'virtual-service-ratings-test-delay.yaml',
      'virtual-service-ratings-test-abort.yaml',
      'virtual-service-ratings-delay-2s.yaml',
    ].map((task) => ({
      layout: `task ${task}`,
      files: [...UP, 'bookinfo/virtual-service-all-v1.yaml', `bookinfo/tasks/${task}`],
    })),
    {
      layout: 'task tcp-echo-20-v2.yaml',
      files: [...UP, 'tcp-echo/tcp-echo-all-v1.yaml', 'tcp-echo/tasks/tcp-echo-20-v2.yaml'],
    },
    { layout: 'task httpbin mirroring.yaml', files: [...UP, 'httpbin/tasks/mirroring.yaml'] },
    {
      layout: 'httpbin circuit breaker',
      files: [...UP, 'httpbin/destination-rule-circuit-breaker.yaml'],
    },
  ])('$layout', ({ files }) => {
    const all = analyze(applied(files), { registry: BOOKINFO_REGISTRY });
    expect(all.map(describeFinding)).toEqual([]);
  });
});

// Applied on purpose to a real `meshctl up --demo bookinfo` mesh (the cli's analyze-live fixtures
// were captured from it): each mistake a live check exists for, next to ones the file analyzers
// already find.
const BROKEN = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v4, labels: { version: v4 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ headers: { end-user: { exact: jason } } }]
      route: [{ destination: { host: reviews, subset: v4 } }]
    - route: [{ destination: { host: reviews, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
    - route: [{ destination: { host: ratings, port: { number: 8080 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: payments }
spec:
  hosts: [payments]
  http:
    - route: [{ destination: { host: payments } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: inventory }
spec:
  host: inventory
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: egress }
spec:
  selector: { istio: egressgateway }
  servers:
    - port: { number: 80, name: http, protocol: HTTP }
      hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: via-egress }
spec:
  hosts: [httpbin.org]
  gateways: [egress]
  http:
    - route: [{ destination: { host: httpbin } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: private-frontend }
spec:
  hosts: [shop.example.com]
  gateways: [bookinfo-gateway]
  exportTo: ["."]
  http:
    - route: [{ destination: { host: productpage } }]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: reviews-v5 }
spec:
  workloadSelector: { labels: { app: reviews, version: v5 } }
  egress:
    - hosts: ["./*"]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: legacy-billing }
spec:
  hosts: [billing.internal]
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  resolution: STATIC
  workloadSelector: { labels: { app: billing } }
`;

describe('the same mesh, broken on purpose', () => {
  it('reports each mistake once, live checks and file checks together', () => {
    const { resources } = parseResources(BROKEN);
    const byKey = new Map(
      [...applied(UP), ...resources].map((r) => [`${r.kind}/${r.metadata.name}`, r]),
    );
    const all = analyze([...byKey.values()], { registry: BOOKINFO_REGISTRY });
    expect(all.map(describeFinding)).toEqual([
      'MESH-A0002 VirtualService payments spec.http[0].route[0].destination.host',
      'MESH-A0007 DestinationRule inventory spec.host',
      'MESH-A0021 VirtualService reviews spec.http[0].route[0].destination.subset',
      'MESH-A0022 Gateway egress spec.selector',
      'MESH-A0022 Sidecar reviews-v5 spec.workloadSelector.labels',
      'MESH-A0022 ServiceEntry legacy-billing spec.workloadSelector.labels',
      'MESH-A0023 VirtualService via-egress spec.gateways',
      'MESH-A0023 VirtualService private-frontend spec.gateways[0]',
      'MESH-A0024 VirtualService ratings spec.http[0].route[0].destination.port.number',
    ]);
  });
});

describe('MESH-A0002 and MESH-A0007 against the registry', () => {
  it('say that no workload is registered for the host, and suggest a registered one', () => {
    const { resources } = parseResources(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviwes } }] }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: inventory }
spec: { host: inventory }
`);
    const found = analyze(resources, { registry: BOOKINFO_REGISTRY }).map(
      (d) => `${d.code}: ${d.message} | ${d.hint ?? ''}`,
    );
    expect(found).toEqual([
      'MESH-A0002: destination host "reviwes.default.svc.cluster.local" has no registered workload and no ServiceEntry; did you mean "reviews.default.svc.cluster.local"? | Start the workloads of this host (a workload belongs to the service named by its service.mesh.dev/name or app label), create a ServiceEntry for it, or fix the host name.',
      'MESH-A0007: host "inventory.default.svc.cluster.local" has no registered workload and no ServiceEntry, and no VirtualService routes to it | Fix the host name (short names are relative to the DestinationRule namespace), start its workloads, or delete the rule if the service is gone.',
    ]);
  });
});
