// Envoy's panic threshold (docs: intro/arch_overview/upstream/load_balancing/panic_threshold):
// normally only healthy hosts are balanced across, but when the healthy share of the hosts drops
// below the threshold (default 50%) Envoy ignores health and balances across all hosts, so that a
// wave of failures is not concentrated onto the few survivors until they fail too.
// Envoy counts hosts, not weights, and the comparison is strict: exactly 50% healthy is not panic.
import type { LbEndpoint } from './types.js';

export const DEFAULT_LB_PANIC_THRESHOLD_PERCENT = 50;

export function isLbPanic(
  endpoints: readonly LbEndpoint[],
  panicThresholdPercent: number = DEFAULT_LB_PANIC_THRESHOLD_PERCENT,
): boolean {
  if (endpoints.length === 0) return false;
  const healthy = endpoints.filter(isLbHealthy).length;
  return (100 * healthy) / endpoints.length < panicThresholdPercent;
}

/** The hosts a balancer may choose from: the healthy ones, or all of them in panic. */
export function lbCandidates(
  endpoints: readonly LbEndpoint[],
  panicThresholdPercent: number = DEFAULT_LB_PANIC_THRESHOLD_PERCENT,
): readonly LbEndpoint[] {
  return isLbPanic(endpoints, panicThresholdPercent) ? endpoints : endpoints.filter(isLbHealthy);
}

export function isLbHealthy(endpoint: LbEndpoint): boolean {
  return endpoint.healthy !== false;
}
