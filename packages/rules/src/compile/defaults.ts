// Istio's behaviour where a VirtualService leaves a field out. README.md tabulates these with sources.
import type { HTTPRetry } from '../api/index.js';
import { parseDuration } from '../duration.js';
import type { RetryPolicy } from './types.js';

/** HTTPRedirect.redirectCode: Envoy's MOVED_PERMANENTLY. */
export const DEFAULT_REDIRECT_CODE = 301;

/**
 * Istio's retry.DefaultPolicy (pilot/pkg/networking/core/route/retry/retry.go): 2 retries on
 * connect-failure, refused-stream, unavailable and cancelled. Since Istio 1.24
 * EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY is true by default (istio/istio#50506): an upstream 503
 * may come after the request was processed, so retrying it is unsafe for non-idempotent calls.
 * `exclude503 = false` restores the pre-1.24 policy (plus retriable-status-codes with 503).
 */
export function defaultRetryPolicy(exclude503 = true): RetryPolicy {
  const conditions = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'];
  return Object.freeze({
    attempts: 2,
    perTryTimeoutMs: undefined,
    retryOn: Object.freeze(exclude503 ? conditions : [...conditions, 'retriable-status-codes']),
    retriableStatusCodes: Object.freeze(exclude503 ? [] : [503]),
    retryRemoteLocalities: false,
    retryIgnorePreviousHosts: true,
    backoffMs: undefined,
  });
}

/**
 * Istio's ConvertPolicy: no `retries` -> the default; `attempts` <= 0 (including a retries block
 * that leaves attempts out) -> retries off; otherwise the default with the given fields overriding.
 */
export function compileRetry(
  retries: HTTPRetry | undefined,
  fallback: RetryPolicy,
): RetryPolicy | undefined {
  if (!retries) return fallback;
  const attempts = retries.attempts ?? 0;
  if (attempts <= 0) return undefined;
  let retryOn = fallback.retryOn;
  let codes = fallback.retriableStatusCodes;
  if (retries.retryOn) {
    const conditions: string[] = [];
    const statusCodes: number[] = [];
    for (const raw of retries.retryOn.split(',')) {
      const part = raw.trim();
      if (!part) continue;
      // Istio's parseRetryOn: a part strconv.Atoi reads as a status Go's http.StatusText knows
      // becomes a retriable status code; anything else (e.g. 599) stays a retryOn condition.
      const code = /^[+-]?\d+$/.test(part) ? Number(part) : NaN;
      if (KNOWN_HTTP_STATUS.has(code)) statusCodes.push(code);
      else conditions.push(part);
    }
    if (statusCodes.length > 0 && !conditions.includes('retriable-status-codes')) {
      conditions.push('retriable-status-codes');
    }
    retryOn = conditions;
    codes = statusCodes;
  }
  return Object.freeze({
    attempts,
    perTryTimeoutMs:
      retries.perTryTimeout !== undefined
        ? parseDuration(retries.perTryTimeout)
        : fallback.perTryTimeoutMs,
    retryOn: Object.freeze([...retryOn]),
    retriableStatusCodes: Object.freeze([...codes]),
    retryRemoteLocalities: retries.retryRemoteLocalities === true,
    retryIgnorePreviousHosts: retries.retryIgnorePreviousHosts ?? fallback.retryIgnorePreviousHosts,
    backoffMs: retries.backoff !== undefined ? parseDuration(retries.backoff) : fallback.backoffMs,
  });
}

// The codes Go's net/http StatusText names (what parseRetryOn accepts as status codes).
const KNOWN_HTTP_STATUS: ReadonlySet<number> = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
  305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415,
  416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
  506, 507, 508, 510, 511,
]);

/** HTTPRoute.timeout: absent or zero means no route timeout (Istio disables Envoy's 15s default). */
export function compileTimeout(timeout: string | undefined): number | undefined {
  if (timeout === undefined) return undefined;
  const ms = parseDuration(timeout);
  return ms === undefined || ms === 0 ? undefined : ms;
}
