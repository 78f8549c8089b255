import { doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0001';
const known = ['reviews.default.svc.cluster.local', 'api.example.com'];
const vsTo = (dest: string) =>
  doc(
    'VirtualService',
    'name: reviews',
    `{ hosts: [reviews], http: [{ route: [{ destination: ${dest} }] }] }`,
  );
const dr = (host: string, subsets: string[], meta = 'name: reviews') =>
  doc(
    'DestinationRule',
    meta,
    `{ host: ${host}, subsets: [${subsets.map((s) => `{ name: ${s}, labels: { v: ${s} } }`).join(', ')}] }`,
  );

describe('MESH-A0001 subset not defined in any DestinationRule for the host', () => {
  it.each([
    {
      rule: 'route subset missing from the DestinationRule',
      yaml: vsTo('{ host: reviews, subset: v2 }') + dr('reviews', ['v1']),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].route[0].destination.subset`,
      ],
    },
    {
      rule: 'subset defined: no finding',
      yaml: vsTo('{ host: reviews, subset: v2 }') + dr('reviews', ['v1', 'v2']),
      want: [],
    },
    {
      rule: 'no DestinationRule at all for the host',
      yaml: vsTo('{ host: reviews, subset: v1 }'),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].route[0].destination.subset`,
      ],
    },
    {
      rule: 'no subset on the destination: nothing to check',
      yaml: vsTo('{ host: reviews }'),
      want: [],
    },
    {
      // Istio looks in the client, service and root namespaces only: ops is none of them.
      rule: 'DestinationRule in an unrelated namespace naming the host by FQDN',
      yaml:
        vsTo('{ host: reviews, subset: v1 }') +
        dr('reviews.default.svc.cluster.local', ['v1'], 'name: r, namespace: ops'),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].route[0].destination.subset`,
      ],
    },
    {
      rule: "DestinationRule in the service's namespace, exported everywhere",
      yaml:
        vsTo('{ host: reviews.shop.svc.cluster.local, subset: v1 }') +
        dr('reviews', ['v1'], 'name: r, namespace: shop'),
      want: [],
    },
    {
      rule: "DestinationRule in the service's namespace exported only to itself",
      yaml:
        vsTo('{ host: reviews.shop.svc.cluster.local, subset: v1 }') +
        doc(
          'DestinationRule',
          'name: r, namespace: shop',
          '{ host: reviews, exportTo: ["."], subsets: [{ name: v1 }] }',
        ),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].route[0].destination.subset`,
      ],
    },
    {
      rule: 'DestinationRule in the root namespace istio-system, exported everywhere',
      yaml:
        vsTo('{ host: reviews, subset: v1 }') +
        dr('reviews.default.svc.cluster.local', ['v1'], 'name: r, namespace: istio-system'),
      want: [],
    },
    {
      rule: "a rule in the client's namespace hides the service namespace's rule",
      yaml:
        vsTo('{ host: reviews.shop.svc.cluster.local, subset: v1 }') +
        dr('reviews.shop.svc.cluster.local', ['v2'], 'name: local') +
        dr('reviews', ['v1'], 'name: r, namespace: shop'),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].route[0].destination.subset`,
      ],
    },
    {
      rule: "ServiceEntry's namespace is the service namespace for its host",
      yaml:
        vsTo('{ host: api.example.com, subset: v1 }') +
        doc('ServiceEntry', 'name: api, namespace: ext', '{ hosts: [api.example.com] }') +
        dr('api.example.com', ['v1'], 'name: api, namespace: ext'),
      want: [],
    },
    {
      rule: 'short DestinationRule host in another namespace is a different host',
      yaml:
        vsTo('{ host: reviews, subset: v1 }') + dr('reviews', ['v1'], 'name: r, namespace: ops'),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].route[0].destination.subset`,
      ],
    },
    {
      rule: 'wildcard DestinationRule defines the subset',
      yaml: vsTo('{ host: api.example.com, subset: v1 }') + dr('"*.example.com"', ['v1']),
      want: [],
    },
    {
      rule: 'an exact-host DestinationRule hides the wildcard one, as in Istio',
      yaml:
        vsTo('{ host: api.example.com, subset: v1 }') +
        dr('"*.example.com"', ['v1'], 'name: wild') +
        dr('api.example.com', ['v2'], 'name: exact'),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].route[0].destination.subset`,
      ],
    },
    {
      rule: 'mirror, mirrors, tcp and tls destinations are checked too',
      yaml: doc(
        'VirtualService',
        'name: reviews',
        `{ hosts: [reviews],
           http: [{ route: [{ destination: { host: reviews } }], mirror: { host: reviews, subset: m1 },
                    mirrors: [{ destination: { host: reviews, subset: m2 } }] }],
           tcp: [{ route: [{ destination: { host: reviews, subset: t1 } }] }],
           tls: [{ match: [{ sniHosts: [reviews] }], route: [{ destination: { host: reviews, subset: s1 } }] }] }`,
      ),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].mirror.subset`,
        `error ${CODE} VirtualService default/reviews spec.http[0].mirrors[0].destination.subset`,
        `error ${CODE} VirtualService default/reviews spec.tcp[0].route[0].destination.subset`,
        `error ${CODE} VirtualService default/reviews spec.tls[0].route[0].destination.subset`,
      ],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
