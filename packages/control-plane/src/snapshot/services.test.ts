import type { ClusterBody, EndpointsBody, InboundListener } from '@mesh/proto';
import { buildSnapshot, servicesOf } from './index.js';
import {
  BOOKINFO,
  bodyOf,
  configOf,
  httpPort,
  names,
  nodeOf,
  registryOf,
  TYPE_URLS,
  workload,
} from './test-support/fixtures.js';

const client = nodeOf(BOOKINFO.productpage);

function endpoints(yaml: string, cluster: string, registry = registryOf()) {
  const snap = buildSnapshot(configOf(yaml), registry, client);
  return bodyOf<EndpointsBody>(snap, TYPE_URLS.endpoints, cluster).endpoints;
}

describe('ServiceEntry services', () => {
  it('serve their static endpoints, with ports mapped by port name', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: external, namespace: default }
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  ports:
    - { number: 443, name: https, protocol: HTTPS }
    - { number: 80, name: http-plain }
  resolution: STATIC
  endpoints:
    - { address: 192.0.2.20, ports: { https: 8443 }, labels: { version: v2 }, weight: 3, locality: eu/west }
    - { address: 192.0.2.10 }
`;
    expect(endpoints(yaml, 'outbound|443||api.example.com')).toEqual([
      {
        address: '192.0.2.10',
        port: 443,
        labels: {},
        ready: true,
        weight: 1,
        locality: '',
        source: 'ServiceEntry default/external',
      },
      {
        address: '192.0.2.20',
        port: 8443,
        labels: { version: 'v2' },
        ready: true,
        weight: 3,
        locality: 'eu/west',
        source: 'ServiceEntry default/external',
      },
    ]);
    expect(endpoints(yaml, 'outbound|80||api.example.com').map((e) => e.port)).toEqual([80, 80]);
    const snap = buildSnapshot(configOf(yaml), registryOf(), client);
    expect(
      bodyOf<ClusterBody>(snap, TYPE_URLS.clusters, 'outbound|443||api.example.com'),
    ).toMatchObject({
      port: { number: 443, protocol: 'HTTPS', name: 'https' },
      resolution: 'STATIC',
      serviceNamespace: 'default',
    });
    // Named http-*, so HTTP although the protocol field is empty.
    expect(
      bodyOf<ClusterBody>(snap, TYPE_URLS.clusters, 'outbound|80||api.example.com').port.protocol,
    ).toBe('HTTP');
  });

  it('select WorkloadEntries and registered workloads of their namespace by label', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: legacy, namespace: default }
spec:
  hosts: [legacy.internal]
  location: MESH_INTERNAL
  ports: [{ number: 8080, name: http, protocol: HTTP, targetPort: 9090 }]
  resolution: STATIC
  workloadSelector:
    labels: { app: legacy }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: vm-1, namespace: default }
spec:
  address: 10.1.0.1
  labels: { app: legacy, version: v1 }
  weight: 2
  locality: us-east/a
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: vm-2, namespace: default }
spec:
  address: 10.1.0.2
  ports: { http: 7070 }
  labels: { app: legacy, version: v2 }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: unrelated, namespace: default }
spec:
  address: 10.1.0.3
  labels: { app: other }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: vm-elsewhere, namespace: other }
spec:
  address: 10.1.0.4
  labels: { app: legacy }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: legacy, namespace: default }
spec:
  host: legacy.internal
  subsets:
    - { name: v2, labels: { version: v2 } }
`;
    const registry = registryOf(
      workload('legacy-v3', '10.1.0.9', {
        ports: [httpPort(18080, 9090)],
        ready: false,
        locality: 'us-west/b',
      }),
      workload('legacy-v4', '10.1.0.8', { namespace: 'other' }),
    );
    expect(
      endpoints(yaml, 'outbound|8080||legacy.internal', registry).map((e) => [
        e.address,
        e.port,
        e.weight,
        e.locality,
        e.ready,
        e.source,
      ]),
    ).toEqual([
      ['10.1.0.1', 9090, 2, 'us-east/a', true, 'WorkloadEntry default/vm-1'],
      ['10.1.0.2', 7070, 1, '', true, 'WorkloadEntry default/vm-2'],
      // The registered workload is reached through its proxy's port fronting target port 9090.
      // ... and carries the locality its proxy reported.
      ['10.1.0.9', 18080, 1, 'us-west/b', false, 'proxy legacy-v3.default'],
    ]);
    expect(
      endpoints(yaml, 'outbound|8080|v2|legacy.internal', registry).map((e) => e.address),
    ).toEqual(['10.1.0.2']);
  });

  it('resolve DNS hosts without endpoints to the host itself, and send none for NONE', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: web, namespace: default }
