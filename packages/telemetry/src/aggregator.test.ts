// The per-request fast path: frozen peers find their series by identity, and must land exactly
// where the full 17-label key would have put them.
import { IstioAggregator } from './aggregator.js';
import type { HttpRequestEvent } from './events.js';
import { HTTP_LABELS } from './istio-metrics.js';
import { httpValues } from './labels.js';
import { httpEvent, productpage, reviewsV2 } from './test-support/events.js';

async function requestCounts(aggregator: IstioAggregator): Promise<Record<string, number>> {
  const { resourceMetrics } = await aggregator.collect();
  const metric = resourceMetrics.scopeMetrics[0]!.metrics.find(
    (m) => m.descriptor.name === 'istio_requests_total',
  )!;
  const out: Record<string, number> = {};
  for (const p of metric.dataPoints) {
    const a = p.attributes;
    const key = a['otel.metric.overflow']
      ? 'overflow'
      : `${a['source_workload']}>${a['destination_version']} ${a['response_code']} ${a['response_flags']}`;
    out[key] = (out[key] ?? 0) + (p.value as number);
  }
  return out;
}

describe('IstioAggregator series lookup', () => {
  it('frozen and unfrozen peers with the same values count in one series', async () => {
    const agg = new IstioAggregator({ maxSeries: 100 });
    const frozenSource = Object.freeze({ ...productpage });
    const frozenDestination = Object.freeze({ ...reviewsV2 });
    agg.recordHttp(httpEvent());
    agg.recordHttp(httpEvent({ source: frozenSource, destination: frozenDestination }));
    agg.recordHttp(httpEvent({ source: frozenSource, destination: frozenDestination }));
    // Another frozen object with the same values: found through the full key, same series.
    agg.recordHttp(httpEvent({ destination: Object.freeze({ ...reviewsV2 }) }));
    agg.recordHttp(
      httpEvent({
        source: frozenSource,
        destination: frozenDestination,
        responseCode: 503,
        responseFlags: 'UO',
      }),
    );
    expect(await requestCounts(agg)).toEqual({
      'productpage-v1>v2 200 -': 4,
      'productpage-v1>v2 503 UO': 1,
    });
  });

  it('frozen peers split requests into series exactly as the full 17-label key does', async () => {
    // Every combination of the six per-request labels, including values that normalize to the
    // same label ('' and '-' flags; a policy Istio does not know; a gRPC status on plain HTTP).
    const variants: Partial<HttpRequestEvent>[] = [];
    for (const reporter of ['source', 'destination'] as const)
      for (const requestProtocol of ['http', 'grpc'] as const)
        for (const responseCode of [0, 200, 503])
          for (const grpcResponseStatus of [undefined, '', '0', '14'])
            for (const responseFlags of ['-', '', 'UO', 'UO,URX'])
              for (const connectionSecurityPolicy of ['none', 'mutual_tls', 'unknown', 'weird'])
                variants.push({
                  reporter,
                  requestProtocol,
                  responseCode,
                  responseFlags,
                  connectionSecurityPolicy: connectionSecurityPolicy as 'none',
                  ...(grpcResponseStatus !== undefined && { grpcResponseStatus }),
                });
    const fast = new IstioAggregator({ maxSeries: 2000 });
    const byKey = new IstioAggregator({ maxSeries: 2000 });
    const source = Object.freeze({ ...productpage });
    const destination = Object.freeze({ ...reviewsV2 });
    for (const v of variants) {
      // Twice through the identity path, once through the key path (mutable peers).
      fast.recordHttp(httpEvent({ ...v, source, destination }));
      fast.recordHttp(httpEvent({ ...v, source, destination }));
      byKey.recordHttp(
        httpEvent({ ...v, source: { ...productpage }, destination: { ...reviewsV2 } }),
      );
      byKey.recordHttp(
        httpEvent({ ...v, source: { ...productpage }, destination: { ...reviewsV2 } }),
      );
    }
    const series = async (agg: IstioAggregator) => {
      const { resourceMetrics } = await agg.collect();
      const metric = resourceMetrics.scopeMetrics[0]!.metrics.find(
        (m) => m.descriptor.name === 'istio_requests_total',
      )!;
      return Object.fromEntries(
        metric.dataPoints.map((p) => [JSON.stringify(p.attributes), p.value as number]),
      );
    };
    const expected = new Map<string, number>();
    const values = new Array<string>(HTTP_LABELS.length);
    for (const v of variants) {
      expect(httpValues(httpEvent(v), values)).toBeUndefined();
      const key = JSON.stringify(Object.fromEntries(HTTP_LABELS.map((n, i) => [n, values[i]])));
      expected.set(key, (expected.get(key) ?? 0) + 2);
    }
    // 3 policies after normalization, flags '' = '-', gRPC status only for grpc.
    expect(expected.size).toBe(2 * 3 * 3 * 3 * (1 + 3));
    expect(await series(fast)).toEqual(Object.fromEntries(expected));
    expect(await series(byKey)).toEqual(Object.fromEntries(expected));
  });

  it('a mutable peer is never looked up by identity', async () => {
    const agg = new IstioAggregator({ maxSeries: 100 });
    const destination = { ...reviewsV2 };
    agg.recordHttp(httpEvent({ destination }));
    destination.version = 'v3';
    agg.recordHttp(httpEvent({ destination }));
    expect(await requestCounts(agg)).toEqual({
      'productpage-v1>v2 200 -': 1,
      'productpage-v1>v3 200 -': 1,
    });
  });

  it('past the series limit frozen peers fold into the overflow series, and keep their own once there', async () => {
    const agg = new IstioAggregator({ maxSeries: 2 });
    const source = Object.freeze({ ...productpage });
    const v2 = Object.freeze({ ...reviewsV2 });
    const v3 = Object.freeze({ ...reviewsV2, version: 'v3' });
    agg.recordHttp(httpEvent({ source, destination: v2 }));
    agg.recordHttp(httpEvent({ source, destination: v3 }));
    agg.recordHttp(httpEvent({ source, destination: v3 }));
    agg.recordHttp(httpEvent({ source, destination: v2 }));
    expect(await requestCounts(agg)).toEqual({ 'productpage-v1>v2 200 -': 2, overflow: 2 });
  });
});
