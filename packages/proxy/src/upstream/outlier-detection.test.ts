import type { OutlierDetection } from '@mesh/rules';
import type { RuntimeCluster } from '../config/types.js';
import { buildTable, endpointBody, seededRng } from '../http/test-support/fixtures.js';
import {
  OutlierDetector,
  OutlierDetectors,
  outlierSettingsOf,
  type OutlierSettings,
} from './outlier-detection.js';

const HOST = 'reviews.default.svc.cluster.local';

/** A clock the test moves by hand. */
function manualClock(start = 0) {
  let t = start;
  return {
    now: () => t,
    set: (ms: number) => void (t = ms),
    advance: (ms: number) => void (t += ms),
  };
}

function settings(overrides: Partial<OutlierSettings> = {}): OutlierSettings {
  return {
    consecutive5xx: 5,
    consecutiveGatewayErrors: 0,
    intervalMs: 10_000,
    baseEjectionMs: 30_000,
    maxEjectionMs: 300_000,
    maxEjectionPercent: 100,
    panicThresholdPercent: 0,
    ...overrides,
  };
}

function detectorOf(hosts: string[], overrides: Partial<OutlierSettings> = {}, start = 0) {
  const clock = manualClock(start);
  const detector = new OutlierDetector('c', settings(overrides), clock.now);
  detector.setHosts(hosts);
  return { detector, clock };
}

function fail(detector: OutlierDetector, id: string, times: number, status = 500) {
  for (let i = 0; i < times; i++) detector.record(id, status);
}

/** A RuntimeCluster as compileTable builds it, with endpoints on 127.0.0.1 at these ports. */
function runtimeCluster(
  ports: number[],
  outlierDetection: OutlierDetection | undefined,
  extra: Record<string, unknown> = {},
): RuntimeCluster {
  const table = buildTable({
    clusters: [
      {
        host: HOST,
        endpoints: ports,
        trafficPolicy: {
          loadBalancer: { simple: 'ROUND_ROBIN' },
          ...(outlierDetection && { outlierDetection }),
          ...extra,
        },
      },
    ],
  });
  return [...table.clusters.values()][0]!;
}

describe('outlierSettingsOf', () => {
  it("applies Istio's and Envoy's defaults to an empty outlierDetection", () => {
    expect(outlierSettingsOf({ outlierDetection: {} })).toEqual({
      consecutive5xx: 5,
      consecutiveGatewayErrors: 0,
      intervalMs: 10_000,
      baseEjectionMs: 30_000,
      maxEjectionMs: 300_000,
      maxEjectionPercent: 10,
      panicThresholdPercent: 0,
    });
    expect(outlierSettingsOf({})).toBeUndefined();
  });

  it('reads the fields as Istio maps them onto Envoy', () => {
    expect(
      outlierSettingsOf({
        outlierDetection: {
          consecutive5xxErrors: 0,
          consecutiveGatewayErrors: 3,
          interval: '1s',
          baseEjectionTime: '10m',
          maxEjectionPercent: 150,
          minHealthPercent: 40,
        },
      }),
    ).toEqual({
      consecutive5xx: 0,
      consecutiveGatewayErrors: 3,
      intervalMs: 1000,
      baseEjectionMs: 600_000,
      // Envoy's max_ejection_time defaults to the larger of 300 s and the base.
      maxEjectionMs: 600_000,
      maxEjectionPercent: 100,
      panicThresholdPercent: 40,
    });
    // Istio sets the panic threshold only for minHealthPercent >= 0; Envoy's own is 50%.
    expect(
      outlierSettingsOf({ outlierDetection: { minHealthPercent: -1 } })?.panicThresholdPercent,
    ).toBe(50);
    expect(outlierSettingsOf({ outlierDetection: { interval: '0s' } })?.intervalMs).toBe(10_000);
  });
});

