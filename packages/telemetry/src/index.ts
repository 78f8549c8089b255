export {
  HTTP_CHANNEL,
  TCP_CHANNEL,
  UNKNOWN,
  type ClusterHealth,
  type ConnectionSecurityPolicy,
  type DestinationPeer,
  type HttpRequestEvent,
  type ListenerHealth,
  type Peer,
  type ProxyHealthSource,
  type Reporter,
  type TcpConnectionEvent,
} from './events.js';
export {
  ENVOY_DEFAULT_BUCKETS,
  HTTP_LABELS,
  ISTIO_METRICS,
  TCP_LABELS,
  type IstioMetric,
} from './istio-metrics.js';
export { HEALTH_METRICS } from './health.js';
export {
  createMeshMetrics,
  DROPPED_EVENTS_METRIC,
  PROMETHEUS_CONTENT_TYPE,
  type MeshMetrics,
  type MeshMetricsOptions,
} from './mesh-metrics.js';
