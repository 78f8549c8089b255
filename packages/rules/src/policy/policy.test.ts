import { destinationPolicy } from './policy.js';
import { compileYaml, dr, REVIEWS, REVIEWS_SERVICE } from '../route/test-support/fixtures.js';

const config = compileYaml(
  [
    dr(
      'reviews',
      `
host: reviews
trafficPolicy:
  loadBalancer: { simple: ROUND_ROBIN }
  connectionPool: { http: { http1MaxPendingRequests: 10 }, tcp: { maxConnections: 50 } }
  outlierDetection: { consecutive5xxErrors: 7 }
  tls: { mode: ISTIO_MUTUAL }
  portLevelSettings:
  - port: { number: 9443 }
    connectionPool: { tcp: { maxConnections: 5 } }
subsets:
- name: v1
  labels: { version: v1 }
- name: v2
  labels: { version: v2 }
  trafficPolicy:
    loadBalancer: { simple: RANDOM }
    portLevelSettings:
    - port: { number: 9999 }
      outlierDetection: { consecutive5xxErrors: 1 }
`,
    ),
    dr('wild', `host: '*.example.com'\ntrafficPolicy: { loadBalancer: { simple: RANDOM } }`),
    dr(
      'exact',
      `host: api.example.com\ntrafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } } }`,
    ),
    dr(
      'hash',
      `host: cart.example.com\ntrafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } } }`,
    ),
    dr(
      'private',
      `host: ratings.team.svc.cluster.local\nexportTo: ['.']\ntrafficPolicy: { loadBalancer: { simple: RANDOM } }`,
      'team',
    ),
    dr(
      'client-side',
      `host: ratings.team.svc.cluster.local\ntrafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }`,
      'client',
    ),
    dr(
      'more-subsets',
      `host: reviews\nsubsets: [{ name: v1, labels: { version: shadowed } }, { name: v3, labels: { version: v3 } }]`,
    ),
  ].join(''),
  { services: [REVIEWS_SERVICE] },
);

const ok = (r: ReturnType<typeof destinationPolicy>) => {
  if (!r.ok) throw new Error(r.message);
  return r;
};

