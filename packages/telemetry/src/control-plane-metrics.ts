// createControlPlaneMetrics: a small metric registry for the control plane (istiod's pilot_*
// names), kept by the OpenTelemetry SDK and printed by its Prometheus serializer, so the control
// plane records plain calls and never imports OpenTelemetry itself.
//
// Exact names are the contract. With @opentelemetry/exporter-prometheus 0.223.0:
// - the serializer appends `_total` to every monotonic sum whose name lacks it, and has no option
//   to stop (Go's exporter has `WithoutCounterSuffixes()`, which istiod sets, so istiod prints
//   `pilot_xds_pushes`, TYPE counter). prometheusText() therefore renames `<name>_total` back to
//   `<name>` on the HELP, TYPE and sample lines of exactly the counters registered here without
//   the suffix; a counter registered with it (`..._total`) is printed as the SDK prints it;
// - metrics carry no unit (it would add a `# UNIT` line; the names carry their unit, as istiod's),
//   and `withoutScopeInfo`/`withoutTargetInfo` drop the otel_scope_* labels and `target_info`;
// - histogram buckets are set per instrument through the API's `advice`
//   (explicitBucketBoundaries), so each keeps istiod's own buckets;
// - an observable gauge keeps printing a label set its callback stopped reporting (the SDK keeps
//   the last value), so gauges report 0 for label sets they reported before and no longer do, as
//   istiod's `pilot_xds{version}` drops to 0 when the last proxy of a version leaves.
// The exposition tests pin all of this on the exact text.
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

export type MetricLabels = Readonly<Record<string, string>>;

/** A gauge's value at scrape time: one number, or one per label set. */
export type GaugeReading = number | Iterable<readonly [MetricLabels, number]>;

export interface CounterInstrument {
  add(labels?: MetricLabels, by?: number): void;
}

export interface HistogramInstrument {
  observe(value: number, labels?: MetricLabels): void;
}

export interface ControlPlaneMetricsOptions {
  /** Told about collection errors (e.g. a gauge read that threw). */
  readonly onError?: (err: Error) => void;
}

export interface ControlPlaneMetrics {
  /** A counter printed under exactly `name` (TYPE counter), with exactly these label names. */
  counter(name: string, help: string, labels?: readonly string[]): CounterInstrument;
  /** A histogram with these upper bucket bounds (`+Inf` is implied). */
  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    labels?: readonly string[],
  ): HistogramInstrument;
  /** A gauge read at each scrape. */
  gauge(name: string, help: string, read: () => GaugeReading, labels?: readonly string[]): void;
  /** The current exposition, Prometheus text format 0.0.4; '' before anything is defined. */
  prometheusText(): Promise<string>;
  /** Stops the SDK. Idempotent. */
  shutdown(): Promise<void>;
}

// Names the serializer passes through untouched (it rewrites anything else to `_`).
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TOTAL_LINE = /^(# (?:HELP|TYPE) )?([a-zA-Z_][a-zA-Z0-9_]*)_total(?=[ {])/;

export function createControlPlaneMetrics(
  options: ControlPlaneMetricsOptions = {},
): ControlPlaneMetrics {
  const onError = options.onError ?? (() => {});
  const reader = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    withoutTargetInfo: true,
  });
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('mesh-control-plane');
  /** Every printed name, to refuse a second metric under a name already taken. */
  const printed = new Set<string>();
  /** Counters whose `_total` the serializer adds and prometheusText() takes off again. */
  const unsuffixed = new Set<string>();

  const claim = (name: string, alsoPrints: readonly string[] = []) => {
    if (!NAME.test(name)) throw new Error(`metric name ${JSON.stringify(name)} is not valid`);
    for (const n of [name, ...alsoPrints]) {
      if (printed.has(n)) throw new Error(`metric ${name}: the name ${n} is already taken`);
    }
    for (const n of [name, ...alsoPrints]) printed.add(n);
  };

  let closed: Promise<void> | undefined;

  return {
    counter(name, help, labels = []) {
      // `x` and `x_total` would print the same; neither may be taken twice.
      const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
      claim(name, [name === base ? `${base}_total` : base]);
      if (name === base) unsuffixed.add(name);
      const counter = meter.createCounter(name, { description: help });
      const check = labelCheck(name, labels);
      return {
        add(values = {}, by = 1) {
          check(values);
          counter.add(by, values);
        },
      };
    },

    histogram(name, help, buckets, labels = []) {
      claim(name, [`${name}_bucket`, `${name}_sum`, `${name}_count`]);
      for (let i = 0; i < buckets.length; i++) {
        if (!Number.isFinite(buckets[i]) || (i > 0 && buckets[i]! <= buckets[i - 1]!)) {
          throw new Error(`metric ${name}: buckets must be finite and increasing`);
        }
      }
      const histogram = meter.createHistogram(name, {
        description: help,
        advice: { explicitBucketBoundaries: [...buckets] },
      });
      const check = labelCheck(name, labels);
      return {
        observe(value, values = {}) {
          check(values);
          histogram.record(value, values);
        },
      };
    },

    gauge(name, help, read, labels = []) {
      claim(name);
      const check = labelCheck(name, labels);
      const reported = new Map<string, MetricLabels>();
      meter.createObservableGauge(name, { description: help }).addCallback((result) => {
        const value = read();
        if (typeof value === 'number') {
          check({});
          result.observe(value);
          return;
        }
        const now = new Set<string>();
        for (const [values, v] of value) {
          check(values);
          const key = labelKey(values);
          now.add(key);
          reported.set(key, values);
          result.observe(v, values);
        }
        // A label set gone since the last scrape reads 0 once, then is forgotten, so label
        // values the control plane stops seeing (proxy versions) do not pile up.
        for (const [key, values] of reported) {
          if (now.has(key)) continue;
          result.observe(0, values);
          reported.delete(key);
        }
      });
    },

    async prometheusText() {
      const { resourceMetrics, errors } = await reader.collect();
      for (const err of errors) onError(err instanceof Error ? err : new Error(String(err)));
      // Before anything is recorded the serializer prints a placeholder comment; print nothing.
      if (resourceMetrics.scopeMetrics.every((s) => s.metrics.length === 0)) return '';
      const text = serializer.serialize(resourceMetrics);
      if (unsuffixed.size === 0) return text;
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const m = TOTAL_LINE.exec(lines[i]!);
        if (m && unsuffixed.has(m[2]!)) {
          lines[i] = `${m[1] ?? ''}${m[2]}${lines[i]!.slice(m[0].length)}`;
        }
      }
      return lines.join('\n');
    },

    shutdown() {
      closed ??= provider.shutdown();
      return closed;
    },
  };
}

/** Throws unless `values` has exactly the declared label names: a typo must not make a series. */
function labelCheck(name: string, labels: readonly string[]): (values: MetricLabels) => void {
  const declared = new Set(labels);
  return (values) => {
    let n = 0;
    for (const key in values) {
      if (!declared.has(key)) throw new Error(`metric ${name} has no label ${key}`);
      n++;
    }
    if (n !== declared.size) {
      throw new Error(`metric ${name} needs the labels ${[...declared].join(', ')}`);
    }
  };
}

function labelKey(values: MetricLabels): string {
  return JSON.stringify(
    Object.keys(values)
      .sort()
      .map((k) => [k, values[k]]),
  );
}
