import fc from 'fast-check';
import {
  createLocalityFailoverLoadBalancer,
  localityPriorityLevels,
  priorityLoads,
} from './locality.js';
import { scriptedRng, seededRng } from './test-support/seeded-rng.js';

const ep = (id: string, locality: string, healthy = true) => ({ id, locality, healthy });
const PROXY = 'us-east/a/1';
const eps = [
  ep('same:1', 'us-east/a/1'),
  ep('zone:1', 'us-east/a/2'),
  ep('region:1', 'us-east/b/1'),
  ep('west:1', 'us-west/a/1'),
  ep('eu:1', 'eu/a/1'),
];
const ids = (levels: { id: string }[][]) => levels.map((l) => l.map((e) => e.id));

describe('localityPriorityLevels', () => {
  it('ranks subzone, zone, region, then other regions, as Istio does', () => {
    expect(ids(localityPriorityLevels(eps, PROXY))).toEqual([
      ['same:1'],
      ['zone:1'],
      ['region:1'],
      ['west:1', 'eu:1'],
    ]);
  });

  it('a failover rule from the proxy region keeps only its target region next', () => {
    const failover = [
      { from: 'us-west', to: 'eu' },
      { from: 'us-east', to: 'us-west' },
    ];
    expect(ids(localityPriorityLevels(eps, PROXY, failover))).toEqual([
      ['same:1'],
      ['zone:1'],
      ['region:1'],
      ['west:1'],
      ['eu:1'],
    ]);
  });

  it('squeezes out empty ranks', () => {
    expect(ids(localityPriorityLevels([eps[0]!, eps[4]!], PROXY))).toEqual([['same:1'], ['eu:1']]);
  });
});

describe('localityPriorityLevels with failoverPriority (Istio applyFailoverPriorities)', () => {
  const REGION = 'topology.kubernetes.io/region';
  const lep = (id: string, locality: string, labels: Record<string, string>) => ({
    id,
    locality,
    labels,
  });
  const proxyLabels = { network: 'n1', [REGION]: 'us-east', app: 'client' };
  const byLabels = [
    lep('both', 'us-east/a/1', { network: 'n1', [REGION]: 'us-east' }),
    lep('network-only', 'us-west/a/1', { network: 'n1', [REGION]: 'us-west' }),
    lep('none', 'us-east/b/1', { network: 'n2', [REGION]: 'us-east' }),
    lep('both-far-zone', 'us-east/z/9', { network: 'n1', [REGION]: 'us-east' }),
  ];

  it('ranks by how many listed labels, in order, agree with the proxy; locality does not count', () => {
    const levels = localityPriorityLevels(byLabels, 'us-east/a/1', [], {
      labels: ['network', REGION],
      proxyLabels,
    });
    expect(ids(levels)).toEqual([['both', 'both-far-zone'], ['network-only'], ['none']]);
  });

  it('compares with the given value for `name=value`', () => {
    const levels = localityPriorityLevels(byLabels, 'us-east/a/1', [], {
      labels: ['network=n2'],
      proxyLabels,
    });
    expect(ids(levels)).toEqual([['none'], ['both', 'network-only', 'both-far-zone']]);
  });

  it('refines the label ranks by locality only when failover is set too', () => {
    const levels = localityPriorityLevels(byLabels, 'us-east/a/1', [{ from: 'eu', to: 'us' }], {
      labels: ['network'],
      proxyLabels,
    });
    expect(ids(levels)).toEqual([['both'], ['both-far-zone'], ['network-only'], ['none']]);
  });

  it('does no failover at all for a proxy without labels, as Istio', () => {
    const levels = localityPriorityLevels(byLabels, 'us-east/a/1', [], {
      labels: ['network'],
      proxyLabels: {},
    });
    expect(ids(levels)).toEqual([['both', 'network-only', 'none', 'both-far-zone']]);
  });

  it('drives the failover balancer: the best-ranked healthy level takes the traffic', () => {
    const lb = createLocalityFailoverLoadBalancer(
      { localityLbSetting: { failoverPriority: ['network', REGION] } },
      byLabels.map((e) => ({ ...e, healthy: e.id !== 'both' && e.id !== 'both-far-zone' })),
      { proxyLocality: 'us-east/a/1', proxyLabels },
    );
    const rng = seededRng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(lb.pick({ rng })!.id);
    expect([...seen]).toEqual(['network-only']);
  });
});