describe('destinationPolicy', () => {
  it('top-level policy applies when no subset or port is asked for', () => {
    const p = ok(destinationPolicy(config, { host: REVIEWS }));
    expect(p.rule).toEqual({ namespace: 'default', name: 'reviews' });
    expect(p.trafficPolicy).toEqual({
      loadBalancer: { simple: 'ROUND_ROBIN' },
      connectionPool: { http: { http1MaxPendingRequests: 10 }, tcp: { maxConnections: 50 } },
      outlierDetection: { consecutive5xxErrors: 7 },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
  });

  it('portLevelSettings do not inherit: the port entry replaces the whole level', () => {
    const p = ok(destinationPolicy(config, { host: REVIEWS, port: 9443 }));
    // Only what the port entry sets survives; LB falls back to Istio's default, not ROUND_ROBIN.
    expect(p.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 5 } },
      loadBalancer: { simple: 'LEAST_REQUEST' },
    });
  });

  it('a port without portLevelSettings keeps the top level', () => {
    expect(
      ok(destinationPolicy(config, { host: REVIEWS, port: 9080 })).trafficPolicy.outlierDetection,
    ).toEqual({ consecutive5xxErrors: 7 });
  });

  it('subset trafficPolicy overrides top-level fields one by one', () => {
    const p = ok(destinationPolicy(config, { host: REVIEWS, subset: 'v2' }));
    expect(p.trafficPolicy.loadBalancer).toEqual({ simple: 'RANDOM' });
    expect(p.trafficPolicy.outlierDetection).toEqual({ consecutive5xxErrors: 7 });
    expect(p.subsetLabels).toEqual({ version: 'v2' });
  });

  it('subset port-level entry replaces all four port fields, even ones it leaves out', () => {
    const p = ok(destinationPolicy(config, { host: REVIEWS, subset: 'v2', port: 9999 }));
    expect(p.trafficPolicy).toEqual({
      outlierDetection: { consecutive5xxErrors: 1 },
      loadBalancer: { simple: 'LEAST_REQUEST' },
    });
  });

  it('retryBudget is inherited by subsets and overridden only where a subset sets it', () => {
    const budget = compileYaml(
      dr(
        'budget',
        `
host: ratings
trafficPolicy:
  retryBudget: { percent: 20, minRetryConcurrency: 3 }
subsets:
- name: v1
  labels: { version: v1 }
- name: v2
  labels: { version: v2 }
  trafficPolicy: { retryBudget: { percent: 50 } }
`,
      ),
    );
    const host = 'ratings.default.svc.cluster.local';
    expect(ok(destinationPolicy(budget, { host, subset: 'v1' })).trafficPolicy.retryBudget).toEqual(
      { percent: 20, minRetryConcurrency: 3 },
    );
    expect(ok(destinationPolicy(budget, { host, subset: 'v2' })).trafficPolicy.retryBudget).toEqual(
      { percent: 50 },
    );
  });

  it('subset without trafficPolicy takes the top level and its labels', () => {
    const p = ok(destinationPolicy(config, { host: REVIEWS, subset: 'v1' }));
    expect(p.trafficPolicy.loadBalancer).toEqual({ simple: 'ROUND_ROBIN' });
    expect(p.subsetLabels).toEqual({ version: 'v1' });
  });

  it('several DestinationRules for one host merge subsets; the first definition of a name wins', () => {
    expect(ok(destinationPolicy(config, { host: REVIEWS, subset: 'v3' })).subsetLabels).toEqual({
      version: 'v3',
    });
    expect(ok(destinationPolicy(config, { host: REVIEWS, subset: 'v1' })).subsetLabels).toEqual({
      version: 'v1',
    });
  });

  it('unknown subset is an error value, not a throw', () => {
    expect(destinationPolicy(config, { host: REVIEWS, subset: 'v9' })).toEqual({
      ok: false,
      reason: 'unknown-subset',
      message: `subset v9 is not defined by DestinationRule default/reviews for ${REVIEWS}`,
    });
    expect(
      destinationPolicy(config, { host: 'nodr.default.svc.cluster.local', subset: 'v1' }),
    ).toMatchObject({ ok: false, reason: 'unknown-subset' });
  });

  it.each([
    ['exact host beats wildcard', 'api.example.com', { simple: 'LEAST_REQUEST' }, 'exact'],
    ['wildcard host applies to other names', 'web.example.com', { simple: 'RANDOM' }, 'wild'],
    [
      'default LB is LEAST_REQUEST when none is set',
      'nodr.default.svc.cluster.local',
      { simple: 'LEAST_REQUEST' },
      undefined,
    ],
    [
      'consistentHash is kept without adding simple',
      'cart.example.com',
      { consistentHash: { httpHeaderName: 'x-user' } },
      'hash',
    ],
  ])('%s', (_n, host, lb, rule) => {
    const p = ok(destinationPolicy(config, { host }));
    expect(p.trafficPolicy.loadBalancer).toEqual(lb);
    expect(p.rule?.name).toBe(rule);
  });

  it.each([
    ['exportTo dot: visible in its own namespace', 'team', 'private'],
    [
      'the caller namespace DestinationRule beats the service namespace one',
      'client',
      'client-side',
    ],
    ['exportTo dot hides from other namespaces', 'elsewhere', undefined],
  ])('%s', (_n, consumerNamespace, rule) => {
    const p = ok(
      destinationPolicy(config, { host: 'ratings.team.svc.cluster.local', consumerNamespace }),
    );
    expect(p.rule?.name).toBe(rule);
  });

  it('results are frozen', () => {
    const p = ok(destinationPolicy(config, { host: REVIEWS }));
    expect(Object.isFrozen(p.trafficPolicy.loadBalancer)).toBe(true);
  });
});
