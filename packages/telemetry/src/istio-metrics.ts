// Istio's standard metrics: names, types and labels, one table. Source of truth is Istio's own
// stats filter (istio/proxy source/extensions/filters/http/istio_stats/istio_stats.cc): the
// metric names, the tag names, and which tags TCP metrics carry (the peer tags, then
// request_protocol="tcp", response_flags and connection_security_policy; no response_code or
// grpc_response_status). Istio also emits *_principal, *_canonical_* and *_cluster tags; issue 6
// asks for the set below, which is what Istio's dashboards and Kiali group by.

/** Labels every Istio metric carries: who reported, and both ends of the traffic. */
export const PEER_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_app',
  'source_version',
  'destination_workload',
  'destination_workload_namespace',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
] as const;

/** Labels of the HTTP/gRPC metrics. */
export const HTTP_LABELS = [
  ...PEER_LABELS,
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;

/** Labels of the TCP metrics (request_protocol is always `tcp`). */
export const TCP_LABELS = [
  ...PEER_LABELS,
  'request_protocol',
  'response_flags',
  'connection_security_policy',
] as const;

export type PeerLabel = (typeof PEER_LABELS)[number];
export type HttpLabel = (typeof HTTP_LABELS)[number];
export type TcpLabel = (typeof TCP_LABELS)[number];

/**
 * Envoy's default histogram buckets, which Istio's histograms use unless a pod overrides them
 * with the `sidecar.istio.io/statsHistogramBuckets` annotation:
 * envoyproxy/envoy source/common/stats/histogram_impl.cc, `HistogramSettingsImpl::defaultBuckets()`
 * = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
 * 1800000, 3600000}. Istio's stats filter records request duration with Unit::Milliseconds and
 * request/response sizes with Unit::Bytes through the same histogram settings, with no bucket
 * override of its own, so the byte histograms have these same bounds (read as bytes), not
 * powers of ten.
 */
export const ENVOY_DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
]);

export interface IstioMetric {
  readonly name: string;
  readonly type: 'counter' | 'histogram';
  readonly labels: readonly string[];
  readonly help: string;
  readonly buckets?: readonly number[];
}

export const ISTIO_METRICS = {
  requestsTotal: {
    name: 'istio_requests_total',
    type: 'counter',
    labels: HTTP_LABELS,
    help: 'Requests handled by an Istio proxy.',
  },
  requestDuration: {
    name: 'istio_request_duration_milliseconds',
    type: 'histogram',
    labels: HTTP_LABELS,
    help: 'Duration of requests, in milliseconds.',
    buckets: ENVOY_DEFAULT_BUCKETS,
  },
  requestBytes: {
    name: 'istio_request_bytes',
    type: 'histogram',
    labels: HTTP_LABELS,
    help: 'HTTP request sizes, in bytes.',
    buckets: ENVOY_DEFAULT_BUCKETS,
  },
  responseBytes: {
    name: 'istio_response_bytes',
    type: 'histogram',
    labels: HTTP_LABELS,
    help: 'HTTP response sizes, in bytes.',
    buckets: ENVOY_DEFAULT_BUCKETS,
  },
  tcpSentBytes: {
    name: 'istio_tcp_sent_bytes_total',
    type: 'counter',
    labels: TCP_LABELS,
    help: 'Bytes sent during response in TCP connections.',
  },
  tcpReceivedBytes: {
    name: 'istio_tcp_received_bytes_total',
    type: 'counter',
    labels: TCP_LABELS,
    help: 'Bytes received during request in TCP connections.',
  },
  tcpConnectionsOpened: {
    name: 'istio_tcp_connections_opened_total',
    type: 'counter',
    labels: TCP_LABELS,
    help: 'TCP connections opened.',
  },
  tcpConnectionsClosed: {
    name: 'istio_tcp_connections_closed_total',
    type: 'counter',
    labels: TCP_LABELS,
    help: 'TCP connections closed.',
  },
} as const satisfies Record<string, IstioMetric>;
