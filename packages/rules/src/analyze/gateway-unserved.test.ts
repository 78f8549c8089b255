import { doc, findings } from './test-support/findings.js';
import { liveFindings, onlyFinding, workload } from './test-support/live.js';

const CODE = 'MESH-A0023';
const gateway = (name: string, selector: string) =>
  doc(
    'Gateway',
    `name: ${name}`,
    `{ selector: ${selector}, servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }] }`,
  );
const INGRESS = gateway('bookinfo-gateway', '{ istio: ingressgateway }');
const EGRESS = gateway('egress', '{ istio: egressgateway }');
const vs = (gateways: string, extra = '') =>
  doc(
    'VirtualService',
    'name: front',
    `{ hosts: [shop.example.com], gateways: ${gateways}, ${extra} http: [{ route: [{ destination: { host: productpage } }] }] }`,
  );

describe('MESH-A0023 VirtualService not served by its Gateway', () => {
  it.each([
    {
      rule: 'bound only to a Gateway that selects no registered workload: never reached',
      yaml: EGRESS + vs('[egress]'),
      want: [`warning ${CODE} VirtualService default/front spec.gateways`],
    },
    {
      rule: 'bound to a served Gateway: no finding',
      yaml: INGRESS + vs('[bookinfo-gateway]'),
      want: [],
    },
    {
      rule: 'one served Gateway among the bound ones is enough (the other Gateway gets MESH-A0022)',
      yaml: INGRESS + EGRESS + vs('[egress, bookinfo-gateway]'),
      want: [],
    },
    {
      rule: 'also bound to "mesh": the sidecars serve it',
      yaml: EGRESS + vs('[egress, mesh]'),
      want: [],
    },
    {
      rule: 'no gateways: a sidecar VirtualService',
      yaml: doc(
        'VirtualService',
        'name: reviews',
        '{ hosts: [reviews], http: [{ route: [{ destination: { host: reviews } }] }] }',
      ),
      want: [],
    },
    {
      rule: 'a missing Gateway is MESH-A0008, not this',
      yaml: vs('[gone]'),
      want: [],
    },
    {
      rule: 'exportTo "." keeps it from the ingress proxy in istio-system',
      yaml: INGRESS + vs('[bookinfo-gateway]', 'exportTo: ["."],'),
      want: [`warning ${CODE} VirtualService default/front spec.gateways[0]`],
    },
    {
      rule: 'exported to the gateway namespace: no finding',
      yaml: INGRESS + vs('[bookinfo-gateway]', 'exportTo: [".", istio-system],'),
      want: [],
    },
    {
      rule: 'exportTo "." with the gateway proxy in its own namespace: no finding',
      yaml: INGRESS + vs('[bookinfo-gateway]', 'exportTo: ["."],'),
      registry: {
        workloads: [workload('ingress', { istio: 'ingressgateway' }, { ports: [] })],
      },
      want: [],
    },
    {
      rule: 'a delegate (no hosts) is served wherever its root is',
      yaml:
        EGRESS +
        doc(
          'VirtualService',
          'name: part',
          '{ gateways: [egress], http: [{ route: [{ destination: { host: productpage } }] }] }',
        ),
      want: [],
    },
  ])('$rule', ({ yaml, want, registry }) => {
    expect(liveFindings(CODE, yaml, registry)).toEqual(want);
  });

  it('names the gateway, its proxies and the namespaces to export to', () => {
    expect(onlyFinding(CODE, INGRESS + vs('[bookinfo-gateway]', 'exportTo: ["."],'))).toEqual({
      message:
        'Gateway default/bookinfo-gateway is served by proxies in namespace "istio-system" (istio-ingressgateway-1.istio-system), and exportTo ["."] does not export this VirtualService there, so they never apply it',
      hint: 'Add "istio-system" (or "*") to spec.exportTo.',
    });
    expect(onlyFinding(CODE, EGRESS + vs('[egress]')).message).toBe(
      'can never be reached: Gateway default/egress selects no registered workload, and the VirtualService is not bound to "mesh"',
    );
  });

  it('runs only against a live registry', () => {
    expect(
      findings(CODE, EGRESS + vs('[egress]'), ['productpage.default.svc.cluster.local']),
    ).toEqual([]);
  });
});
