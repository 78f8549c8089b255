// Istio's metrics pushed over OTLP/HTTP to a real receiver, from the same producers the
// Prometheus page reads.
import { createMeshMetrics, type MeshMetrics } from './mesh-metrics.js';
import { metricsExportConfigured, startOtlpMetricExport } from './otlp-metrics.js';
import { publishHttp, httpEvent } from './test-support/events.js';
import { startOtlpReceiver, type OtlpReceiver } from './test-support/otlp-receiver.js';

describe('OTLP metric export', () => {
  let receiver: OtlpReceiver;
  let metrics: MeshMetrics;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
    metrics = createMeshMetrics();
  });

  afterEach(async () => {
    await metrics.shutdown();
    await receiver.close();
  });

  it('is configured by an OTLP endpoint unless OTEL_METRICS_EXPORTER is none', () => {
    expect(metricsExportConfigured({})).toBe(false);
    expect(metricsExportConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(metricsExportConfigured({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c/m' })).toBe(
      true,
    );
    expect(
      metricsExportConfigured({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_METRICS_EXPORTER: 'none',
      }),
    ).toBe(false);
  });

  it("pushes istio_requests_total and the duration histogram with Istio's labels, as the scrape shows them", async () => {
    for (let i = 0; i < 3; i++) publishHttp(httpEvent());
    publishHttp(httpEvent({ responseCode: 503, responseFlags: 'UO' }));
    const push = startOtlpMetricExport({
      producers: metrics.producers,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    });
    try {
      await push.flush();
      const points = receiver.metricPoints();
      const requests = points.filter((p) => p.metric === 'istio_requests_total');
      const byCode = Object.fromEntries(
        requests.map((p) => [
          `${p.attributes['response_code']} ${p.attributes['response_flags']}`,
          p.value,
        ]),
      );
      expect(byCode).toEqual({ '200 -': 3, '503 UO': 1 });
      expect(requests[0]!.attributes).toMatchObject({
        reporter: 'source',
        source_workload: 'productpage-v1',
        destination_version: 'v2',
        destination_service_name: 'reviews',
      });
      const durations = points.filter((p) => p.metric === 'istio_request_duration_milliseconds');
      expect(durations.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(4);
      // The scrape and the push read the same producers: the same count on the Prometheus page.
      expect(await metrics.prometheusText()).toContain('response_code="503"');
    } finally {
      await push.shutdown();
    }
  });

  it('reports a collector that refuses the export, and does not throw', async () => {
    const errors: Error[] = [];
    publishHttp(httpEvent());
    const push = startOtlpMetricExport({
      producers: metrics.producers,
      // Protobuf to a receiver that only decodes JSON metrics: it answers 400.
      env: { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics` },
      onError: (e) => errors.push(e),
    });
    await push.flush();
    await push.shutdown();
    expect(errors.map((e) => e.message).join('\n')).toMatch(/exporting metrics failed/);
  });
});
