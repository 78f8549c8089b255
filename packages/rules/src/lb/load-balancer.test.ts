import { createLoadBalancer, isPassthroughLb, lbPolicyOf } from './load-balancer.js';
import { scriptedRng, seededRng } from './test-support/seeded-rng.js';

const eps = [{ id: 'a:1' }, { id: 'b:1' }, { id: 'c:1' }];

describe('lbPolicyOf', () => {
  it('maps Istio settings to an algorithm, defaulting to LEAST_REQUEST', () => {
    expect(lbPolicyOf(undefined)).toBe('LEAST_REQUEST');
    expect(lbPolicyOf({ simple: 'UNSPECIFIED' })).toBe('LEAST_REQUEST');
    expect(lbPolicyOf({ simple: 'LEAST_CONN' })).toBe('LEAST_REQUEST');
    expect(lbPolicyOf({ simple: 'ROUND_ROBIN' })).toBe('ROUND_ROBIN');
    expect(lbPolicyOf({ simple: 'RANDOM' })).toBe('RANDOM');
    expect(lbPolicyOf({ simple: 'PASSTHROUGH' })).toBe('PASSTHROUGH');
    expect(lbPolicyOf({ consistentHash: { useSourceIp: true } })).toBe('RING_HASH');
    expect(lbPolicyOf({ consistentHash: { useSourceIp: true, maglev: {} } })).toBe('MAGLEV');
  });
});

describe('createLoadBalancer', () => {
  it('keeps round-robin state in the balancer object', () => {
    const lb = createLoadBalancer({ simple: 'ROUND_ROBIN' }, eps);
    const rng = () => 0;
    expect([1, 2, 3, 4].map(() => lb.pick({ rng })?.id)).toEqual(['a:1', 'b:1', 'c:1', 'a:1']);
    const fresh = createLoadBalancer({ simple: 'ROUND_ROBIN' }, eps);
    expect(fresh.pick({ rng })?.id).toBe('a:1');
  });

  it('PASSTHROUGH never picks: the caller uses the original destination', () => {
    const lb = createLoadBalancer({ simple: 'PASSTHROUGH' }, eps);
    expect(isPassthroughLb(lb)).toBe(true);
    expect(lb.pick({ rng: () => 0 })).toBeUndefined();
    expect(isPassthroughLb(createLoadBalancer(undefined, eps))).toBe(false);
  });

  it('applies the panic threshold before any algorithm', () => {
    const mixed = [{ id: 'a:1', healthy: false }, { id: 'b:1' }, { id: 'c:1', healthy: false }];
    expect(createLoadBalancer({ simple: 'RANDOM' }, mixed).candidates).toHaveLength(3);
    expect(
      createLoadBalancer({ simple: 'RANDOM' }, mixed, { panicThresholdPercent: 30 }).candidates,
    ).toEqual([{ id: 'b:1' }]);
  });

  it('hash balancers are sticky per key and random without one', () => {
    for (const consistentHash of [
      { httpHeaderName: 'x' },
      { httpHeaderName: 'x', maglev: { tableSize: 101 } },
    ]) {
      const lb = createLoadBalancer({ consistentHash }, eps);
      const first = lb.pick({ rng: () => 0, hashKey: 'user-42' });
      expect(first).toBeDefined();
      for (let i = 0; i < 5; i++)
        expect(lb.pick({ rng: Math.random, hashKey: 'user-42' })).toBe(first);
      const rng = seededRng(3);
      const seen = new Set(Array.from({ length: 60 }, () => lb.pick({ rng })?.id));
      expect(seen.size).toBe(3);
    }
  });

  it('defaults to least request and returns undefined for an empty set', () => {
    const lb = createLoadBalancer(undefined, [
      { id: 'a:1', activeRequests: 4 },
      { id: 'b:1', activeRequests: 1 },
    ]);
    expect(lb.policy).toBe('LEAST_REQUEST');
    expect(lb.pick({ rng: scriptedRng([0.1, 0.9]) })?.id).toBe('b:1');
    expect(createLoadBalancer(undefined, []).pick({ rng: () => 0 })).toBeUndefined();
  });
});
