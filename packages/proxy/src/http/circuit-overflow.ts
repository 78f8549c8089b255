// The local reply of a request a cluster's circuit breaker turned away: Envoy's 503 with response
// flag UO (upstream overflow), its reset-reason body and `x-envoy-overloaded: true` (router.cc,
// onUpstreamAbort with dropped = true), followed by which connectionPool limit was hit. It carries
// no upstream failure, so no retry policy retries it, as Envoy never retries an overflow.
import { localReply } from './local-reply.js';
import type { HeaderMap, ProxyResponse, ResponseFlag } from './types.js';

/** Envoy's UpstreamOverflow flag. */
export const UPSTREAM_OVERFLOW: ResponseFlag = 'UO';

/** Envoy's words for an overflow, before our explanation. */
export const OVERFLOW_BODY =
  'upstream connect error or disconnect/reset before headers. reset reason: overflow';

const OVERLOADED: HeaderMap = Object.freeze({ 'x-envoy-overloaded': 'true' });

export function overflowReply(cluster: string, why: string): ProxyResponse {
  return {
    ...localReply(
      503,
      UPSTREAM_OVERFLOW,
      `${OVERFLOW_BODY} (circuit breaker of ${cluster}: ${why})`,
    ),
    headers: OVERLOADED,
  };
}
