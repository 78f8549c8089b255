// The contract between the data path and telemetry: what a sidecar publishes on
// node:diagnostics_channel, and the small interface it implements for health gauges. Nothing here
// imports OpenTelemetry; a publisher needs only these names and types.
import { channel } from 'node:diagnostics_channel';

/** One event per finished HTTP or gRPC request, as seen by one sidecar: {@link HttpRequestEvent}. */
export const HTTP_CHANNEL = 'mesh:proxy:http';

/**
 * The {@link HttpRequestEvent} of a sampled request again, with its `span`, published only for
 * those: tracing subscribes here, so the 99% of requests that are not sampled cost it nothing,
 * not even the event's construction when metrics are off. A subscriber may keep the event for a
 * while (tracing encodes spans in batches): a publisher must not change an event once published.
 */
export const SPAN_CHANNEL = 'mesh:proxy:span';

/** TCP connection lifecycle and byte counts, as seen by one sidecar: {@link TcpConnectionEvent}. */
export const TCP_CHANNEL = 'mesh:proxy:tcp';

/**
 * The three channels, held for the life of the process. Node keeps a channel only weakly by its
 * name, and Node 20 can lose a subscribed channel: when a channel of the same name was collected
 * earlier, its late finalizer removes the new one from the registry (nodejs/node#59910), and
 * later publishes by name reach a fresh channel with no subscribers. Held here, they are never
 * collected; publishers and subscribers both load this module.
 */
export const meshChannels = Object.freeze({
  http: channel(HTTP_CHANNEL),
  span: channel(SPAN_CHANNEL),
  tcp: channel(TCP_CHANNEL),
});

/** Istio's value for any label whose value is not known. */
export const UNKNOWN = 'unknown';

/**
 * Which sidecar reports: `source` is the client-side (outbound) proxy or a gateway,
 * `destination` the server-side (inbound) proxy.
 */
export type Reporter = 'source' | 'destination';

/**
 * `mutual_tls` or `none` as the server side saw the connection. Istio's client side always reports
 * `unknown` (it does not judge the connection it opened), and so should ours.
 */
export type ConnectionSecurityPolicy = 'none' | 'mutual_tls' | 'unknown';

/** A workload at one end of a request. Any field not known is `'unknown'`, as Istio reports it. */
export interface Peer {
  /** Workload name, e.g. the Deployment `reviews-v2`. */
  readonly workload: string;
  readonly namespace: string;
  /** The workload's `app` label. */
  readonly app: string;
  /** The workload's `version` label. */
  readonly version: string;
}

/** The server end: the workload plus the service the request was addressed to. */
export interface DestinationPeer extends Peer {
  /** The service's FQDN, e.g. `reviews.default.svc.cluster.local`. */
  readonly service: string;
  /** Its short name, e.g. `reviews`. */
  readonly serviceName: string;
  readonly serviceNamespace: string;
}

export interface HttpRequestEvent {
  readonly reporter: Reporter;
  /** `grpc` when the request's content-type is `application/grpc*`, else `http` (HTTP/1.1 and h2). */
  readonly requestProtocol: 'http' | 'grpc';
  /** Status sent downstream; 0 when no response was sent (the client went away first). */
  readonly responseCode: number;
  /**
   * gRPC only: the decimal `grpc-status` (`"0"`..`"16"`) from the trailers, or from the headers of
   * a trailers-only response. Omit or `''` when there was none. Ignored for `http`.
   */
  readonly grpcResponseStatus?: string;
  /** Envoy's short response flags, comma-separated (`UF,URX`); `'-'` when none. */
  readonly responseFlags: string;
  /** From the first request byte received to the last response byte sent, in milliseconds. */
  readonly durationMs: number;
  /** Request size in bytes as received from downstream (headers and body). */
  readonly requestBytes: number;
  /** Response size in bytes as sent downstream (headers and body). */
  readonly responseBytes: number;
  readonly source: Peer;
  readonly destination: DestinationPeer;
  readonly connectionSecurityPolicy: ConnectionSecurityPolicy;
  /** The span this sidecar recorded when the request is sampled for tracing; else undefined. */
  readonly span?: ProxySpan;
}

