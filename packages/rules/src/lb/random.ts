// RANDOM: Envoy's random balancer picks a uniformly random available host and does not consult
// load-balancing weights (arch_overview/upstream/load_balancing/load_balancers#random). Hosts with
// weight 0 are still excluded, consistently with every other picker here.
import { lbRandomIndex, lbWeightOf, type LbEndpoint } from './types.js';

export function pickRandomEndpoint(
  endpoints: readonly LbEndpoint[],
  rng: () => number,
): LbEndpoint | undefined {
  const pickable = endpoints.filter((e) => lbWeightOf(e) > 0);
  if (pickable.length === 0) return undefined;
  return pickable[lbRandomIndex(rng, pickable.length)];
}
