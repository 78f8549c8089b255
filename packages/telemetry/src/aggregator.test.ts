// The per-request fast path: frozen peers find their series by identity, and must land exactly
// where the full 17-label key would have put them.
import { IstioAggregator } from './aggregator.js';
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