describe('OutlierDetector', () => {
  it('ejects a host at its fifth consecutive 5xx; any other status starts the count over', () => {
    const { detector } = detectorOf(['a:1', 'b:1']);
    fail(detector, 'a:1', 4);
    detector.record('a:1', 404);
    fail(detector, 'a:1', 4, 503);
    expect(detector.isEjected('a:1')).toBe(false);
    expect(detector.view('a:1')).toMatchObject({ consecutive5xx: 4, timesEjected: 0 });
    detector.record('a:1', 599);
    expect(detector.isEjected('a:1')).toBe(true);
    expect(detector.ejectedCount).toBe(1);
    expect(detector.view('a:1')).toMatchObject({ consecutive5xx: 0, timesEjected: 1 });
    // Statuses outside 5xx never count, and a host not in the cluster is ignored.
    fail(detector, 'b:1', 10, 429);
    detector.record('z:9', 500);
    expect(detector.isEjected('b:1')).toBe(false);
  });

  it('counts only 502, 503 and 504 as gateway errors, and never with a threshold of 0', () => {
    const { detector } = detectorOf(['a:1', 'b:1'], {
      consecutive5xx: 0,
      consecutiveGatewayErrors: 2,
    });
    detector.record('a:1', 502);
    detector.record('a:1', 500);
    detector.record('a:1', 504);
    expect(detector.isEjected('a:1')).toBe(false);
    detector.record('a:1', 503);
    expect(detector.isEjected('a:1')).toBe(true);
    fail(detector, 'b:1', 20, 500);
    expect(detector.isEjected('b:1')).toBe(false);
  });

  it("refuses ejections past maxEjectionPercent: Istio's 10% ejects nobody out of two hosts", () => {
    const two = detectorOf(['a:1', 'b:1'], { maxEjectionPercent: 10 }).detector;
    fail(two, 'a:1', 5);
    expect(two.isEjected('a:1')).toBe(false);
    expect(two.ejectionOverflows).toBe(1);
    // The count started over: five more to try again.
    fail(two, 'a:1', 4);
    expect(two.ejectionOverflows).toBe(1);

    const ten = detectorOf(
      Array.from({ length: 10 }, (_, i) => `h:${i}`),
      { maxEjectionPercent: 10 },
    ).detector;
    fail(ten, 'h:0', 5);
    fail(ten, 'h:1', 5);
    expect(ten.isEjected('h:0')).toBe(true);
    expect(ten.isEjected('h:1')).toBe(false);
    expect(ten.ejectedCount).toBe(1);
  });

  it('returns a host at the first interval sweep after baseEjectionTime, with its counts reset', () => {
    const { detector, clock } = detectorOf(['a:1', 'b:1']);
    clock.set(5_000);
    fail(detector, 'a:1', 5);
    // Sweeps run every 10 s from the detector's start: 30 s after 5 s falls due at the 40 s sweep.
    expect(detector.view('a:1')?.ejected).toEqual({ since: 5_000, until: 40_000 });
    clock.set(39_999);
    detector.sweep();
    expect(detector.isEjected('a:1')).toBe(true);
    clock.set(40_000);
    detector.sweep();
    expect(detector.isEjected('a:1')).toBe(false);
    expect(detector.view('a:1')).toMatchObject({ consecutive5xx: 0, multiplier: 1 });
    expect(detector.view('a:1')?.ejected).toBeUndefined();
  });

  it('ejects for base x multiplier, growing per ejection and decaying per healthy interval', () => {
    const { detector, clock } = detectorOf(['a:1', 'b:1']);
    fail(detector, 'a:1', 5); // t=0, multiplier 1: back at the 30 s sweep
    clock.set(30_000);
    detector.sweep();
    expect(detector.isEjected('a:1')).toBe(false);
    clock.set(31_000);
    fail(detector, 'a:1', 5); // multiplier 2: 60 s, due at 91 s, back at the 100 s sweep
    expect(detector.view('a:1')).toMatchObject({
      timesEjected: 2,
      multiplier: 2,
      ejected: { since: 31_000, until: 100_000 },
    });
    clock.set(100_000);
    detector.sweep();
    expect(detector.isEjected('a:1')).toBe(false);
    // One off per sweep at least an interval after it came back: 110 s and 120 s.
    clock.set(110_000);
    detector.sweep();
    expect(detector.view('a:1')?.multiplier).toBe(1);
    clock.set(125_000);
    detector.sweep();
    expect(detector.view('a:1')?.multiplier).toBe(0);
    fail(detector, 'a:1', 5);
    expect(detector.view('a:1')?.ejected).toEqual({ since: 125_000, until: 160_000 });
  });

  it('caps the ejection time at max(300 s, base)', () => {
    const { detector, clock } = detectorOf(['a:1', 'b:1'], {
      baseEjectionMs: 100_000,
      intervalMs: 1_000,
    });
    const ejectionTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      fail(detector, 'a:1', 5);
      const ejected = detector.view('a:1')!.ejected!;
      ejectionTimes.push(ejected.until - ejected.since);
      clock.set(ejected.until);
      detector.sweep();
    }
    expect(ejectionTimes).toEqual([100_000, 200_000, 300_000, 300_000, 300_000]);
  });

  it('catches up on a long quiet spell at once, even with a 1 ms interval', () => {
    const { detector, clock } = detectorOf(['a:1', 'b:1'], {
      intervalMs: 1,
      baseEjectionMs: 1,
    });
    for (let i = 0; i < 20; i++) {
      fail(detector, 'a:1', 5);
      clock.advance(detector.view('a:1')!.ejected!.until - clock.now());
      detector.sweep();
    }
    expect(detector.view('a:1')?.multiplier).toBe(20);
    const started = performance.now();
    clock.advance(10 * 24 * 3600 * 1000);
    detector.sweep();
    expect(performance.now() - started).toBeLessThan(100);
    expect(detector.view('a:1')).toMatchObject({ multiplier: 0, timesEjected: 20 });
  });

  it('forgets hosts that leave the cluster, ejected ones included', () => {
    const { detector } = detectorOf(['a:1', 'b:1']);
    fail(detector, 'a:1', 5);
    const before = detector.version;
    detector.setHosts(['b:1', 'c:1']);
    expect(detector.ejectedCount).toBe(0);
    expect(detector.version).toBeGreaterThan(before);
    expect(detector.view('a:1')).toBeUndefined();
    expect(detector.view('c:1')).toMatchObject({ timesEjected: 0 });
  });
});

