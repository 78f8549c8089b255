import { doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0007';
const dr = (host: string) =>
  doc(
    'DestinationRule',
    'name: d',
    `{ host: ${host}, trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } } }`,
  );

describe('MESH-A0007 DestinationRule host not found and not routed to', () => {
  it.each([
    {
      rule: 'host nothing defines or routes to',
      yaml: dr('ghost'),
      known: [],
      want: [`warning ${CODE} DestinationRule default/d spec.host`],
    },
    {
      rule: 'host is a known Service',
      yaml: dr('ghost'),
      known: ['ghost.default.svc.cluster.local'],
      want: [],
    },
    {
      rule: 'host of a ServiceEntry',
      yaml:
        dr('api.example.com') +
        doc('ServiceEntry', 'name: s', '{ hosts: [api.example.com], resolution: DNS }'),
      known: [],
      want: [],
    },
    {
      rule: 'host a VirtualService routes to (the VirtualService gets MESH-A0002 instead)',
      yaml:
        dr('ghost') +
        doc(
          'VirtualService',
          'name: v',
          '{ hosts: [ghost], http: [{ route: [{ destination: { host: ghost } }] }] }',
        ),
      known: [],
      want: [],
    },
    {
      rule: 'wildcard host is a policy, not a reference',
      yaml: dr('"*.example.com"'),
      known: [],
      want: [],
    },
  ])('$rule', ({ yaml, known, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
