import { doc, findings } from './test-support/findings.js';

const known = ['reviews.bookinfo.svc.cluster.local'];
const vs = (meta: string, extra = '') =>
  doc(
    'VirtualService',
    meta,
    `{ hosts: [reviews.bookinfo.svc.cluster.local], ${extra} http: [{ route: [{ destination: { host: reviews.bookinfo.svc.cluster.local } }] }] }`,
  );
const gw = doc(
  'Gateway',
  'name: gw, namespace: istio-system',
  '{ selector: { istio: ingressgateway }, servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }] }',
);

describe('MESH-A0005 several VirtualServices for one host on the mesh gateway', () => {
  const CODE = 'MESH-A0005';
  it.each([
    {
      rule: 'two VirtualServices, implicit mesh, across namespaces (Istio IST0109 example)',
      yaml: vs('name: a, namespace: team-1') + vs('name: b, namespace: team-2'),
      want: [
        `error ${CODE} VirtualService team-1/a spec.hosts[0]`,
        `error ${CODE} VirtualService team-2/b spec.hosts[0]`,
      ],
    },
    {
      rule: 'short and FQDN spellings of one host, explicit mesh',
      yaml:
        doc(
          'VirtualService',
          'name: a, namespace: bookinfo',
          '{ hosts: [reviews], gateways: [mesh], http: [{ route: [{ destination: { host: reviews } }] }] }',
        ) + vs('name: b, namespace: team-2'),
      want: [
        `error ${CODE} VirtualService bookinfo/a spec.hosts[0]`,
        `error ${CODE} VirtualService team-2/b spec.hosts[0]`,
      ],
    },
    {
      rule: 'exportTo "." in different namespaces: no namespace sees both',
      yaml:
        vs('name: a, namespace: team-1', 'exportTo: ["."],') +
        vs('name: b, namespace: team-2', 'exportTo: ["."],'),
      want: [],
    },
    {
      rule: 'exportTo naming the other namespace: they meet there',
      yaml:
        vs('name: a, namespace: team-1', 'exportTo: [team-2],') +
        vs('name: b, namespace: team-2', 'exportTo: ["."],'),
      want: [
        `error ${CODE} VirtualService team-1/a spec.hosts[0]`,
        `error ${CODE} VirtualService team-2/b spec.hosts[0]`,
      ],
    },
    {
      rule: 'one on the mesh, one on a gateway only: no mesh conflict',
      yaml: gw + vs('name: a') + vs('name: b', 'gateways: [istio-system/gw],'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});

describe('MESH-A0006 several VirtualServices for one host on one gateway (merged)', () => {
  const CODE = 'MESH-A0006';
  const gw2 = doc(
    'Gateway',
    'name: gw2, namespace: istio-system',
    '{ selector: { istio: other }, servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }] }',
  );
  it.each([
    {
      rule: 'two VirtualServices bound to the same gateway, named two ways',
      yaml:
        gw +
        vs('name: a', 'gateways: [istio-system/gw],') +
        vs('name: b, namespace: istio-system', 'gateways: [gw],'),
      want: [
        `info ${CODE} VirtualService default/a spec.hosts[0]`,
        `info ${CODE} VirtualService istio-system/b spec.hosts[0]`,
      ],
    },
    {
      rule: 'different gateways: no finding',
      yaml:
        gw +
        gw2 +
        vs('name: a', 'gateways: [istio-system/gw],') +
        vs('name: b', 'gateways: [istio-system/gw2],'),
      want: [],
    },
    {
      rule: 'one not exported to the gateway namespace: not merged',
      yaml:
        gw +
        vs('name: a', 'gateways: [istio-system/gw],') +
        vs('name: b', 'gateways: [istio-system/gw], exportTo: ["."],'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
