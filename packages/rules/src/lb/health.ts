// Envoy's panic threshold (docs: intro/arch_overview/upstream/load_balancing/panic_threshold):
// normally only healthy hosts are balanced across, but when the healthy share of the hosts drops
// below the threshold (default 50%) Envoy ignores health and balances across all hosts, so that a
// wave of failures is not concentrated onto the few survivors until they fail too.
// Envoy counts hosts, not weights, and the comparison is strict: exactly 50% healthy is not panic.
// Envoy also never panics while the priority level counts as fully available: its availability is
// min(100, overprovisioning_factor x healthy%) with the factor defaulting to 1.4
// (arch_overview/upstream/load_balancing/overprovisioning; load_balancer_impl.cc,
// recalculatePerPriorityPanic). That only matters for thresholds above ~71%: at threshold 80 and
// 75% healthy, Envoy keeps balancing over the healthy hosts. A threshold of 0 disables panic, so
// with no healthy host nothing is pickable (Envoy's "panic disabled, no hosts available" case).
import type { LbEndpoint } from './types.js';

export const DEFAULT_LB_PANIC_THRESHOLD_PERCENT = 50;
/** Envoy's default overprovisioning factor, in percent (1.4). */
export const DEFAULT_LB_OVERPROVISIONING_FACTOR_PERCENT = 140;

export function isLbPanic(
  endpoints: readonly LbEndpoint[],
  panicThresholdPercent: number = DEFAULT_LB_PANIC_THRESHOLD_PERCENT,
): boolean {
  if (endpoints.length === 0) return false;
  let healthy = 0;
  for (const e of endpoints) if (isLbHealthy(e)) healthy++;
  // Envoy's availability is an integer percentage: floor(140 * healthy / hosts), capped at 100.
  const availability = Math.floor(
    (DEFAULT_LB_OVERPROVISIONING_FACTOR_PERCENT * healthy) / endpoints.length,
  );
  if (availability >= 100) return false;
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
