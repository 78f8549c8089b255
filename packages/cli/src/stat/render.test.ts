import type { StatRow } from './aggregate.js';
import {
  formatMs,
  formatRps,
  frameHeading,
  percent,
  renderStatTable,
  statDocument,
} from './render.js';

const row = (over: Partial<StatRow>): StatRow => ({
  namespace: 'default',
  name: 'reviews-v1',
  reporter: 'destination',
  requests: 20,
  successRate: 0.9,
  rps: 2,
  latencyMs: { p50: 3.2222, p95: 37.5, p99: 47.5 },
  ...over,
});

const idle = row({
  name: 'ratings-v1',
  requests: 0,
  successRate: null,
  rps: 0,
  latencyMs: { p50: null, p95: null, p99: null },
});

describe('renderStatTable', () => {
  it('workloads: linkerd viz stat columns, "-" where there were no requests', () => {
    expect(renderStatTable('workload', [idle, row({})])).toBe(
      'NAMESPACE   WORKLOAD     SUCCESS   RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   REQUESTS\n' +
        'default     ratings-v1   -         0.0   -             -             -             0\n' +
        'default     reviews-v1   90.00%    2.0   3.2ms         38ms          48ms          20\n',
    );
  });

  it("services: a row per version, with the version's share of the service's traffic", () => {
    const v1 = row({ name: 'reviews', version: 'v1', traffic: 2 / 3 });
    const v2 = row({ name: 'reviews', version: 'v2', traffic: 1 / 3, requests: 10, rps: 1 });
    expect(renderStatTable('service', [v1, v2])).toBe(
      'NAMESPACE   SERVICE   VERSION   TRAFFIC   SUCCESS   RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   REQUESTS\n' +
        'default     reviews   v1        66.7%     90.00%    2.0   3.2ms         38ms          48ms          20\n' +
        'default     reviews   v2        33.3%     90.00%    1.0   3.2ms         38ms          48ms          10\n',
    );
  });
});

describe('statDocument', () => {
  const info = {
    start: Date.UTC(2025, 0, 1),
    end: Date.UTC(2025, 0, 1, 0, 0, 10),
    proxiesRead: 2,
    proxies: 3,
  };

  it('has the window, the proxies read and rounded numbers; null where nothing was measured', () => {
    expect(statDocument('workload', [row({}), idle], info)).toEqual({
      kind: 'workload',
      window: { start: '2025-01-01T00:00:00.000Z', end: '2025-01-01T00:00:10.000Z', seconds: 10 },
      proxies: { read: 2, total: 3 },
      rows: [
        {
          namespace: 'default',
          workload: 'reviews-v1',
          requests: 20,
          successRate: 0.9,
          rps: 2,
          latencyMs: { p50: 3.222, p95: 37.5, p99: 47.5 },
          reporter: 'destination',
        },
        {
          namespace: 'default',
          workload: 'ratings-v1',
          requests: 0,
          successRate: null,
          rps: 0,
          latencyMs: { p50: null, p95: null, p99: null },
          reporter: 'destination',
        },
      ],
    });
  });

  it('names the service, its host and version for service rows', () => {
    const v1 = row({
      name: 'reviews',
      version: 'v1',
      service: 'reviews.default.svc.cluster.local',
      traffic: 2 / 3,
    });
    expect(statDocument('service', [v1], info)).toMatchObject({
      rows: [
        {
          service: 'reviews',
          host: 'reviews.default.svc.cluster.local',
          version: 'v1',
          traffic: 0.6667,
        },
      ],
    });
  });

  it('heads each --watch frame with when, how long and how many proxies answered', () => {
    expect(frameHeading(info)).toBe('2025-01-01T00:00:10Z  window 10.0s  2/3 proxies');
  });
});

describe('cell formats', () => {
  it('percent, rps and milliseconds', () => {
    expect([percent(1), percent(0.98765), percent(null), percent(0.5, 1)]).toEqual([
      '100.00%',
      '98.77%',
      '-',
      '50.0%',
    ]);
    expect([0, 0.05, 0.0123, 0.1, 2, 1234.56].map(formatRps)).toEqual([
      '0.0',
      '0.05',
      '0.012',
      '0.1',
      '2.0',
      '1234.6',
    ]);
    expect([null, 0.25, 9.96, 10, 37.5, 3600000].map(formatMs)).toEqual([
      '-',
      '0.3ms',
      '10ms',
      '10ms',
      '38ms',
      '3600000ms',
    ]);
  });
});
