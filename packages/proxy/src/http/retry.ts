// HTTPRoute.retries as Envoy's router retries: up to `attempts` more tries while the outcome
// matches retryOn, each bounded by perTryTimeout, with fully jittered exponential backoff between
// them, preferring hosts not tried yet. Only outcomes seen before any response byte reaches the
// client can be retried, and only while the request body still fits the retry buffer. When the
// last try still fails retriably, the access log says URX and the client gets that last outcome.
import type { RetryGate } from '../upstream/circuit-breakers.js';
import type { RetryPolicy } from '@mesh/rules';
import { headerValue } from './headers.js';
import { abortedReply, discardResponse, sleep, timeoutReply, untilAborted } from './settle.js';
import { startAfterRequest } from './timeout.js';
import type { Handler, Layer, ProxyResponse } from './types.js';
import { UpstreamTimeout } from './types.js';
import { anySignal, RequestSignal } from '../abort.js';

/** Envoy's default base interval; the cap is ten times the base. */
export const DEFAULT_RETRY_BACKOFF_MS = 25;

const GRPC_RETRY_CODES: Readonly<Record<string, number>> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
};

/**
 * `gate` is the cluster's retry budget (connectionPool.http.maxRetries): Envoy holds a slot from
 * the decision to retry until that retry's outcome, and without a free slot it returns the
 * response it has and flags UO.
 */
export function retryLayer(policy: RetryPolicy | undefined, gate?: RetryGate): Layer | undefined {
  if (!policy || policy.attempts <= 0) return undefined;
  const maxTries = policy.attempts + 1;
  return (next: Handler): Handler =>
    async (ctx) => {
      const previousHosts: string[] = [];
      let slot: (() => void) | undefined;
      try {
        for (let attempt = 1; ; attempt++) {
          const response = await tryOnce(next, ctx, policy, previousHosts);
          slot?.();
          slot = undefined;
          if (ctx.signal.aborted || !shouldRetry(policy, response)) return response;
          if (attempt >= maxTries) {
            ctx.info.flags.add('URX');
            return withExhaustedReason(response, attempt);
          }
          // Past the retry buffer the body is gone: Envoy stops retrying and so do we.
          if (ctx.body && !ctx.body.replayable) return response;
          if (gate) {
            slot = gate.tryRetry();
            if (!slot) {
              ctx.info.flags.add('UO');
              return response;
            }
          }
          if (policy.retryIgnorePreviousHosts && ctx.info.upstreamHost)
            previousHosts.push(ctx.info.upstreamHost);
          discardResponse(response);
          await sleep(backoffMs(attempt, policy.backoffMs, ctx.rng), ctx.signal);
          if (ctx.signal.aborted) return abortedReply(ctx.signal.reason);
        }
      } finally {
        slot?.();
      }
    };
}

async function tryOnce(
  next: Handler,
  ctx: Parameters<Handler>[0],
  policy: RetryPolicy,
  previousHosts: readonly string[],
): Promise<ProxyResponse> {
  const attemptCtx = { ...ctx, previousHosts: [...previousHosts] };
  const perTryMs = policy.perTryTimeoutMs;
  if (perTryMs === undefined || perTryMs <= 0) return next(attemptCtx);
  // The per-try timeout bounds the wait for response headers; the body is the route timeout's.
  const controller = new RequestSignal();
  const timeout = new UpstreamTimeout('per-try', perTryMs);
  const cancel = startAfterRequest(ctx, perTryMs, () => controller.abort(timeout));
  try {
    return await untilAborted(
      next({ ...attemptCtx, signal: anySignal(ctx.signal, controller) }),
      controller,
      () => timeoutReply(timeout),
    );
  } finally {
    cancel();
  }
}

/** Would Envoy retry this outcome under `policy` (retry_state_impl.cc)? */
export function shouldRetry(policy: RetryPolicy, response: ProxyResponse): boolean {
  const on = policy.retryOn;
  const local = response.local;
  if (local) {
    if (!local.failure) return false;
    // Envoy counts any reset, its per-try timeout included, as a 5xx or gateway error.
    if (on.includes('5xx') || on.includes('gateway-error') || on.includes('reset')) return true;
    return (
      local.failure === 'connect-failure' &&
      (on.includes('connect-failure') || on.includes('reset-before-request'))
    );
  }
  const headers = response.headers;
  if (headers['x-envoy-overloaded'] !== undefined) return false;
  if (headers['x-envoy-ratelimited'] !== undefined) return on.includes('envoy-ratelimited');
  const status = response.status;
  if (on.includes('5xx') && status >= 500 && status <= 599) return true;
  if (on.includes('gateway-error') && status >= 502 && status <= 504) return true;
  if (on.includes('retriable-4xx') && status === 409) return true;
  if (on.includes('retriable-status-codes') && policy.retriableStatusCodes.includes(status))
    return true;
  const grpc = headerValue(headers, 'grpc-status');
  if (grpc !== undefined) {
    const code = Number(grpc);
    for (const condition of on) if (GRPC_RETRY_CODES[condition] === code) return true;
  }
  return false;
}

/**
 * Envoy's JitteredExponentialBackOffStrategy: the n-th retry waits a uniform draw from
 * [0, (2^n - 1) x base), capped at ten times the base (25 ms base: 0-25, 0-75, 0-175, 0-250 ms).
 */
export function backoffMs(retry: number, baseMs: number | undefined, rng: () => number): number {
  const base = baseMs !== undefined && baseMs > 0 ? baseMs : DEFAULT_RETRY_BACKOFF_MS;
  const ceiling = Math.min((2 ** Math.min(retry, 30) - 1) * base, base * 10);
  return Math.floor(rng() * ceiling);
}

function withExhaustedReason(response: ProxyResponse, tries: number): ProxyResponse {
  if (!response.local) return response;
  return {
    ...response,
    local: {
      ...response.local,
      reason: `${response.local.reason}; retries exhausted after ${tries} attempts`,
    },
  };
}
