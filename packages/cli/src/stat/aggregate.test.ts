import {
  aggregate,
  bucketDeltas,
  counterDeltas,
  DURATION_BUCKET,
  REQUESTS_TOTAL,
  type TargetWindow,
} from './aggregate.js';
import type { Sample } from './prometheus-text.js';

const BOUNDS = ['0.5', '1', '5', '10', '25', '50', '100', '+Inf'];

interface Traffic {
  reporter?: 'source' | 'destination';
  workload?: string;
  namespace?: string;
  service?: string;
  version?: string;
  code?: string;
  /** Requests so far (cumulative). */
  count: number;
  /** Every request took this long. */
  ms: number;
}

/** The samples a proxy exposes for one series of traffic: the counter and its duration buckets. */
function series(t: Traffic): Sample[] {
  const workload = t.workload ?? 'reviews-v1';
  const namespace = t.namespace ?? 'default';
  const service = t.service ?? 'reviews';
  const labels = {
    reporter: t.reporter ?? 'destination',
    source_workload: 'productpage-v1',
    source_workload_namespace: 'default',
    destination_workload: workload,
    destination_workload_namespace: namespace,
    destination_version: t.version ?? 'v1',
    destination_service: `${service}.${namespace}.svc.cluster.local`,
    destination_service_name: service,
    destination_service_namespace: namespace,
    response_code: t.code ?? '200',
  };
  return [
    { name: REQUESTS_TOTAL, labels, value: t.count },
    ...BOUNDS.map((le) => ({
      name: DURATION_BUCKET,
      labels: { ...labels, le },
      value: le === '+Inf' || Number(le) >= t.ms ? t.count : 0,
    })),
  ];
}

const window = (before: Sample[], after: Sample[], seconds = 10): TargetWindow => ({
  before: { at: 0, samples: before },
  after: { at: seconds * 1000, samples: after },
});

describe('counterDeltas and bucketDeltas', () => {
  it('subtract the first scrape from the second, series by series', () => {
    const w = window(series({ count: 5, ms: 3 }), series({ count: 25, ms: 3 }));
    expect(counterDeltas(w, REQUESTS_TOTAL).map((d) => d.delta)).toEqual([20]);
    expect(bucketDeltas(w).map((d) => [d.labels.le, d.delta])).toEqual([
      ['0.5', 0],
      ['1', 0],
      ['5', 20],
      ['10', 20],
      ['25', 20],
      ['50', 20],
      ['100', 20],
      ['+Inf', 20],
    ]);
  });

  it('count a series that appeared during the window whole', () => {
    const w = window([], series({ count: 4, ms: 3 }));
    expect(counterDeltas(w, REQUESTS_TOTAL).map((d) => d.delta)).toEqual([4]);
  });

  it('take the current value as the delta after a reset (the proxy restarted)', () => {
    const w = window(series({ count: 50, ms: 3 }), series({ count: 7, ms: 30 }));
    expect(counterDeltas(w, REQUESTS_TOTAL).map((d) => d.delta)).toEqual([7]);
    // le=5 went from 50 to 0: the whole histogram was reset, so no bucket is subtracted.
    expect(bucketDeltas(w).map((d) => d.delta)).toEqual([0, 0, 0, 0, 0, 7, 7, 7]);
  });
});

