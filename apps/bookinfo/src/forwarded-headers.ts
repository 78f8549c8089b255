// Tracing only joins the spans of one request if every service copies the trace headers it
// received onto the calls it makes (the mesh cannot: it does not know which outbound call belongs
// to which inbound one). Authorization headers ride along too, so policy can apply at every hop.
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The headers productpage copies from its inbound request onto its outbound calls: the list of
 * Istio's productpage.py (`getForwardHeaders`, "Keep this in sync with the headers in details and
 * reviews"), with its b3 headers (which it sends through its OpenTracing B3 codec) listed
 * outright, and `b3` (single-header B3) and W3C `baggage` (OpenTelemetry's default propagators
 * are W3C trace context and baggage) added.
 *
 * Deliberately absent: `cookie`, which Istio forwards: the session is productpage's business, and
 * it turns it into `end-user`; and `end-user` itself, which productpage sets from its session
 * only, never from the request (productpage.py: `if 'user' in session: headers['end-user'] = ...`),
 * so a signed-out caller cannot have itself routed as someone else.
 */
export const FORWARDED_HEADERS = [
  'x-request-id',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'traceparent',
  'tracestate',
  'baggage',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'sw8',
  'user-agent',
  'authorization',
  'jwt',
] as const;

/**
 * What reviews copies onto its call to ratings: the same, plus the `end-user` productpage set,
 * as in Istio's reviews (LibertyRestEndpoint.java `headers_to_propagate` has "end-user"). The
 * routing and fault-injection tasks match on it at the ratings hop.
 */
export const REVIEWS_FORWARDED_HEADERS = [...FORWARDED_HEADERS, 'end-user'] as const;

export function forwardedHeaders(
  incoming: IncomingHttpHeaders,
  names: readonly string[] = FORWARDED_HEADERS,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = incoming[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
