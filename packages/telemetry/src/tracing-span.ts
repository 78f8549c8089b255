// One HttpRequestEvent's `span` as an OpenTelemetry ReadableSpan, built directly rather than
// through a Tracer: the ids were chosen by the proxy (trace-context.ts) and must reach the
// collector exactly, which a Tracer's own id generation and context plumbing would only get in the
// way of. Attribute names are Envoy's tracing tags, the ones Istio users search by in Jaeger,
// Zipkin and Tempo, sent as strings because Envoy sends every tag as a string; our additions and
// the OpenTelemetry semantic-convention twins are typed.
import {
  createTraceState,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type HrTime,
  type SpanContext,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { UNKNOWN, type HttpRequestEvent, type ProxySpan } from './events.js';

/** The sidecar an exporter speaks for: it becomes the resource and the `istio.*` tags. */
export interface TracingNode {
  /** The proxy's node id (Envoy's `node_id` tag, the resource's `service.instance.id`). */
  readonly id: string;
  readonly workload: string;
  readonly namespace: string;
  /** The workload's `app` label. */
  readonly app: string;
  /** The workload's `version` label. */
  readonly version: string;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** Why an event's span cannot be exported, or undefined when it can. */
export function spanProblem(event: HttpRequestEvent): string | undefined {
  const s: unknown = event.span;
  if (typeof s !== 'object' || s === null) return 'span is not an object';
  const span = s as Partial<Record<keyof ProxySpan, unknown>>;
  if (typeof span.traceId !== 'string' || !TRACE_ID.test(span.traceId) || /^0+$/.test(span.traceId))
    return 'bad traceId';
  if (typeof span.spanId !== 'string' || !SPAN_ID.test(span.spanId) || /^0+$/.test(span.spanId))
    return 'bad spanId';
  if (
    span.parentSpanId !== undefined &&
    (typeof span.parentSpanId !== 'string' || !SPAN_ID.test(span.parentSpanId))
  )
    return 'bad parentSpanId';
  if (span.kind !== 'client' && span.kind !== 'server') return 'bad kind';
  if (!finite(span.startTimeUnixMs) || (span.startTimeUnixMs as number) < 0)
    return 'bad startTimeUnixMs';
  if (!finite(event.durationMs) || event.durationMs < 0) return 'bad durationMs';
  if (!Number.isInteger(event.responseCode)) return 'bad responseCode';
  if (!finite(span.retryCount) || (span.retryCount as number) < 0) return 'bad retryCount';
  if (!finite(event.requestBytes) || !finite(event.responseBytes)) return 'bad byte counts';
  if (typeof event.responseFlags !== 'string') return 'bad responseFlags';
  for (const key of ['name', 'method', 'url', 'protocol'] as const) {
    if (typeof span[key] !== 'string') return `bad ${key}`;
  }
  return undefined;
}

function finite(n: unknown): boolean {
  return typeof n === 'number' && Number.isFinite(n);
}

/** Epoch or duration milliseconds (fractional) as [seconds, nanoseconds]. */
export function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

export function addHrTime(a: HrTime, b: HrTime): HrTime {
  const nanos = a[1] + b[1];
  return nanos >= 1e9 ? [a[0] + b[0] + 1, nanos - 1e9] : [a[0] + b[0], nanos];
}

/** The node-level tags every span of this sidecar carries, computed once. */
export interface NodeTags {
  readonly component: 'proxy';
  readonly node_id: string;
  readonly 'istio.namespace': string;
  readonly 'istio.canonical_service': string;
  readonly 'istio.canonical_revision': string;
}

export function nodeAttributes(node: TracingNode): NodeTags {
  return {
    component: 'proxy',
    node_id: node.id,
    'istio.namespace': node.namespace,
    'istio.canonical_service': canonicalService(node),
    // Istio's default revision when a workload has no version label.
    'istio.canonical_revision': known(node.version) ?? 'latest',
  };
}

/** Istio's canonical service: the `app` label, else the workload name. */
export function canonicalService(node: Pick<TracingNode, 'app' | 'workload'>): string {
  return known(node.app) ?? node.workload;
}

function known(v: string | undefined): string | undefined {
  return v && v !== UNKNOWN ? v : undefined;
}

/**
 * Envoy (and Istio's OpenTelemetry setup) mark a span as an error when the response is a 5xx or
 * there was none at all.
 */
export function isErrorResponse(responseCode: number): boolean {
  return responseCode >= 500 || responseCode === 0;
}

export function toReadableSpan(
  event: HttpRequestEvent,
  span: ProxySpan,
  common: {
    readonly resource: Resource;
    readonly scope: ReadableSpan['instrumentationScope'];
    readonly nodeAttributes: NodeTags;
  },
): ReadableSpan {
  const context: SpanContext = {
    traceId: span.traceId,
    spanId: span.spanId,
    // Only sampled requests carry a span, and the processor drops unsampled ones.
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
    ...(span.traceState ? { traceState: createTraceState(span.traceState) } : {}),
  };
  const parent: SpanContext | undefined = span.parentSpanId
    ? {
        traceId: span.traceId,
        spanId: span.parentSpanId,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      }
    : undefined;
  const startTime = msToHrTime(span.startTimeUnixMs);
  const duration = msToHrTime(event.durationMs);
  const error = isErrorResponse(event.responseCode);
  return {
    name: span.name,
    kind: span.kind === 'client' ? SpanKind.CLIENT : SpanKind.SERVER,
    spanContext: () => context,
    parentSpanContext: parent,
    startTime,
    endTime: addHrTime(startTime, duration),
    duration,
    status: { code: error ? SpanStatusCode.ERROR : SpanStatusCode.UNSET },
    attributes: spanAttributes(event, span, common.nodeAttributes, error),
    links: [],
    events: [],
    ended: true,
    resource: common.resource,
    instrumentationScope: common.scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

// The tags are one object literal with constant keys, optional ones added after. Spreading the
// node's tags into the literal, or computing keys, made V8 build a new hidden class per span:
// 25 µs a span instead of 0.2 (a loop on this machine), most of what exporting spans cost.
export function spanAttributes(
  event: HttpRequestEvent,
  span: ProxySpan,
  node: NodeTags,
  error: boolean,
): Attributes {
  const a: Attributes = {
    component: node.component,
    node_id: node.node_id,
    'istio.namespace': node['istio.namespace'],
    'istio.canonical_service': node['istio.canonical_service'],
    'istio.canonical_revision': node['istio.canonical_revision'],
    // Envoy's tags.
    'http.method': span.method,
    'http.url': span.url,
    'http.protocol': span.protocol,
    'http.status_code': String(event.responseCode),
    response_flags: event.responseFlags,
    request_size: String(event.requestBytes),
    response_size: String(event.responseBytes),
    // Ours: how many times the sidecar retried upstream.
    'retry.count': span.retryCount,
    // OpenTelemetry HTTP semantic conventions.
    'http.request.method': span.method,
    'url.full': span.url,
    'http.request.size': event.requestBytes,
    'http.response.size': event.responseBytes,
  };
  if (event.responseCode > 0) a['http.response.status_code'] = event.responseCode;
  if (span.retryCount > 0) a['http.request.resend_count'] = span.retryCount;
  if (error) a['error'] = 'true';
  if (span.upstreamCluster) {
    a['upstream_cluster'] = span.upstreamCluster;
    a['upstream_cluster.name'] = span.upstreamCluster;
  }
  if (span.upstreamHost) a['upstream_address'] = span.upstreamHost;
  if (span.requestId) a['guid:x-request-id'] = span.requestId;
  if (event.requestProtocol === 'grpc' && event.grpcResponseStatus) {
    a['grpc.status_code'] = event.grpcResponseStatus;
  }
  // Both ends of the request, under the names of Istio's metric labels, so a trace can be matched
  // to the istio_requests_total series it counted in.
  const source = event.source;
  const destination = event.destination;
  const sourceWorkload = known(source?.workload);
  const sourceNamespace = known(source?.namespace);
  const destinationWorkload = known(destination?.workload);
  const destinationNamespace = known(destination?.namespace);
  if (sourceWorkload) a['istio.source_workload'] = sourceWorkload;
  if (sourceNamespace) a['istio.source_workload_namespace'] = sourceNamespace;
  if (destinationWorkload) a['istio.destination_workload'] = destinationWorkload;
  if (destinationNamespace) a['istio.destination_workload_namespace'] = destinationNamespace;
  const service = known(destination?.service);
  if (service) a['istio.destination_service'] = service;
  return a;
}
