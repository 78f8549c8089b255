export {
  HTTP_CHANNEL,
  SPAN_CHANNEL,
  TCP_CHANNEL,
  UNKNOWN,
  type ClusterHealth,
  type ConnectionSecurityPolicy,
  type DestinationPeer,
  type HttpRequestEvent,
  type ListenerHealth,
  type Peer,
  type ProxyHealthSource,
  type ProxySpan,
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
export * from './control-plane-metrics.js';
// Tracing: the proxy's pure propagation module, and the check apps make before loading the trace
// SDK from `@mesh/telemetry/tracing` (createMeshTracing is deliberately not re-exported here).
export {
  extractTraceContext,
  newSpanId,
  newTraceId,
  startSpanIds,
  TRACE_HEADER_NAMES,
  traceHeaders,
  type SpanIds,
  type TraceContext,
} from './trace-context.js';
export { metricsExportConfigured, tracingConfigured } from './tracing-config.js';
export type { MeshTracing, MeshTracingOptions, TracingNode } from './tracing.js';
