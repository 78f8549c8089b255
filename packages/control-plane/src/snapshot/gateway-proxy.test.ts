import type { GatewayListener } from '@mesh/proto';
import { buildSnapshot, gatewaysFor } from './index.js';
import {
  BOOKINFO,
  BOOKINFO_REGISTRY,
  BOOKINFO_RULES,
  bodyOf,
  configOf,
  httpPort,
  names,
  nodeOf,
  registryOf,
  TYPE_URLS,
  workload,
} from './test-support/fixtures.js';

const ingress = workload('ingress', '10.0.9.1', {
  namespace: 'istio-system',
  labels: { istio: 'ingressgateway' },
  ports: [httpPort(8080)],
});
const registry = registryOf(...BOOKINFO_REGISTRY.workloads, ingress);

const GATEWAYS = `${BOOKINFO_RULES}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: bookinfo-gateway, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 8080, name: http, protocol: HTTP }
      hosts: ["*"]
    - port: { number: 8443, name: https, protocol: HTTPS }
      hosts: ["bookinfo.example.com"]
      tls: { mode: SIMPLE, credentialName: bookinfo-cert }
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: admin-gateway, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 8080, name: http-admin, protocol: HTTP }
      hosts: ["admin.example.com"]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: egress-gateway, namespace: istio-system }
spec:
  selector: { istio: egressgateway }
  servers:
    - port: { number: 80, name: http, protocol: HTTP }
      hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookinfo, namespace: default }
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
    - match: [{ uri: { exact: /productpage } }]
      route:
        - destination: { host: productpage, port: { number: 9080 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: admin, namespace: default }
spec:
  hosts: [admin.example.com]
  gateways: [istio-system/admin-gateway, mesh]
  http:
    - route:
        - destination: { host: details }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: egress, namespace: default }
spec:
  hosts: ["*"]
  gateways: [istio-system/egress-gateway]
  http:
    - route:
        - destination: { host: ratings }
`;

describe('a gateway proxy', () => {
  const snapshot = buildSnapshot(configOf(GATEWAYS), registry, nodeOf(ingress));

  it('is recognised by the Gateways whose selector matches it, from any namespace', () => {
    expect(
      gatewaysFor(configOf(GATEWAYS), nodeOf(ingress)).map((g) => g.resource.metadata.name),
    ).toEqual(['bookinfo-gateway', 'admin-gateway']);
    expect(gatewaysFor(configOf(GATEWAYS), nodeOf(BOOKINFO.productpage))).toEqual([]);
  });

  it('gets a listener per server port with the servers of all its Gateways, and no inbound one', () => {
    expect(names(snapshot, TYPE_URLS.listeners)).toEqual([
      'gateway|8080',
      'gateway|8443',
      'outbound',
    ]);
    expect(bodyOf<GatewayListener>(snapshot, TYPE_URLS.listeners, 'gateway|8080')).toEqual({
      name: 'gateway|8080',
      direction: 'gateway',
      port: 8080,
      protocol: 'HTTP',
      servers: [
        { gateway: 'default/bookinfo-gateway', hosts: ['*'] },
        { gateway: 'istio-system/admin-gateway', hosts: ['admin.example.com'] },
      ],
    });
    expect(bodyOf<GatewayListener>(snapshot, TYPE_URLS.listeners, 'gateway|8443')).toMatchObject({
      protocol: 'HTTPS',
      servers: [
        {
          gateway: 'default/bookinfo-gateway',
          tls: { mode: 'SIMPLE', credentialName: 'bookinfo-cert' },
        },
      ],
    });
    expect(names(snapshot, TYPE_URLS.clusters).filter((n) => n.startsWith('inbound'))).toEqual([]);
  });

  it('leaves out a server whose protocol conflicts with an older one on the same port', () => {
    const yaml = `${GATEWAYS}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: late-tls, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 8080, name: https-late, protocol: HTTPS }
      hosts: ["secret.example.com"]
      tls: { mode: SIMPLE, serverCertificate: /c.crt, privateKey: /c.key }
`;
    const conflicted = buildSnapshot(configOf(yaml), registry, nodeOf(ingress));
    const listener = bodyOf<GatewayListener>(conflicted, TYPE_URLS.listeners, 'gateway|8080');
    expect(listener.protocol).toBe('HTTP');
    expect(listener.servers.map((s) => s.gateway)).toEqual([
      'default/bookinfo-gateway',
      'istio-system/admin-gateway',
    ]);
  });

  it("gets its Gateways' VirtualServices and the mesh ones, not another gateway's", () => {
    expect(names(snapshot, TYPE_URLS.routes)).toEqual([
      'default/admin',
      'default/bookinfo',
      'default/reviews',
    ]);
  });

  it('is not scoped by Sidecars, which configure sidecars only', () => {
    const yaml = `${GATEWAYS}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: istio-system }
spec:
  egress:
    - hosts: ["~/*"]
`;
    const snap = buildSnapshot(configOf(yaml), registry, nodeOf(ingress));
    expect(names(snap, TYPE_URLS.clusters)).toContain(
      'outbound|9080||productpage.default.svc.cluster.local',
    );
    expect(names(snap, TYPE_URLS.routes)).toContain('default/reviews');
  });

  it('leaves sidecars without gateway listeners or gateway-only VirtualServices', () => {
    const sidecar = buildSnapshot(configOf(GATEWAYS), registry, nodeOf(BOOKINFO.productpage));
    expect(names(sidecar, TYPE_URLS.listeners)).toEqual(['inbound|9080', 'outbound']);
    expect(names(sidecar, TYPE_URLS.routes)).toEqual(['default/admin', 'default/reviews']);
  });
});
