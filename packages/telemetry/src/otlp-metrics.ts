// Istio's metrics pushed over OTLP/HTTP, beside the Prometheus page, when the standard
// OTEL_EXPORTER_OTLP_* variables say where: the same producers the scrape reads (the Istio
// aggregator and proxy health) go to a PeriodicExportingMetricReader, so both views always agree.
// Kept apart from mesh-metrics.ts so a proxy without an OTLP endpoint never loads the exporters.
import { OTLPMetricExporter as OtlpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Env } from './tracing-config.js';

export { metricsExportConfigured } from './tracing-config.js';

export interface OtlpMetricExportOptions {
  /** What to export: `MeshMetrics.producers`. */
  readonly producers: readonly MetricProducer[];
  /** Where the exporter reads its settings; default process.env (the exporter reads it itself). */
  readonly env?: Env;
  readonly onError?: (err: Error) => void;
}

export interface OtlpMetricExport {
  /** Exports what is collected now (tests, and before the process exits). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

export function startOtlpMetricExport(options: OtlpMetricExportOptions): OtlpMetricExport {
  const env = options.env ?? process.env;
  const onError = options.onError ?? (() => {});
  const protocol =
    value(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/protobuf' && protocol !== 'http/json')
    onError(new Error(`OTLP protocol ${protocol} is not supported; using http/protobuf`));
  const specific = value(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  const generic = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const settings = {
    // Cumulative, as Prometheus reads them: a collector that prefers deltas converts.
    temporalityPreference: AggregationTemporality.CUMULATIVE,
    // With process.env the exporter applies the spec's endpoint and header rules itself.
    ...(options.env && {
      url: specific ?? `${(generic ?? '').replace(/\/$/, '')}/v1/metrics`,
    }),
  };
  const exporter =
    protocol === 'http/json' ? new OtlpJsonExporter(settings) : new OtlpProtobufExporter(settings);
  const interval = Number(value(env, 'OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000);
  const reader = new PeriodicExportingMetricReader({
    exporter: {
      export(metrics, done) {
        exporter.export(metrics, (result) => {
          if (result.error) onError(new Error(`exporting metrics failed: ${result.error.message}`));
          done(result);
        });
      },
      forceFlush: () => exporter.forceFlush(),
      shutdown: () => exporter.shutdown(),
      selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    },
    exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : 60_000,
    metricProducers: [...options.producers],
  });
  // The provider has no instruments of its own; it binds the reader, which reads the producers.
  const provider = new MeterProvider({ readers: [reader] });
  let closed: Promise<void> | undefined;
  const settle = (p: Promise<void>) =>
    p.catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  return {
    flush: () => settle(provider.forceFlush()),
    shutdown() {
      closed ??= settle(provider.shutdown());
      return closed;
    },
  };
}
