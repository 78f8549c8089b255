import { doc, findings } from './test-support/findings.js';
import { liveFindings, onlyFinding, workload } from './test-support/live.js';

const CODE = 'MESH-A0021';
const reviewsDr = (subsets: string) =>
  doc('DestinationRule', 'name: reviews', `{ host: reviews, subsets: [${subsets}] }`);
const V1_V4 = '{ name: v1, labels: { version: v1 } }, { name: v4, labels: { version: v4 } }';
const vsTo = (routes: string) =>
  doc('VirtualService', 'name: reviews', `{ hosts: [reviews], http: [{ route: [${routes}] }] }`);
const ROUTE_0 = `error ${CODE} VirtualService default/reviews spec.http[0].route[0].destination.subset`;

describe('MESH-A0021 route to a subset that selects no registered endpoint', () => {
  it.each([
    {
      rule: 'a route to a subset whose labels no workload of the host carries',
      yaml: reviewsDr(V1_V4) + vsTo('{ destination: { host: reviews, subset: v4 } }'),
      want: [ROUTE_0],
    },
    {
      rule: 'a route to a subset with workloads, beside an empty one nothing routes to (as Bookinfo declares ratings v2): no finding',
      yaml: reviewsDr(V1_V4) + vsTo('{ destination: { host: reviews, subset: v1 } }'),
      want: [],
    },
    {
      rule: 'weight 0 sends nothing there (a staged canary): no finding',
      yaml:
        reviewsDr(V1_V4) +
        vsTo(
          '{ destination: { host: reviews, subset: v1 }, weight: 100 }, { destination: { host: reviews, subset: v4 }, weight: 0 }',
        ),
      want: [],
    },
    {
      rule: 'a weighted route to the empty subset',
      yaml:
        reviewsDr(V1_V4) +
        vsTo(
          '{ destination: { host: reviews, subset: v1 }, weight: 90 }, { destination: { host: reviews, subset: v4 }, weight: 10 }',
        ),
      want: [
        `error ${CODE} VirtualService default/reviews spec.http[0].route[1].destination.subset`,
      ],
    },
    {
      rule: 'a mirror to the empty subset fails no request: no finding',
      yaml:
        reviewsDr(V1_V4) +
        doc(
          'VirtualService',
          'name: reviews',
          '{ hosts: [reviews], http: [{ route: [{ destination: { host: reviews, subset: v1 } }], mirror: { host: reviews, subset: v4 } }] }',
        ),
      want: [],
    },
    {
      rule: 'a subset without labels selects every endpoint: no finding',
      yaml: reviewsDr('{ name: all }') + vsTo('{ destination: { host: reviews, subset: all } }'),
      want: [],
    },
    {
      rule: 'every selector label must match one workload (version=v1 and track=canary)',
      yaml:
        reviewsDr('{ name: c, labels: { version: v1, track: canary } }') +
        vsTo('{ destination: { host: reviews, subset: c } }'),
      want: [ROUTE_0],
    },
    {
      rule: 'an undefined subset is MESH-A0001, not this',
      yaml: reviewsDr(V1_V4) + vsTo('{ destination: { host: reviews, subset: v9 } }'),
      want: [],
    },
    {
      rule: 'a host with no registered workload is MESH-A0002, not this',
      yaml:
        doc(
          'DestinationRule',
          'name: payments',
          '{ host: payments, subsets: [{ name: v1, labels: { version: v1 } }] }',
        ) +
        doc(
          'VirtualService',
          'name: reviews',
          '{ hosts: [reviews], http: [{ route: [{ destination: { host: payments, subset: v1 } }] }] }',
        ),
      want: [],
    },
    {
      rule: 'a tcp route to the empty subset',
      yaml:
        reviewsDr(V1_V4) +
        doc(
          'VirtualService',
          'name: reviews',
          '{ hosts: [reviews], tcp: [{ route: [{ destination: { host: reviews, subset: v4 } }] }] }',
        ),
      want: [
        `error ${CODE} VirtualService default/reviews spec.tcp[0].route[0].destination.subset`,
      ],
    },
    {
      rule: "the DestinationRule Istio's lookup finds for the client namespace counts",
      yaml:
        reviewsDr(V1_V4) +
        doc(
          'DestinationRule',
          'name: reviews, namespace: shop',
          '{ host: reviews.default.svc.cluster.local, subsets: [{ name: v4, labels: { version: v2 } }] }',
        ) +
        doc(
          'VirtualService',
          'name: reviews, namespace: shop',
          '{ hosts: [reviews.default.svc.cluster.local], http: [{ route: [{ destination: { host: reviews.default.svc.cluster.local, subset: v4 } }] }] }',
        ),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(liveFindings(CODE, yaml)).toEqual(want);
  });

  it('ServiceEntry hosts count their WorkloadEntries and selected workloads as endpoints', () => {
    const se = doc(
      'ServiceEntry',
      'name: billing',
      '{ hosts: [billing.internal], ports: [{ number: 80, name: http, protocol: HTTP }], resolution: STATIC, workloadSelector: { labels: { app: billing } } }',
    );
    const we = doc(
      'WorkloadEntry',
      'name: billing-vm',
      '{ address: 10.0.0.7, labels: { app: billing, version: vm } }',
    );
    const dr = doc(
      'DestinationRule',
      'name: billing',
      '{ host: billing.internal, subsets: [{ name: vm, labels: { version: vm } }, { name: pod, labels: { version: pod } }] }',
    );
    const vs = (subset: string) =>
      doc(
        'VirtualService',
        'name: billing',
        `{ hosts: [billing.internal], http: [{ route: [{ destination: { host: billing.internal, subset: ${subset} } }] }] }`,
      );
    expect(liveFindings(CODE, se + we + dr + vs('vm'))).toEqual([]);
    expect(liveFindings(CODE, se + we + dr + vs('pod'))).toEqual([
      `error ${CODE} VirtualService default/billing spec.http[0].route[0].destination.subset`,
    ]);
    const registry = { workloads: [workload('billing-pod', { app: 'billing', version: 'pod' })] };
    expect(liveFindings(CODE, se + dr + vs('pod'), registry)).toEqual([]);
  });

  it('says which labels the workloads carry instead, and which subsets have endpoints', () => {
    expect(
      onlyFinding(CODE, reviewsDr(V1_V4) + vsTo('{ destination: { host: reviews, subset: v4 } }')),
    ).toEqual({
      message:
        'subset "v4" of reviews.default.svc.cluster.local selects no endpoints: DestinationRule default/reviews gives it version=v4, and the host\'s 3 registered workloads have version=v1, v2, v3; requests on this route get 503 (UH)',
      hint: 'Route to a subset that has endpoints ("v1"), or start workloads labelled version=v4.',
    });
    expect(
      onlyFinding(
        CODE,
        reviewsDr('{ name: c, labels: { version: v1, track: canary } }') +
          vsTo('{ destination: { host: reviews, subset: c } }'),
      ).message,
    ).toContain(
      'gives it track=canary, version=v1, and the host\'s 3 registered workloads have no "track" label; version=v1, v2, v3',
    );
  });

  it('runs only against a live registry (file analysis cannot know endpoints)', () => {
    const yaml = reviewsDr(V1_V4) + vsTo('{ destination: { host: reviews, subset: v4 } }');
    expect(findings(CODE, yaml, ['reviews.default.svc.cluster.local'])).toEqual([]);
  });
});