describe('priorityLoads', () => {
  it('keeps everything on P0 while 1.4 x its healthy share reaches 100%', () => {
    const p0 = [ep('a', PROXY), ep('b', PROXY), ep('c', PROXY), ep('d', PROXY, false)];
    expect(priorityLoads([p0, [ep('x', 'eu/a/1')]])).toEqual([100, 0]);
  });

  it('spills the shortfall to the next level (Envoy docs: P0 50% healthy gets 70%)', () => {
    const p0 = [ep('a', PROXY), ep('b', PROXY, false)];
    expect(priorityLoads([p0, [ep('x', 'eu/a/1')]])).toEqual([70, 30]);
  });

  it('spreads by host count when no level has a healthy host', () => {
    const down = (n: number) => Array.from({ length: n }, (_, i) => ep(`d${i}`, PROXY, false));
    expect(priorityLoads([down(1), down(3)])).toEqual([25, 75]);
    expect(priorityLoads([])).toEqual([]);
  });

  it('property: loads are integers summing to 100', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (health) => {
          const levels = health.map((l, p) => l.map((h, i) => ep(`${p}-${i}`, PROXY, h)));
          const loads = priorityLoads(levels);
          expect(loads.every(Number.isInteger)).toBe(true);
          expect(loads.reduce((a, b) => a + b, 0)).toBe(100);
        },
      ),
    );
  });
});

describe('createLocalityFailoverLoadBalancer', () => {
  const settings = { simple: 'ROUND_ROBIN', localityLbSetting: { failover: [] } };

  it('stays in the local level while it is healthy', () => {
    const lb = createLocalityFailoverLoadBalancer(settings, eps, { proxyLocality: PROXY });
    const rng = seededRng(5);
    for (let i = 0; i < 50; i++) expect(lb.pick({ rng })?.id).toBe('same:1');
    expect(lb.candidates.map((e) => e.id)).toEqual(['same:1']);
  });

  it('fails over to the next level when the local one is down', () => {
    const down = eps.map((e) => (e.id === 'same:1' ? { ...e, healthy: false } : e));
    const lb = createLocalityFailoverLoadBalancer(settings, down, { proxyLocality: PROXY });
    expect(lb.pick({ rng: scriptedRng([0.5]) })?.id).toBe('zone:1');
  });

  it('a level is not in panic while the levels together are fully available', () => {
    // P0: 1 of 3 healthy (health 46) would panic alone; P1 healthy makes the total 100.
    const local = [ep('a', PROXY), ep('b', PROXY, false), ep('c', PROXY, false)];
    const lb = createLocalityFailoverLoadBalancer(settings, [...local, ep('z', 'us-east/a/2')], {
      proxyLocality: PROXY,
    });
    // draw 0.1 -> 10 < 46: P0, whose only candidate is the healthy host.
    for (let i = 0; i < 3; i++) expect(lb.pick({ rng: scriptedRng([0.1]) })?.id).toBe('a');
  });

  it('falls back to a flat balancer when locality LB is disabled or absent', () => {
    const off = createLocalityFailoverLoadBalancer(
      { simple: 'ROUND_ROBIN', localityLbSetting: { enabled: false } },
      eps,
      { proxyLocality: PROXY },
    );
    expect(off.candidates).toHaveLength(5);
    const none = createLocalityFailoverLoadBalancer({ simple: 'ROUND_ROBIN' }, eps, {
      proxyLocality: PROXY,
    });
    expect(none.candidates).toHaveLength(5);
    const empty = createLocalityFailoverLoadBalancer(settings, [], { proxyLocality: PROXY });
    expect(empty.pick({ rng: () => 0 })).toBeUndefined();
  });

  it('hash policies choose the level from the key hash, so a key is sticky across levels', () => {
    // P0 health 70 and P1 30: a random level draw would split a key's requests between them.
    const mixed = [ep('a', PROXY), ep('b', PROXY, false), ep('z', 'eu/a/1')];
    const lb = createLocalityFailoverLoadBalancer(
      { consistentHash: { httpHeaderName: 'x' }, localityLbSetting: {} },
      mixed,
      { proxyLocality: PROXY },
    );
    const rng = seededRng(9);
    for (let k = 0; k < 20; k++) {
      const hashKey = `user-${k}`;
      const first = lb.pick({ rng, hashKey });
      for (let i = 0; i < 10; i++) expect(lb.pick({ rng, hashKey })).toBe(first);
    }
  });
});
