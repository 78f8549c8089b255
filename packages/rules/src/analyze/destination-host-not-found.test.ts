import { analyzeYaml, doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0002';
const vsTo = (host: string, meta = 'name: front') =>
  doc(
    'VirtualService',
    meta,
    `{ hosts: [front], http: [{ route: [{ destination: { host: ${host} } }] }] }`,
  );
const front = 'front.default.svc.cluster.local';

describe('MESH-A0002 destination host not found', () => {
  it.each([
    {
      rule: 'host neither a known Service nor a ServiceEntry host',
      yaml: vsTo('ghost'),
      known: [front],
      want: [`error ${CODE} VirtualService default/front spec.http[0].route[0].destination.host`],
    },
    {
      rule: 'host among the known hosts (short name resolved in the VirtualService namespace)',
      yaml: vsTo('ghost'),
      known: [front, 'ghost.default.svc.cluster.local'],
      want: [],
    },
    {
      rule: 'short name resolves in the VirtualService namespace, not default',
      yaml: vsTo('cart', 'name: front, namespace: shop'),
      known: ['cart.default.svc.cluster.local'],
      want: [`error ${CODE} VirtualService shop/front spec.http[0].route[0].destination.host`],
    },
    {
      rule: 'host of a ServiceEntry in the set',
      yaml:
        vsTo('api.example.com') +
        doc('ServiceEntry', 'name: api', '{ hosts: [api.example.com], resolution: DNS }'),
      known: [],
      want: [],
    },
    {
      rule: 'host matched by a wildcard ServiceEntry host',
      yaml:
        vsTo('api.example.com') +
        doc('ServiceEntry', 'name: api', '{ hosts: ["*.example.com"], resolution: NONE }'),
      known: [],
      want: [],
    },
    {
      rule: 'a wildcard ServiceEntry for another domain does not count',
      yaml:
        vsTo('api.example.org') +
        doc('ServiceEntry', 'name: api', '{ hosts: ["*.example.com"], resolution: NONE }'),
      known: [],
      want: [`error ${CODE} VirtualService default/front spec.http[0].route[0].destination.host`],
    },
    {
      rule: 'ServiceEntry exported only to its own namespace is not known elsewhere',
      yaml:
        vsTo('api.example.com') +
        doc(
          'ServiceEntry',
          'name: api, namespace: ext',
          '{ hosts: [api.example.com], exportTo: ["."], resolution: DNS }',
        ),
      known: [],
      want: [`error ${CODE} VirtualService default/front spec.http[0].route[0].destination.host`],
    },
    {
      rule: "ServiceEntry exported to the VirtualService's namespace",
      yaml:
        vsTo('api.example.com') +
        doc(
          'ServiceEntry',
          'name: api, namespace: ext',
          '{ hosts: [api.example.com], exportTo: [".", default], resolution: DNS }',
        ),
      known: [],
      want: [],
    },
    {
      rule: 'mirror destinations are checked too',
      yaml: doc(
        'VirtualService',
        'name: front',
        '{ hosts: [front], http: [{ route: [{ destination: { host: front } }], mirror: { host: shadow } }] }',
      ),
      known: [front],
      want: [`error ${CODE} VirtualService default/front spec.http[0].mirror.host`],
    },
  ])('$rule', ({ yaml, known, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });

  it('suggests the known host a typo was meant to be', () => {
    const [typo] = analyzeYaml(vsTo('frnot'), [front]).filter((d) => d.code === CODE);
    expect(typo?.message).toBe(
      'destination host "frnot.default.svc.cluster.local" is not a Kubernetes Service or ServiceEntry host known to the analysis; did you mean "front.default.svc.cluster.local"?',
    );
    const [unrelated] = analyzeYaml(vsTo('ghost'), [front]).filter((d) => d.code === CODE);
    expect(unrelated?.message).not.toContain('did you mean');
  });
});
