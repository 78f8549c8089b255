// Tracing only joins the spans of one request if every service copies the trace headers it
// received onto the calls it makes (the mesh cannot: it does not know which outbound call belongs
// to which inbound one). `end-user` rides along too, so routing on it works at every hop.
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The headers a service copies from its inbound request onto its outbound calls. `cookie` is
 * deliberately absent: the session is productpage's business, and it turns it into `end-user`.
 */
export const FORWARDED_HEADERS = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'x-ot-span-context',
  'end-user',
  'user-agent',
] as const;

export function forwardedHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = incoming[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
