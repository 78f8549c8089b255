import { xxHash32 } from './hash.js';
import { createLoadBalancer, isPassthroughLb, lbPolicyOf } from './load-balancer.js';
import { buildMaglevTable, lookupMaglev } from './maglev.js';
import { buildHashRing, lookupHashRing } from './ring-hash.js';
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

  it('round robin starts at an rng-drawn index when the factory gets an rng', () => {
    const rng = () => 0;
    const lb = createLoadBalancer({ simple: 'ROUND_ROBIN' }, eps, { rng: () => 0.7 });
    expect([1, 2, 3, 4].map(() => lb.pick({ rng })?.id)).toEqual(['c:1', 'a:1', 'b:1', 'c:1']);
    const starts = new Set(
      [0, 0.4, 0.9].map(
        (r) =>
          createLoadBalancer({ simple: 'ROUND_ROBIN' }, eps, { rng: () => r }).pick({ rng })?.id,
      ),
    );
    expect(starts.size).toBe(3);
    // The rng is construction-time only: pick() never calls it.
    let calls = 0;
    const counting = createLoadBalancer({ simple: 'ROUND_ROBIN' }, eps, {
      rng: () => (calls++, 0.5),
    });
    for (let i = 0; i < 5; i++) counting.pick({ rng });
    expect(calls).toBe(1);
  });

  describe('consistent-hash sizing wiring', () => {
    const hosts = Array.from({ length: 5 }, (_, i) => ({ id: `10.0.0.${i}:8080` }));
    const keys = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const picksOf = (lb: ReturnType<typeof createLoadBalancer>) =>
      keys.map((hashKey) => lb.pick({ rng: () => 0, hashKey })?.id);
    const ringPicks = (minimumRingSize?: number) => {
      const ring = buildHashRing(hosts, { minimumRingSize });
      return keys.map((k) => lookupHashRing(ring, xxHash32(k))?.id);
    };

    it('sizes sanity: a tiny ring and the default ring route keys differently', () => {
      expect(ringPicks(5)).not.toEqual(ringPicks(1024));
    });

    it('uses ringHash.minimumRingSize', () => {
      const lb = createLoadBalancer(
        { consistentHash: { httpHeaderName: 'x', ringHash: { minimumRingSize: 5 } } },
        hosts,
      );
      expect(picksOf(lb)).toEqual(ringPicks(5));
    });

    it('uses the deprecated top-level minimumRingSize only without ringHash, as Istio does', () => {
      const deprecated = createLoadBalancer(
        { consistentHash: { httpHeaderName: 'x', minimumRingSize: 5 } },
        hosts,
      );
      expect(picksOf(deprecated)).toEqual(ringPicks(5));
      const both = createLoadBalancer(
        { consistentHash: { httpHeaderName: 'x', minimumRingSize: 5, ringHash: {} } },
        hosts,
      );
      expect(picksOf(both)).toEqual(ringPicks(1024));
      const unset = createLoadBalancer({ consistentHash: { httpHeaderName: 'x' } }, hosts);
      expect(picksOf(unset)).toEqual(ringPicks(1024));
    });

    it('passes maglev.tableSize through, defaulting to 65537', () => {
      const sized = createLoadBalancer(
        { consistentHash: { httpHeaderName: 'x', maglev: { tableSize: 13 } } },
        hosts,
      );
      const small = buildMaglevTable(hosts, 13);
      expect(picksOf(sized)).toEqual(keys.map((k) => lookupMaglev(small, xxHash32(k))?.id));
      const big = buildMaglevTable(hosts);
      const unset = createLoadBalancer(
        { consistentHash: { httpHeaderName: 'x', maglev: {} } },
        hosts,
      );
      expect(picksOf(unset)).toEqual(keys.map((k) => lookupMaglev(big, xxHash32(k))?.id));
      expect(() =>
        createLoadBalancer(
          { consistentHash: { httpHeaderName: 'x', maglev: { tableSize: 100 } } },
          hosts,
        ),
      ).toThrow(RangeError);
    });
  });

  it('random and least-request balancers pick among candidates only', () => {
    const mixed = [{ id: 'a:1', healthy: false }, { id: 'b:1' }, { id: 'c:1', weight: 0 }];
    for (const settings of [{ simple: 'RANDOM' as const }, undefined]) {
      const lb = createLoadBalancer(settings, mixed);
      const rng = seededRng(11);
      for (let i = 0; i < 20; i++) expect(lb.pick({ rng })?.id).toBe('b:1');
    }
  });
});
