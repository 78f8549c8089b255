import {
  createLocalityWeightedLoadBalancer,
  distributeLocalityWeights,
  localityPatternMatches,
} from './locality-weights.js';
import { seededRng } from './test-support/seeded-rng.js';
import { binomialFractionSd, SIGMAS } from './test-support/stats.js';

const ep = (id: string, locality: string, healthy = true) => ({ id, locality, healthy });
const PROXY = 'us-west/zone1/sub1';
// Istio's docs example: two endpoints in zone1, one in zone2, one in us-east.
const eps = [
  ep('z1a', 'us-west/zone1/sub1'),
  ep('z1b', 'us-west/zone1/sub2'),
  ep('z2', 'us-west/zone2/sub1'),
  ep('east', 'us-east/zone1/sub1'),
];
const weights = (w: ReturnType<typeof distributeLocalityWeights>) =>
  w && Object.fromEntries(w.map((l) => [l.locality, l.weight]));

describe('localityPatternMatches (Istio LocalityMatch)', () => {
  it.each([
    ['us-west/zone1/*', 'us-west/zone1/sub1', true],
    ['us-west/zone1', 'us-west/zone1/sub1', true],
    ['us-west', 'us-west/zone9/x', true],
    ['us-west/*', 'us-west/zone9/x', true],
    ['*', 'anything/at/all', true],
    ['us-west/zone1/sub1', 'us-west/zone1/sub2', false],
    ['us-west/zone2/*', 'us-west/zone1/sub1', false],
    ['us-east', 'us-west/zone1/sub1', false],
  ])('%s against %s: %s', (pattern, locality, expected) => {
    expect(localityPatternMatches(pattern, locality)).toBe(expected);
  });
});

describe('distributeLocalityWeights (Istio applyLocalityWeights)', () => {
  it('shares a pattern weight among the localities it matches, by their endpoint counts', () => {
    const w = distributeLocalityWeights(eps, PROXY, [
      { from: 'us-west/zone1/*', to: { 'us-west/zone1/*': 80, 'us-west/zone2/*': 20 } },
    ]);
    // zone1 has two localities with one endpoint each: 80 split 40/40; us-east gets nothing.
    expect(weights(w)).toEqual({
      'us-west/zone1/sub1': 40,
      'us-west/zone1/sub2': 40,
      'us-west/zone2/sub1': 20,
    });
  });

  it('rounds each share up, as Istio does', () => {
    const three = [ep('a', 'r/z/1'), ep('b', 'r/z/2'), ep('c', 'r/z/3'), ep('d', 'r/z/3')];
    const w = distributeLocalityWeights(three, 'r/z/1', [{ from: 'r', to: { 'r/z/*': 10 } }]);
    // 10 x 1/4 = 2.5 -> 3; 10 x 2/4 = 5.
    expect(weights(w)).toEqual({ 'r/z/1': 3, 'r/z/2': 3, 'r/z/3': 5 });
  });

  it('uses the first entry from the proxy locality; none from it means no weights', () => {
    const distribute: { from: string; to: Record<string, number> }[] = [
      { from: 'us-east/*', to: { 'us-east/*': 100 } },
      { from: 'us-west/*', to: { 'us-east/*': 100 } },
      { from: '*', to: { 'us-west/zone2/*': 100 } },
    ];
    expect(weights(distributeLocalityWeights(eps, PROXY, distribute))).toEqual({
      'us-east/zone1/sub1': 100,
    });
    expect(distributeLocalityWeights(eps, PROXY, [{ from: 'eu', to: { '*': 100 } }])).toBe(
      undefined,
    );
  });

  it('gives a locality to the first pattern that matches it', () => {
    const w = distributeLocalityWeights(eps, PROXY, [
      { from: '*', to: { 'us-west/zone1/sub1': 70, 'us-west/*': 30 } },
    ]);
    expect(weights(w)).toEqual({
      'us-west/zone1/sub1': 70,
      'us-west/zone1/sub2': 15,
      'us-west/zone2/sub1': 15,
    });
  });

  it('leaves a weight-0 pattern localities at their own weight (Istio only sets weights > 0)', () => {
    const w = distributeLocalityWeights(eps, PROXY, [
      { from: '*', to: { 'us-west/zone1/*': 100, 'us-east/*': 0 } },
    ]);
    expect(weights(w)).toEqual({
      'us-west/zone1/sub1': 50,
      'us-west/zone1/sub2': 50,
      'us-east/zone1/sub1': 1,
    });
  });
});

