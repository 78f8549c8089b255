// retryOn: Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies, or HTTP status codes.

export const RETRY_ON_POLICIES: ReadonlySet<string> = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

// The codes Go's net/http names (Istio accepts a code when http.StatusText knows it).
const KNOWN_STATUS_CODES: ReadonlySet<number> = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
  305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415,
  416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
  506, 507, 508, 510, 511,
]);

// What Go's strconv.Atoi takes: an optional sign, then decimal digits ("+503" is 503).
const GO_INT = /^[+-]?\d+$/;

/** The comma-separated entries Istio would reject. Istio does not trim spaces, so neither do we. */
export function unknownRetryOnPolicies(retryOn: string): string[] {
  return retryOn
    .split(',')
    .filter(
      (p) => !RETRY_ON_POLICIES.has(p) && !(GO_INT.test(p) && KNOWN_STATUS_CODES.has(Number(p))),
    );
}
