// What a sidecar adds to a request on its way through, for telemetry: the trace context of its
// own span (so the next hop's span is its child, whatever the app forwarded) and, between
// sidecars, the peer header. Outbound, the app's request is the parent and the upstream gets this
// hop's client span; inbound, the caller's client span is the parent and the app gets this hop's
// server span, which the app passes on to its own outbound calls.
import {
  extractTraceContext,
  startSpanIds,
  traceHeaders,
  traceparent,
  TRACE_HEADER_NAMES,
} from '@mesh/telemetry/trace-context';
import type { Peer } from '@mesh/telemetry/events';
import { headerValue } from '../http/headers.js';
import type { StreamInfo } from '../http/stream-info.js';
import type { FreshHeaderMap, HeaderMap, ProxyResponse } from '../http/types.js';
import { encodePeer, parsePeer, PEER_HEADER } from './peer-header.js';

export interface TracingSettings {
  /** Percentage of new traces recorded, 0-100 (Istio's `tracing.sampling`, default 1). */
  readonly samplingPercent: number;
}

/** What one listener needs to take part in the mesh's telemetry. */
export interface RequestTelemetry {
  readonly self: Peer;
  /** This sidecar's identity as the peer header carries it, encoded once. */
  readonly peerHeader: string;
  /** Absent: tracing is off, and trace headers pass through untouched. */
  readonly tracing: TracingSettings | undefined;
  readonly rng: () => number;
}

export function requestTelemetry(
  self: Peer,
  tracing: TracingSettings | undefined,
  rng: () => number = Math.random,
): RequestTelemetry {
  return { self, peerHeader: encodePeer(self), tracing, rng };
}

/**
 * The app's request on its way out: a forged peer header is dropped (the proxy writes its own per
 * upstream, forward.ts) and the client span is started.
 */
export function stampOutbound(
  headers: FreshHeaderMap,
  info: StreamInfo,
  telemetry: RequestTelemetry,
): void {
  delete headers[PEER_HEADER];
  info.grpc = isGrpc(headers);
  if (telemetry.tracing) startSpan(headers, info, telemetry);
}

/** A request from the mesh on its way to the app: the caller's identity is read and removed. */
export function stampInbound(
  headers: FreshHeaderMap,
  info: StreamInfo,
  telemetry: RequestTelemetry,
): void {
  const peer = headers[PEER_HEADER];
  if (peer !== undefined) {
    info.peer = parsePeer(peer);
    delete headers[PEER_HEADER];
  }
  info.grpc = isGrpc(headers);
  if (telemetry.tracing) startSpan(headers, info, telemetry);
}

/** The peer header for one upstream request: this sidecar plus the service it routed to. */
export function outboundPeerHeader(telemetry: RequestTelemetry, service: string): string {
  return `${telemetry.peerHeader};svc=${encodeURIComponent(service)}`;
}

/**
 * Every upstream response, as the forward handlers receive it (`headers` made afresh for it):
 * the header never goes further, and only an endpoint with a sidecar is believed, since anything
 * else could claim to be any workload. On the inbound side the upstream is the app, so the app's
 * own header is dropped and the caller's identity kept.
 */
export function receivePeer(headers: FreshHeaderMap, sidecar: boolean, info: StreamInfo): void {
  const value = headers[PEER_HEADER];
  if (value === undefined) return;
  if (sidecar) info.peer = parsePeer(value);
  delete headers[PEER_HEADER];
}

/** The app's answer to a sidecar's request carries this sidecar's identity back. */
export function givePeer(
  response: ProxyResponse,
  info: StreamInfo,
  telemetry: RequestTelemetry,
): ProxyResponse {
  if (info.peer === undefined) return response;
  const headers = Object.assign(Object.create(null), response.headers) as FreshHeaderMap;
  headers[PEER_HEADER] = telemetry.peerHeader;
  return { ...response, headers };
}

function startSpan(headers: FreshHeaderMap, info: StreamInfo, telemetry: RequestTelemetry): void {
  // A request that starts a trace carries none of the trace headers: nothing to read or remove.
  const incoming = carriesTraceHeaders(headers);
  const parent = incoming ? extractTraceContext((name) => firstValue(headers, name)) : undefined;
  const span = startSpanIds(parent, telemetry.tracing!.samplingPercent, telemetry.rng);
  info.span = span;
  if (incoming) {
    // B3 goes on only where it came in: W3C is the mesh's own format.
    const b3 =
      headers['b3'] !== undefined ||
      headers['x-b3-traceid'] !== undefined ||
      headers['x-b3-sampled'] !== undefined ||
      headers['x-b3-flags'] !== undefined;
    // Stale B3 or W3C headers from the app would contradict the ones written for this span.
    // An indexed loop: for-of over the frozen list allocated an iterator per request.
    for (let i = 0; i < TRACE_HEADER_NAMES.length; i++) {
      const name = TRACE_HEADER_NAMES[i]!;
      if (headers[name] !== undefined) delete headers[name];
    }
    if (b3) {
      for (const [name, value] of traceHeaders(span, { b3 })) headers[name] = value;
      return;
    }
  }
  // The usual case, W3C only, without traceHeaders' list.
  headers['traceparent'] = traceparent(span);
  if (span.traceState) headers['tracestate'] = span.traceState;
}

/** Whether any header of TRACE_HEADER_NAMES is present, without a loop or a closure. */
function carriesTraceHeaders(headers: HeaderMap): boolean {
  return (
    headers['traceparent'] !== undefined ||
    headers['tracestate'] !== undefined ||
    headers['b3'] !== undefined ||
    headers['x-b3-traceid'] !== undefined ||
    headers['x-b3-spanid'] !== undefined ||
    headers['x-b3-parentspanid'] !== undefined ||
    headers['x-b3-sampled'] !== undefined ||
    headers['x-b3-flags'] !== undefined
  );
}

function firstValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined || typeof v === 'string') return v;
  // W3C: several tracestate headers are one list; other repeated trace headers are malformed,
  // and the first is as good a guess as any.
  return name === 'tracestate' ? v.join(',') : v[0];
}

function isGrpc(headers: HeaderMap): boolean {
  return headerValue(headers, 'content-type')?.startsWith('application/grpc') ?? false;
}
