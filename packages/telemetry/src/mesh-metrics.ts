// createMeshMetrics: subscribes to the proxy's channels, aggregates Istio's standard metrics
// (aggregator.ts, the per-request path) and serves them through the OpenTelemetry SDK's reader
// and Prometheus serializer.
//
// How the names come out exactly as Istio's with @opentelemetry/exporter-prometheus 0.223.0:
// - its serializer appends `_total` only to monotonic sums not already ending in `_total`, and
//   every Istio counter already does;
// - it adds no unit suffix to names, but prints a `# UNIT` line when a metric has a unit, so
//   metrics carry none: Istio's names include their unit already;
// - `withoutScopeInfo` drops the otel_scope_* labels it would add to every sample, and
//   `withoutTargetInfo` the target_info family, neither of which Envoy's exposition has.
// The exposition tests pin all of this on the exact text.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { IstioAggregator } from './aggregator.js';
import { HTTP_CHANNEL, meshChannels, TCP_CHANNEL, type ProxyHealthSource } from './events.js';
import { HealthProducer } from './health.js';
import type { DropReason } from './labels.js';

export interface MeshMetricsOptions {
  /** Proxy health read at each scrape; omit for processes that are not a proxy. */
  readonly health?: ProxyHealthSource;
  /**
   * Label sets kept per metric, the overflow series included; past it new ones fold into one
   * series labelled `otel_metric_overflow="true"` (OpenTelemetry's rule), bounding memory.
   * Default 2000 (OpenTelemetry's default).
   */
  readonly maxSeriesPerMetric?: number;
  /** Path `handler` answers. Default `/stats/prometheus`, Envoy's and Istio's. */
  readonly path?: string;
  /** Told about dropped events and collection errors (e.g. a health getter that threw). */
  readonly onError?: (err: Error) => void;
}

export interface MeshMetrics {
  /** The current exposition, in Prometheus text format 0.0.4. */
  prometheusText(): Promise<string>;
  /** Answers `GET`/`HEAD` on the configured path with the exposition; 404 elsewhere. */
  readonly handler: RequestListener;
  /** Unsubscribes from the channels and stops the SDK. Idempotent. */
  shutdown(): Promise<void>;
  /** What the scrape reads (Istio's metrics, proxy health), for another reader such as OTLP push. */
  readonly producers: readonly MetricProducer[];
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Counts events refused by the contract checks, by channel and reason (a fixed set). */
export const DROPPED_EVENTS_METRIC = 'mesh_telemetry_dropped_events_total';

export function createMeshMetrics(options: MeshMetricsOptions = {}): MeshMetrics {
  const path = options.path ?? '/stats/prometheus';
  const onError = options.onError ?? (() => {});

  const istio = new IstioAggregator({ maxSeries: options.maxSeriesPerMetric ?? 2000 });
  const producers: MetricProducer[] = options.health
    ? [new HealthProducer(options.health), istio]
    : [istio];
  const reader = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    withoutTargetInfo: true,
    metricProducers: producers,
  });
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('mesh');
  const dropped = meter.createCounter(DROPPED_EVENTS_METRIC, {
    description: 'Telemetry events dropped because they broke the event contract.',
  });

  const drop = (channel: string, reason: DropReason) => {
    dropped.add(1, { channel, reason });
    onError(new Error(`telemetry: dropped an event on ${channel}: ${reason}`));
  };

  // A subscriber that throws would surface as an uncaught exception in the publishing sidecar, so
  // both handlers check first and never throw.
  const onHttp = (message: unknown): void => {
    try {
      const refused = istio.recordHttp(message);
      if (refused) drop(HTTP_CHANNEL, refused);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const onTcp = (message: unknown): void => {
    try {
      const refused = istio.recordTcp(message);
      if (refused) drop(TCP_CHANNEL, refused);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  meshChannels.http.subscribe(onHttp);
  meshChannels.tcp.subscribe(onTcp);

  let closed: Promise<void> | undefined;

  async function prometheusText(): Promise<string> {
    const { resourceMetrics, errors } = await reader.collect();
    for (const err of errors) onError(err instanceof Error ? err : new Error(String(err)));
    // Before any traffic the serializer would print a placeholder comment; Envoy prints nothing.
    if (resourceMetrics.scopeMetrics.every((s) => s.metrics.length === 0)) return '';
    return serializer.serialize(resourceMetrics);
  }

  const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    const pathname = (req.url ?? '/').split('?', 1)[0];
    if (pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; try ${path}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET only\n');
      return;
    }
    prometheusText().then(
      (text) => {
        res.writeHead(200, {
          'content-type': PROMETHEUS_CONTENT_TYPE,
          'content-length': Buffer.byteLength(text),
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err}\n`);
      },
    );
  };

  return {
    prometheusText,
    handler,
    producers,
    shutdown() {
      closed ??= (async () => {
        meshChannels.http.unsubscribe(onHttp);
        meshChannels.tcp.unsubscribe(onTcp);
        await provider.shutdown();
      })();
      return closed;
    },
  };
}