describe('OutlierDetectors', () => {
  it('has no detector for clusters without outlierDetection, and drops one when it goes', () => {
    const detectors = new OutlierDetectors(() => 0);
    expect(detectors.of(runtimeCluster([1, 2], undefined))).toBeUndefined();
    const detector = detectors.of(runtimeCluster([1, 2], { maxEjectionPercent: 100 }))!;
    expect(detector).toBeDefined();
    expect(detectors.get(detector.cluster)).toBe(detector);
    detectors.of(runtimeCluster([1, 2], undefined));
    expect(detectors.get(detector.cluster)).toBeUndefined();
  });

  it('keeps ejections across tables and follows the endpoint set', () => {
    const clock = manualClock();
    const detectors = new OutlierDetectors(clock.now);
    const od = { maxEjectionPercent: 100 };
    const first = detectors.of(runtimeCluster([1, 2], od))!;
    fail(first, '127.0.0.1:1', 5);
    const next = detectors.of(runtimeCluster([1, 2, 3], od))!;
    expect(next).toBe(first);
    expect(next.isEjected('127.0.0.1:1')).toBe(true);
    expect(next.view('127.0.0.1:3')).toBeDefined();
    // New settings keep the state too.
    const third = detectors.of(runtimeCluster([1, 2, 3], { ...od, baseEjectionTime: '1s' }))!;
    expect(third).toBe(first);
    expect(third.settings.baseEjectionMs).toBe(1000);
    expect(third.isEjected('127.0.0.1:1')).toBe(true);
  });

  it("balances over the hosts not ejected, and uses the table's balancer while none is", () => {
    const detectors = new OutlierDetectors(() => 0);
    const cluster = runtimeCluster([1, 2, 3], { maxEjectionPercent: 100 });
    const detector = detectors.of(cluster)!;
    expect(detectors.balancerOf(cluster, detector, () => 0)).toBe(cluster.balancer);
    fail(detector, '127.0.0.1:2', 5);
    const balancer = detectors.balancerOf(cluster, detector, () => 0);
    expect(balancer).not.toBe(cluster.balancer);
    expect(detectors.balancerOf(cluster, detector, () => 0)).toBe(balancer);
    const picked = new Set<string>();
    for (let i = 0; i < 6; i++) picked.add(balancer.pick({ rng: () => 0 })!.id);
    expect([...picked].sort()).toEqual(['127.0.0.1:1', '127.0.0.1:3']);
    fail(detector, '127.0.0.1:1', 5);
    fail(detector, '127.0.0.1:3', 5);
    // Istio's default minHealthPercent 0 turns panic off: nothing is pickable.
    expect(detectors.balancerOf(cluster, detector, () => 0).pick({ rng: () => 0 })).toBeUndefined();
  });

  it('balances over every host, ejected or not, below minHealthPercent (panic)', () => {
    const detectors = new OutlierDetectors(() => 0);
    const cluster = runtimeCluster([1, 2], { maxEjectionPercent: 100, minHealthPercent: 60 });
    const detector = detectors.of(cluster)!;
    fail(detector, '127.0.0.1:1', 5);
    const balancer = detectors.balancerOf(cluster, detector, () => 0);
    expect(balancer.candidates.map((e) => e.id).sort()).toEqual(['127.0.0.1:1', '127.0.0.1:2']);

    const calm = runtimeCluster([1, 2], { maxEjectionPercent: 100, minHealthPercent: 50 });
    const other = new OutlierDetectors(() => 0);
    const d = other.of(calm)!;
    fail(d, '127.0.0.1:1', 5);
    expect(other.balancerOf(calm, d, () => 0).candidates.map((e) => e.id)).toEqual(['127.0.0.1:2']);
  });

  describe('with locality failover', () => {
    const HERE = 'us-east/zone-a';
    /** Four endpoints in the proxy's zone (ports 1-4), one in the next (port 9). */
    function zonedCluster(): RuntimeCluster {
      const table = buildTable({
        proxyLocality: HERE,
        clusters: [
          {
            host: HOST,
            endpoints: [
              ...[1, 2, 3, 4].map((p) => endpointBody(p, { locality: HERE })),
              endpointBody(9, { locality: 'us-east/zone-b' }),
            ],
            trafficPolicy: { outlierDetection: { maxEjectionPercent: 100 } },
          },
        ],
      });
      return [...table.clusters.values()][0]!;
    }
    const picks = (balancer: { pick(c: { rng: () => number }): { id: string } | undefined }) => {
      const rng = seededRng(5);
      const out: string[] = [];
      for (let i = 0; i < 200; i++) out.push(balancer.pick({ rng })?.id ?? 'none');
      return out;
    };

    it('watches the hosts of every locality, not only those taking load', () => {
      const detectors = new OutlierDetectors(() => 0);
      const cluster = zonedCluster();
      expect(cluster.balancer.candidates.map((e) => e.id)).not.toContain('127.0.0.1:9');
      const detector = detectors.of(cluster)!;
      fail(detector, '127.0.0.1:9', 5);
      expect(detector.isEjected('127.0.0.1:9')).toBe(true);
    });

    it('rebuilds over the same priority levels, so only a real shortfall spills over', () => {
      const detectors = new OutlierDetectors(() => 0);
      const cluster = zonedCluster();
      const detector = detectors.of(cluster)!;
      // One of four out: 1.4 x 75% healthy still counts as fully available; the zone keeps it all.
      fail(detector, '127.0.0.1:1', 5);
      const one = picks(detectors.balancerOf(cluster, detector, () => 0));
      expect(new Set(one)).toEqual(new Set(['127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:4']));
      // Two of four out: the zone is worth 70%; the next zone takes the rest.
      fail(detector, '127.0.0.1:2', 5);
      const two = picks(detectors.balancerOf(cluster, detector, () => 0));
      const spilled = two.filter((id) => id === '127.0.0.1:9').length;
      expect(spilled).toBeGreaterThan(30);
      expect(spilled).toBeLessThan(90);
      expect(two.filter((id) => id === '127.0.0.1:1' || id === '127.0.0.1:2')).toEqual([]);
      // All four out: everything to the next zone.
      fail(detector, '127.0.0.1:3', 5);
      fail(detector, '127.0.0.1:4', 5);
      expect(new Set(picks(detectors.balancerOf(cluster, detector, () => 0)))).toEqual(
        new Set(['127.0.0.1:9']),
      );
    });
  });
});
