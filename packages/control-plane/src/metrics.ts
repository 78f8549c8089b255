// The control plane's metrics at :15014/metrics: this table is the contract (names, types, labels,
// buckets), documented in docs/telemetry.md. Names, types, labels and buckets are istiod's where
// istiod has the metric (pilot/pkg/xds/monitoring.go), so Istio's dashboards and habits carry
// over; mesh_* are ours. @mesh/telemetry keeps and prints them through the OpenTelemetry SDK.
import {
  createControlPlaneMetrics,
  type ControlPlaneMetrics,
  type CounterInstrument,
  type GaugeReading,
  type HistogramInstrument,
  type MetricLabels,
} from '@mesh/telemetry';

/** istiod's pilot_proxy_convergence_time buckets. */
export const CONVERGENCE_BUCKETS_S: readonly number[] = [0.1, 0.5, 1, 3, 5, 10, 20, 30];
/** istiod's pilot_xds_push_time and pilot_debounce_time buckets. */
export const PILOT_TIME_BUCKETS_S: readonly number[] = [0.01, 0.1, 1, 3, 5, 10, 20, 30];
/** Ours: a healthy watch applies a write within milliseconds, so the buckets start there. */
export const WATCH_LAG_BUCKETS_S: readonly number[] = [
  0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30,
];

type Def =
  | { type: 'counter'; help: string; labels: readonly string[] }
  | { type: 'histogram'; help: string; labels: readonly string[]; buckets: readonly number[] }
  | { type: 'gauge'; help: string; labels: readonly string[] };

export const CONTROL_PLANE_METRICS = {
  pilot_xds: {
    type: 'gauge',
    help: 'Proxies connected to this replica, by proxy version.',
    labels: ['version'],
  },
  pilot_xds_pushes: {
    type: 'counter',
    help: 'Responses sent to proxies, by type (cds, eds, lds, rds).',
    labels: ['type'],
  },
  pilot_xds_push_time: {
    type: 'histogram',
    help: "Seconds one type of one proxy's push took (its share of the push: building, diffing, encoding, handing to gRPC).",
    labels: ['type'],
    buckets: PILOT_TIME_BUCKETS_S,
  },
  pilot_total_xds_rejects: {
    type: 'counter',
    help: 'Responses the proxies rejected (NACKed), by type.',
    labels: ['type'],
  },
  pilot_xds_write_timeout: {
    type: 'counter',
    help: 'Pushes set aside because the proxy did not read its stream within the write timeout.',
    labels: [],
  },
  pilot_proxy_convergence_time: {
    type: 'histogram',
    help: 'Seconds from a config or registry change being seen in the store watch to the proxy ACKing all config that carries it.',
    labels: [],
    buckets: CONVERGENCE_BUCKETS_S,
  },
  pilot_debounce_time: {
    type: 'histogram',
    help: 'Seconds from the first change of a burst entering the debounce to the merged push.',
    labels: [],
    buckets: PILOT_TIME_BUCKETS_S,
  },
  pilot_push_triggers: {
    type: 'counter',
    help: 'Changes that triggered pushes, by reason (config, endpoint).',
    labels: ['type'],
  },
  mesh_store_watch_lag_seconds: {
    type: 'histogram',
    help: "Seconds from a store write by this replica returning to this replica's watch applying it, by area (config, registry).",
    labels: ['area'],
    buckets: WATCH_LAG_BUCKETS_S,
  },
  mesh_store_watch_revisions_behind: {
    type: 'gauge',
    help: "Store revisions between this replica's newest write its watch has not applied yet and what the watch has applied; 0 when caught up.",
    labels: [],
  },
  mesh_store_available: {
    type: 'gauge',
    help: '1 while the config store answers, else 0.',
    labels: [],
  },
  mesh_config_revision: {
    type: 'gauge',
    help: 'Store revision this replica has caught up to.',
    labels: [],
  },
} as const satisfies Record<string, Def>;

type Table = typeof CONTROL_PLANE_METRICS;
type NamesOf<T extends Def['type']> = {
  [K in keyof Table]: Table[K]['type'] extends T ? K : never;
}[keyof Table];
export type CounterName = NamesOf<'counter'>;
export type HistogramName = NamesOf<'histogram'>;
export type GaugeName = NamesOf<'gauge'>;

export class Metrics {
  private readonly registry: ControlPlaneMetrics;
  private readonly counters = new Map<string, CounterInstrument>();
  private readonly histograms = new Map<string, HistogramInstrument>();

  constructor(options: { onError?: (err: Error) => void } = {}) {
    this.registry = createControlPlaneMetrics(options);
    for (const [name, def] of Object.entries(CONTROL_PLANE_METRICS) as [string, Def][]) {
      if (def.type === 'counter') {
        this.counters.set(name, this.registry.counter(name, def.help, def.labels));
      } else if (def.type === 'histogram') {
        this.histograms.set(name, this.registry.histogram(name, def.help, def.buckets, def.labels));
      }
    }
  }

  /** A gauge, read at scrape time; each gauge is given its reader once. */
  gaugeFrom(name: GaugeName, read: () => GaugeReading): void {
    const def = CONTROL_PLANE_METRICS[name];
    this.registry.gauge(name, def.help, read, def.labels);
  }

  inc(name: CounterName, labels: MetricLabels = {}, by = 1): void {
    this.counters.get(name)!.add(labels, by);
  }

  observe(name: HistogramName, seconds: number, labels: MetricLabels = {}): void {
    this.histograms.get(name)!.observe(seconds, labels);
  }

  /** The exposition, Prometheus text format 0.0.4. */
  render(): Promise<string> {
    return this.registry.prometheusText();
  }

  close(): Promise<void> {
    return this.registry.shutdown();
  }
}
