import { doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0009';
const known = ['ratings.default.svc.cluster.local'];
const gw = (hosts: string, meta = 'name: gw, namespace: istio-system') =>
  doc(
    'Gateway',
    meta,
    `{ selector: { istio: ingressgateway }, servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: [${hosts}] }] }`,
  );
const vs = (hosts: string, gateways = 'istio-system/gw', meta = 'name: web') =>
  doc(
    'VirtualService',
    meta,
    `{ hosts: [${hosts}], gateways: [${gateways}], http: [{ route: [{ destination: { host: ratings } }] }] }`,
  );

describe('MESH-A0009 VirtualService host not exposed by its Gateway', () => {
  it.each([
    {
      rule: 'no VirtualService host among the server hosts (Istio IST0132 example)',
      yaml: gw('testing.com') + vs('wrong.com'),
      want: [`warning ${CODE} VirtualService default/web spec.gateways[0]`],
    },
    { rule: 'host listed by the gateway', yaml: gw('testing.com') + vs('testing.com'), want: [] },
    {
      rule: 'gateway wildcard covers the host',
      yaml: gw('"*.example.com"') + vs('shop.example.com'),
      want: [],
    },
    { rule: '*/host form', yaml: gw('"*/testing.com"') + vs('testing.com'), want: [] },
    {
      rule: 'ns/host for another namespace',
      yaml: gw('other/testing.com') + vs('testing.com'),
      want: [`warning ${CODE} VirtualService default/web spec.gateways[0]`],
    },
    {
      rule: 'ns/host for the VirtualService namespace',
      yaml: gw('default/testing.com') + vs('testing.com'),
      want: [],
    },
    {
      rule: './host when the VirtualService is elsewhere',
      yaml: gw('./testing.com') + vs('testing.com'),
      want: [`warning ${CODE} VirtualService default/web spec.gateways[0]`],
    },
    {
      rule: './host in the gateway namespace',
      yaml: gw('./testing.com') + vs('testing.com', 'gw', 'name: web, namespace: istio-system'),
      want: [],
    },
    {
      rule: 'one of two hosts not exposed',
      yaml: gw('a.com') + vs('a.com, b.com'),
      want: [`warning ${CODE} VirtualService default/web spec.hosts[1]`],
    },
    {
      rule: 'host served by the second gateway',
      yaml:
        gw('a.com') +
        gw('b.com', 'name: gw2, namespace: istio-system') +
        vs('a.com, b.com', 'istio-system/gw, istio-system/gw2'),
      want: [],
    },
    {
      rule: 'mesh also bound: sidecars serve the host',
      yaml: gw('a.com') + vs('a.com, ratings', 'istio-system/gw, mesh'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
