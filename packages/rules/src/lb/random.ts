// RANDOM: Envoy's random balancer picks a uniformly random available host and does not consult
// load-balancing weights (arch_overview/upstream/load_balancing/load_balancers#random). Hosts with
// weight 0 are still excluded, consistently with every other picker here.
import { lbRandomIndex, lbWeightOf, type LbEndpoint } from './types.js';

/**
 * Filters once, so the returned picker allocates nothing per call; the balancer factory uses this
 * because pick() is on the request path.
 */
export function createRandomPicker(
  endpoints: readonly LbEndpoint[],
): (rng: () => number) => LbEndpoint | undefined {
  const pickable = endpoints.filter((e) => lbWeightOf(e) > 0);
  const n = pickable.length;
  return (rng) => (n === 0 ? undefined : pickable[lbRandomIndex(rng, n)]);
}

/** One-off pick; filters on every call, so prefer createRandomPicker on a hot path. */
export function pickRandomEndpoint(
  endpoints: readonly LbEndpoint[],
  rng: () => number,
): LbEndpoint | undefined {
  return createRandomPicker(endpoints)(rng);
}