describe('createLocalityWeightedLoadBalancer', () => {
  const settings = (to: Record<string, number>) => ({
    localityLbSetting: { distribute: [{ from: 'us-west/zone1/*', to }] },
  });

  function shares(
    endpoints: typeof eps,
    to: Record<string, number>,
    draws = 20_000,
  ): Record<string, number> {
    const lb = createLocalityWeightedLoadBalancer(settings(to), endpoints, {
      proxyLocality: PROXY,
    });
    const rng = seededRng(7);
    const counts: Record<string, number> = {};
    for (let i = 0; i < draws; i++) {
      const id = lb.pick({ rng })?.id ?? 'none';
      counts[id] = (counts[id] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / draws]));
  }

  it('sends each locality its share of requests, within statistical bounds', () => {
    const got = shares(eps, { 'us-west/zone1/*': 80, 'us-west/zone2/*': 20 });
    const bound = SIGMAS * binomialFractionSd(0.4, 20_000);
    expect(Math.abs(got['z1a']! - 0.4)).toBeLessThan(bound);
    expect(Math.abs(got['z1b']! - 0.4)).toBeLessThan(bound);
    expect(Math.abs(got['z2']! - 0.2)).toBeLessThan(SIGMAS * binomialFractionSd(0.2, 20_000));
    expect(got['east']).toBeUndefined();
  });

  it('moves a locality share away as its hosts become unhealthy (Envoy availability 1.4x)', () => {
    const zone2 = [ep('z2a', 'us-west/zone2/a'), ep('z2b', 'us-west/zone2/a', false)];
    const endpoints = [ep('z1', 'us-west/zone1/sub1'), ...zone2];
    // zone2 is half healthy: availability 70%, so its weight 50 counts as 35 against 50.
    const got = shares(endpoints, { 'us-west/zone1/*': 50, 'us-west/zone2/*': 50 });
    const p = 35 / 85;
    expect(Math.abs(got['z2a']! - p)).toBeLessThan(SIGMAS * binomialFractionSd(p, 20_000));
    expect(got['z2b']).toBeUndefined();
    // With no healthy host left in zone2, all traffic stays in zone1.
    const down = [ep('z1', 'us-west/zone1/sub1'), ep('z2', 'us-west/zone2/a', false)];
    expect(shares(down, { 'us-west/zone1/*': 50, 'us-west/zone2/*': 50 })).toEqual({ z1: 1 });
  });

  it('balances over every endpoint when no entry is from the proxy locality', () => {
    const lb = createLocalityWeightedLoadBalancer(
      { localityLbSetting: { distribute: [{ from: 'eu/*', to: { 'us-east/*': 100 } }] } },
      eps,
      { proxyLocality: PROXY },
    );
    expect(lb.candidates.map((e) => e.id)).toEqual(['z1a', 'z1b', 'z2', 'east']);
  });

  it('leaves out the localities no pattern names, for hash policies too', () => {
    const lb = createLocalityWeightedLoadBalancer(
      {
        consistentHash: { httpHeaderName: 'x-user' },
        localityLbSetting: { distribute: [{ from: '*', to: { 'us-west/*': 100 } }] },
      },
      eps,
      { proxyLocality: PROXY },
    );
    expect(lb.policy).toBe('RING_HASH');
    expect(lb.candidates.map((e) => e.id)).toEqual(['z1a', 'z1b', 'z2']);
  });
});