spec:
  hosts: [www.example.org]
  location: MESH_EXTERNAL
  ports: [{ number: 80, name: http, protocol: HTTP }]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: cdn, namespace: default }
spec:
  hosts: ["*.cdn.example.org"]
  location: MESH_EXTERNAL
  ports: [{ number: 80, name: http, protocol: HTTP }]
`;
    expect(endpoints(yaml, 'outbound|80||www.example.org')).toEqual([
      expect.objectContaining({ address: 'www.example.org', port: 80, ready: true }),
    ]);
    // Resolution NONE (the default) forwards to the address the app asked for: no endpoints.
    expect(endpoints(yaml, 'outbound|80||*.cdn.example.org')).toEqual([]);
  });
});

describe('servicesOf', () => {
  it('lists registry services with the union of their workloads ports, then ServiceEntry hosts', () => {
    const config = configOf(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: db, namespace: data }
spec:
  hosts: [db]
  ports: [{ number: 5432, name: tcp-postgres }]
  resolution: STATIC
  endpoints: [{ address: 10.9.0.1 }]
`);
    const registry = registryOf(
      workload('reviews-v1', '10.0.0.3'),
      workload('reviews-v2', '10.0.0.4', {
        ports: [
          httpPort(9080),
          { name: 'grpc-admin', number: 9090, protocol: '', targetPort: 0, endpointPort: 0 },
        ],
      }),
    );
    const services = servicesOf(config, registry);
    expect(services.map((s) => [s.host, s.origin, s.ports])).toEqual([
      [
        'reviews.default.svc.cluster.local',
        'registry',
        [
          { number: 9080, protocol: 'HTTP', name: 'http' },
          { number: 9090, protocol: 'GRPC', name: 'grpc-admin' },
        ],
      ],
      [
        'db.data.svc.cluster.local',
        'ServiceEntry data/db',
        [{ number: 5432, protocol: 'TCP', name: 'tcp-postgres' }],
      ],
    ]);
    // Only the workload that has the port serves it.
    const snap = buildSnapshot(config, registry, client);
    expect(
      bodyOf<EndpointsBody>(
        snap,
        TYPE_URLS.endpoints,
        'outbound|9090||reviews.default.svc.cluster.local',
      ).endpoints.map((e) => e.address),
    ).toEqual(['10.0.0.4']);
    expect(names(snap, TYPE_URLS.clusters)).toContain('outbound|5432||db.data.svc.cluster.local');
  });
});

describe('workloads sharing one address (the local mesh)', () => {
  it('offer one service port, each endpoint at its own sidecar inbound port', () => {
    const local = (port: number) => [{ ...httpPort(9080, 9080), endpointPort: port }];
    const v1 = workload('reviews-v1', '127.0.0.1', { ports: local(20001) });
    const v2 = workload('reviews-v2', '127.0.0.1', { ports: local(20002) });
    const registry = registryOf(v1, v2);
    const services = servicesOf(configOf(''), registry);
    expect(services.map((s) => [s.host, s.ports.map((p) => p.number)])).toEqual([
      ['reviews.default.svc.cluster.local', [9080]],
    ]);
    const snap = buildSnapshot(configOf(''), registry, client);
    expect(
      bodyOf<EndpointsBody>(
        snap,
        TYPE_URLS.endpoints,
        'outbound|9080||reviews.default.svc.cluster.local',
      ).endpoints.map((e) => `${e.address}:${e.port}`),
    ).toEqual(['127.0.0.1:20001', '127.0.0.1:20002']);
    // The sidecar of reviews-v2 listens on its own port and hands traffic to the app port.
    const own = buildSnapshot(configOf(''), registry, nodeOf(v2));
    expect(bodyOf<InboundListener>(own, TYPE_URLS.listeners, 'inbound|9080')).toMatchObject({
      port: 9080,
      bindPort: 20002,
      targetPort: 9080,
    });
  });
});
