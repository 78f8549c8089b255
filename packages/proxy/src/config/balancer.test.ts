import type { EndpointBody } from '@mesh/proto';
import type { LbEndpoint, ResolvedTrafficPolicy } from '@mesh/rules';
import { seededRng } from '../http/test-support/fixtures.js';
import {
  createClusterBalancer,
  localityFailoverOf,
  localityWeightsByEndpoint,
  localityWeightsOf,
} from './balancer.js';

const PROXY = 'us/east/a';
const ep = (id: string, locality: string, healthy = true): LbEndpoint => ({
  id,
  locality,
  healthy,
});
const endpoints = [
  ep('local-1', 'us/east/a'),
  ep('local-2', 'us/east/a'),
  ep('zone', 'us/west/a'),
  ep('eu', 'eu/west/a'),
];
const OUTLIER: ResolvedTrafficPolicy['outlierDetection'] = { consecutive5xxErrors: 1 };

/** The ids a balancer hands out over many picks, sorted. */
function picked(policy: ResolvedTrafficPolicy, eps: readonly LbEndpoint[]): string[] {
  const balancer = createClusterBalancer(policy, eps, { proxyLocality: PROXY });
  const rng = seededRng(11);
  const seen = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const e = balancer.pick({ rng });
    if (e) seen.add(e.id);
  }
  return [...seen].sort();
}

describe('createClusterBalancer', () => {
  it("with outlierDetection and no localityLbSetting, keeps to the proxy's locality (mesh default on)", () => {
    const policy = { loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: OUTLIER };
    expect(picked(policy, endpoints)).toEqual(['local-1', 'local-2']);
    // With the ROUND_ROBIN the DestinationRule asked for, inside the level.
    expect(createClusterBalancer(policy, endpoints, { proxyLocality: PROXY }).policy).toBe(
      'ROUND_ROBIN',
    );
  });

  it('moves to the next locality once the local endpoints are unhealthy (ejected)', () => {
    const policy = { outlierDetection: OUTLIER };
    const down = endpoints.map((e) => (e.locality === PROXY ? { ...e, healthy: false } : e));
    expect(picked(policy, down)).toEqual(['zone']);
  });

  it('balances over every endpoint with `enabled: false`', () => {
    const policy = {
      loadBalancer: { localityLbSetting: { enabled: false } },
      outlierDetection: OUTLIER,
    };
    expect(picked(policy, endpoints)).toEqual(['eu', 'local-1', 'local-2', 'zone']);
  });

  it('balances over every endpoint without outlierDetection, even with a localityLbSetting', () => {
    expect(picked({}, endpoints)).toEqual(['eu', 'local-1', 'local-2', 'zone']);
    const failover = { localityLbSetting: { failover: [{ from: 'us', to: 'eu' }] } };
    expect(picked({ loadBalancer: failover }, endpoints)).toEqual([
      'eu',
      'local-1',
      'local-2',
      'zone',
    ]);
  });

  it('honours failover from/to: past its own region the proxy goes to `to`, not elsewhere', () => {
    const eps = [ep('local', 'us/east/a', false), ep('eu', 'eu/west/a'), ep('ap', 'ap/south/a')];
    const failover = {
      outlierDetection: OUTLIER,
      loadBalancer: { localityLbSetting: { failover: [{ from: 'us', to: 'ap' }] } },
    };
    expect(picked(failover, eps)).toEqual(['ap']);
    // Without the rule both other regions share one priority level.
    expect(picked({ outlierDetection: OUTLIER }, eps)).toEqual(['ap', 'eu']);
  });
});

describe('createClusterBalancer with `distribute`', () => {
  const distribute = (to: Record<string, number>, enabled?: boolean) => ({
    loadBalancer: {
      localityLbSetting: {
        ...(enabled !== undefined && { enabled }),
        distribute: [{ from: 'us/east/*', to }],
      },
    },
  });

  it('weights localities without outlierDetection, as Istio does, and drops unnamed ones', () => {
    expect(picked(distribute({ 'eu/*': 100 }), endpoints)).toEqual(['eu']);
    expect(picked(distribute({ 'us/*': 100 }), endpoints)).toEqual(['local-1', 'local-2', 'zone']);
    expect(localityWeightsOf(distribute({ 'eu/*': 100 }))).toBeDefined();
  });

  it('shows each ready endpoint its locality weight for the admin page (0: no traffic)', () => {
    const body = (address: string, locality: string, ready = true): EndpointBody => ({
      address,
      port: 80,
      labels: {},
      ready,
      weight: 1,
      locality,
      source: 'test',
    });
    const bodies = [
      body('10.0.0.1', 'us/east/a'),
      body('10.0.0.2', 'us/west/a'),
      body('10.0.0.3', 'eu/west/a'),
      body('10.0.0.4', 'eu/west/a', false),
    ];
    const weights = localityWeightsByEndpoint(
      distribute({ 'us/*': 60, 'eu/*': 40 }),
      bodies,
      PROXY,
    );
    expect(Object.fromEntries(weights!)).toEqual({
      '10.0.0.1:80': 30,
      '10.0.0.2:80': 30,
      '10.0.0.3:80': 40,
    });
    expect(localityWeightsByEndpoint({}, bodies, PROXY)).toBeUndefined();
  });

  it('is off with `enabled: false`', () => {
    expect(picked(distribute({ 'eu/*': 100 }, false), endpoints)).toEqual([
      'eu',
      'local-1',
      'local-2',
      'zone',
    ]);
    expect(localityWeightsOf(distribute({ 'eu/*': 100 }, false))).toBeUndefined();
  });

  it('takes weights over failover when outlierDetection is set too', () => {
    const policy = { ...distribute({ 'eu/*': 100 }), outlierDetection: OUTLIER };
    expect(picked(policy, endpoints)).toEqual(['eu']);
  });
});

describe('localityFailoverOf', () => {
  it("follows Istio: the DestinationRule's setting, else the mesh default, only with outlierDetection", () => {
    expect(localityFailoverOf({ outlierDetection: {} })).toEqual({ enabled: true });
    const failover = { failover: [{ from: 'us', to: 'eu' }] };
    expect(
      localityFailoverOf({ outlierDetection: {}, loadBalancer: { localityLbSetting: failover } }),
    ).toBe(failover);
    expect(localityFailoverOf({ loadBalancer: { localityLbSetting: failover } })).toBeUndefined();
    expect(
      localityFailoverOf({
        outlierDetection: {},
        loadBalancer: { localityLbSetting: { enabled: false } },
      }),
    ).toBeUndefined();
    // `distribute` is weights, not failover (localityWeightsOf).
    expect(
      localityFailoverOf({
        outlierDetection: {},
        loadBalancer: {
          localityLbSetting: { distribute: [{ from: 'us/*', to: { 'eu/*': 100 } }] },
        },
      }),
    ).toBeUndefined();
  });
});