describe('aggregate', () => {
  const before = [
    ...series({ count: 5, ms: 3 }),
    ...series({ workload: 'reviews-v2', version: 'v2', count: 0, ms: 40 }),
  ];
  const after = [
    ...series({ count: 23, ms: 3 }),
    ...series({ code: '503', count: 2, ms: 30 }),
    ...series({ workload: 'reviews-v2', version: 'v2', count: 10, ms: 40 }),
    ...series({ workload: 'ratings-v1', service: 'ratings', count: 3, ms: 3 }),
  ];

  it('gives one row per destination workload: success, rps and quantiles over the window', () => {
    const rows = aggregate([window(before, after)], { kind: 'workload' });
    expect(rows.map((r) => r.name)).toEqual(['ratings-v1', 'reviews-v1', 'reviews-v2']);
    const v1 = rows[1]!;
    expect(v1).toMatchObject({
      namespace: 'default',
      reporter: 'destination',
      requests: 20,
      successRate: 0.9,
      rps: 2,
    });
    // 18 of 3 ms (bucket (1,5]) and 2 of 30 ms (bucket (25,50]).
    expect(v1.latencyMs.p50).toBeCloseTo(1 + (4 * 10) / 18, 10);
    expect(v1.latencyMs.p95).toBe(37.5);
    expect(v1.latencyMs.p99).toBeCloseTo(47.5, 10);
    expect(rows[2]).toMatchObject({ requests: 10, successRate: 1, rps: 1 });
    expect(rows[2]!.latencyMs.p50).toBe(37.5);
  });

  it('shows idle workloads with no success rate and no latency', () => {
    const rows = aggregate([window(after, after)], { kind: 'workload', name: 'reviews-v2' });
    expect(rows).toEqual([
      {
        namespace: 'default',
        name: 'reviews-v2',
        reporter: 'destination',
        requests: 0,
        successRate: null,
        rps: 0,
        latencyMs: { p50: null, p95: null, p99: null },
      },
    ]);
  });

  it('gives service rows per version, with each version’s share of the service', () => {
    const rows = aggregate([window(before, after)], { kind: 'service' });
    expect(rows.map((r) => [r.name, r.version, r.requests, r.traffic])).toEqual([
      ['ratings', 'v1', 3, 1],
      ['reviews', 'v1', 20, 20 / 30],
      ['reviews', 'v2', 10, 10 / 30],
    ]);
    expect(rows[1]!.service).toBe('reviews.default.svc.cluster.local');
  });

  it('finds a service by short name, name.namespace, or FQDN, and filters by namespace', () => {
    const w = [window(before, after)];
    for (const name of ['reviews', 'reviews.default', 'reviews.default.svc.cluster.local'])
      expect(aggregate(w, { kind: 'service', name }).map((r) => r.version)).toEqual(['v1', 'v2']);
    expect(aggregate(w, { kind: 'service', name: 'reviews', namespace: 'other' })).toEqual([]);
    expect(aggregate(w, { kind: 'workload', name: 'reviews-v1.default' })).toHaveLength(1);
    expect(aggregate(w, { kind: 'workload', namespace: 'default' })).toHaveLength(3);
  });

  it('adds up the proxies, each at its own rate', () => {
    // reviews-v1 has two replicas; one read over 10 s, the other over 5 s.
    const a = window(series({ count: 0, ms: 3 }), series({ count: 10, ms: 3 }), 10);
    const b = window(series({ count: 0, ms: 30 }), series({ count: 10, ms: 30 }), 5);
    const [row] = aggregate([a, b], { kind: 'workload' });
    expect(row).toMatchObject({ requests: 20, rps: 1 + 2 });
    expect(row!.latencyMs.p50).toBe(5);
  });

  it("counts a destination its own proxy reports from that proxy only, not from its callers'", () => {
    const sidecar = window([], series({ count: 4, ms: 3 }));
    const caller = window([], series({ reporter: 'source', count: 9, code: '503', ms: 3 }));
    const [row] = aggregate([sidecar, caller], { kind: 'workload' });
    expect(row).toMatchObject({ reporter: 'destination', requests: 4, successRate: 1 });
  });

  it("falls back to the callers' reports for a destination no proxy read reports for", () => {
    const caller = window(
      [],
      series({ reporter: 'source', workload: 'unknown', service: 'httpbin', count: 4, ms: 3 }),
    );
    expect(aggregate([caller], { kind: 'service' })).toMatchObject([
      { name: 'httpbin', reporter: 'source', requests: 4, successRate: 1 },
    ]);
  });

  it('counts response code 0 (the client went away) as a success, as Istio does', () => {
    const w = window([], series({ code: '0', count: 2, ms: 3 }));
    expect(aggregate([w], { kind: 'workload' })[0]!.successRate).toBe(1);
  });
});
