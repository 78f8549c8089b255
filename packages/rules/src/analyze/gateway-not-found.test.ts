import { doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0008';
const known = ['web.default.svc.cluster.local'];
const gw = (meta: string) =>
  doc(
    'Gateway',
    meta,
    '{ selector: { istio: ingressgateway }, servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }] }',
  );
const vs = (gateways: string, meta = 'name: web') =>
  doc(
    'VirtualService',
    meta,
    `{ hosts: [web.example.com], gateways: [${gateways}], http: [{ route: [{ destination: { host: web } }] }] }`,
  );

describe('MESH-A0008 referenced Gateway not found', () => {
  it.each([
    {
      rule: 'ns/name that does not exist',
      yaml: vs('istio-system/gone'),
      want: [`error ${CODE} VirtualService default/web spec.gateways[0]`],
    },
    {
      rule: 'short name is looked up in the VirtualService namespace',
      yaml: gw('name: gw, namespace: istio-system') + vs('gw'),
      want: [`error ${CODE} VirtualService default/web spec.gateways[0]`],
    },
    {
      rule: 'ns/name that exists',
      yaml: gw('name: gw, namespace: istio-system') + vs('istio-system/gw'),
      want: [],
    },
    { rule: 'short name in the same namespace', yaml: gw('name: gw') + vs('gw'), want: [] },
    {
      rule: './name',
      yaml: gw('name: gw, namespace: edge') + vs('./gw', 'name: web, namespace: edge'),
      want: [],
    },
    {
      rule: 'legacy FQDN form',
      yaml: gw('name: gw, namespace: istio-system') + vs('gw.istio-system.svc.cluster.local'),
      want: [],
    },
    { rule: '"mesh" is reserved, never a Gateway', yaml: vs('mesh'), want: [] },
    {
      rule: 'gateway named in a route match',
      yaml:
        gw('name: gw, namespace: istio-system') +
        doc(
          'VirtualService',
          'name: web',
          '{ hosts: [web.example.com], gateways: [istio-system/gw, mesh], http: [{ match: [{ gateways: [mesh, istio-system/gw2] }], route: [{ destination: { host: web } }] }] }',
        ),
      want: [`error ${CODE} VirtualService default/web spec.http[0].match[0].gateways[1]`],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