/**
 * One sidecar's span of a request, published on the HTTP event of a sampled request. The proxy
 * does propagation and sampling itself (trace-context.ts, no SDK); telemetry turns this into an
 * OpenTelemetry span and exports it. Istio's shape: the source side records a `client` span, the
 * destination side a `server` span, a gateway a `client` span.
 */
export interface ProxySpan {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** This sidecar's span: 16 lowercase hex digits. It is what the next hop sees as its parent. */
  readonly spanId: string;
  /** The span this one is a child of (16 hex digits); absent when this sidecar started the trace. */
  readonly parentSpanId?: string;
  readonly kind: 'client' | 'server';
  /** Wall-clock start, epoch milliseconds (fractional allowed); it ends `durationMs` later. */
  readonly startTimeUnixMs: number;
  readonly method: string;
  /** `scheme://authority/path?query` as the request was received. */
  readonly url: string;
  /** Istio's span name: `<destination service FQDN>:<port>/*`, or the authority when unknown. */
  readonly name: string;
  /** Envoy's cluster name, e.g. `outbound|9080|v1|reviews.default.svc.cluster.local`. */
  readonly upstreamCluster?: string;
  /** `ip:port` of the upstream endpoint that answered last. */
  readonly upstreamHost?: string;
  /** Upstream attempts beyond the first (0 when none, or when the request never left). */
  readonly retryCount: number;
  /** x-request-id, when the request had one. */
  readonly requestId?: string;
  /** The protocol seen downstream, e.g. `HTTP/1.1`, `HTTP/2`. */
  readonly protocol: string;
  /** The W3C tracestate received, passed on unchanged; absent when there was none. */
  readonly traceState?: string;
}

/**
 * TCP traffic of one proxied connection, in Istio's shape: `opened` once when the connection is
 * established (or known to have failed), any number of `bytes` while it lasts (a sidecar may
 * report long connections periodically), and `closed` once at the end.
 *
 * Byte counts are deltas since the previous event of the same connection, so the subscriber keeps
 * no per-connection state; a publisher that reports only at close sends the whole totals on
 * `closed`. Direction is seen from the reporter's downstream side, as Istio measures it:
 * `receivedBytes` came from the connection's initiator, `sentBytes` went back to it.
 *
 * Send the same labels on every event of a connection, so its opened, bytes and closed counts land
 * in the same series.
 */
export interface TcpConnectionEvent {
  readonly kind: 'opened' | 'bytes' | 'closed';
  readonly reporter: Reporter;
  readonly source: Peer;
  readonly destination: DestinationPeer;
  /** Bytes sent to the downstream peer since the previous event of this connection. */
  readonly sentBytes: number;
  /** Bytes received from the downstream peer since the previous event of this connection. */
  readonly receivedBytes: number;
  /** Envoy's short response flags (`UF` for a failed upstream connect); `'-'` when none. */
  readonly responseFlags: string;
  readonly connectionSecurityPolicy: ConnectionSecurityPolicy;
}

export interface ListenerHealth {
  /** Envoy's form `<ip>_<port>`, e.g. `0.0.0.0_15006`. */
  readonly address: string;
  readonly activeConnections: number;
}

export interface ClusterHealth {
  /** The cluster's name as the proxy's `/clusters` page shows it. */
  readonly name: string;
  /** Upstream connections open now. */
  readonly activeConnections: number;
  /** Requests in flight upstream now. */
  readonly activeRequests: number;
  /** Requests waiting for a connection (circuit breaker queue) now. */
  readonly pendingRequests: number;
  /** Endpoints currently ejected by outlier detection. */
  readonly ejectedEndpoints: number;
}

/**
 * What the proxy implements so telemetry can read its health at scrape time. Getters only: they are
 * called once per collection, must be cheap and must not throw.
 */
export interface ProxyHealthSource {
  listeners(): Iterable<ListenerHealth>;
  clusters(): Iterable<ClusterHealth>;
  controlPlaneConnected(): boolean;
  /** Generation of the config table requests are routed with now. */
  configGeneration(): number;
  /** NACKs sent so far (cumulative), per discovery type, e.g. `{ type: 'Cluster', count: 2 }`. */
  configRejections(): Iterable<{ readonly type: string; readonly count: number }>;
}
