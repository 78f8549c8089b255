// Proxy health read from a ProxyHealthSource at each collection. Names are Envoy's Prometheus
// names where Envoy has the same stat (so Envoy dashboards and habits carry over), with Envoy's
// tag names (cluster_name, envoy_listener_address); the config generation and NACKs have no Envoy
// equivalent with the same meaning and are mesh_proxy_*.
//
// A MetricProducer rather than the SDK's observable gauges: with cumulative temporality the SDK
// keeps exporting the last value of a label set that is no longer observed, so a cluster that left
// the config would show its old connections and ejections forever. Here a scrape shows exactly
// what the source reports now.
import { ValueType } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { ProxyHealthSource } from './events.js';
import { hrNow, type HrTime } from './hrtime.js';

export const HEALTH_METRICS = {
  listenerActiveConnections: {
    name: 'envoy_listener_downstream_cx_active',
    type: 'gauge',
    labels: ['envoy_listener_address'],
    help: 'Downstream connections open now, per listener.',
  },
  clusterActiveConnections: {
    name: 'envoy_cluster_upstream_cx_active',
    type: 'gauge',
    labels: ['cluster_name'],
    help: 'Upstream connections open now, per cluster.',
  },
  clusterActiveRequests: {
    name: 'envoy_cluster_upstream_rq_active',
    type: 'gauge',
    labels: ['cluster_name'],
    help: 'Requests in flight upstream now, per cluster.',
  },
  clusterPendingRequests: {
    name: 'envoy_cluster_upstream_rq_pending_active',
    type: 'gauge',
    labels: ['cluster_name'],
    help: 'Requests waiting for an upstream connection now, per cluster.',
  },
  clusterEjections: {
    name: 'envoy_cluster_outlier_detection_ejections_active',
    type: 'gauge',
    labels: ['cluster_name'],
    help: 'Endpoints ejected by outlier detection now, per cluster.',
  },
  controlPlaneConnected: {
    name: 'envoy_control_plane_connected_state',
    type: 'gauge',
    labels: [],
    help: '1 while the discovery stream to the control plane is up, else 0.',
  },
  configGeneration: {
    name: 'mesh_proxy_config_generation',
    type: 'gauge',
    labels: [],
    help: 'Generation of the config table requests are routed with.',
  },
  configRejections: {
    name: 'mesh_proxy_config_rejections_total',
    type: 'counter',
    labels: ['type'],
    help: 'Config responses rejected (NACKed), per discovery type.',
  },
} as const;

type Point = { readonly attributes: Record<string, string>; readonly value: number };
type Health = (typeof HEALTH_METRICS)[keyof typeof HEALTH_METRICS];

export class HealthProducer implements MetricProducer {
  private readonly start = hrNow();

  constructor(private readonly source: ProxyHealthSource) {}

  async collect(): Promise<CollectionResult> {
    const m = HEALTH_METRICS;
    const end = hrNow();
    const metrics: MetricData[] = [];
    const add = (d: Health, points: Point[]) => {
      if (points.length > 0) metrics.push(this.metric(d, points, end));
    };
    try {
      const s = this.source;
      add(
        m.listenerActiveConnections,
        [...s.listeners()].map((l) => ({
          attributes: { envoy_listener_address: l.address },
          value: l.activeConnections,
        })),
      );
      const clusters = [...s.clusters()];
      const per = (value: (c: (typeof clusters)[number]) => number) =>
        clusters.map((c) => ({ attributes: { cluster_name: c.name }, value: value(c) }));
      add(
        m.clusterActiveConnections,
        per((c) => c.activeConnections),
      );
      add(
        m.clusterActiveRequests,
        per((c) => c.activeRequests),
      );
      add(
        m.clusterPendingRequests,
        per((c) => c.pendingRequests),
      );
      add(
        m.clusterEjections,
        per((c) => c.ejectedEndpoints),
      );
      add(m.controlPlaneConnected, [{ attributes: {}, value: s.controlPlaneConnected() ? 1 : 0 }]);
      add(m.configGeneration, [{ attributes: {}, value: s.configGeneration() }]);
      add(
        m.configRejections,
        [...s.configRejections()].map((t) => ({ attributes: { type: t.type }, value: t.count })),
      );
    } catch (err) {
      // A half-read source is worse than none: report it and show no health this time.
      return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [] }, errors: [err] };
    }
    return {
      resourceMetrics: {
        resource: emptyResource(),
        scopeMetrics: [{ scope: { name: 'mesh.proxy-health' }, metrics }],
      },
      errors: [],
    };
  }

  private metric(d: Health, points: Point[], end: HrTime): MetricData {
    const descriptor = { name: d.name, description: d.help, unit: '', valueType: ValueType.DOUBLE };
    const dataPoints = points.map((p) => ({
      startTime: d.type === 'counter' ? this.start : end,
      endTime: end,
      attributes: p.attributes,
      value: p.value,
    }));
    return d.type === 'counter'
      ? {
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints,
        }
      : {
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints,
        };
  }
}
