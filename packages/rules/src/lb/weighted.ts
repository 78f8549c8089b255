// Weighted choice shared by route() (VirtualService destination weights) and the load balancers.

/**
 * Picks an index with probability proportional to its weight.
 * Weights are relative (they need not sum to 100). Zero, negative and non-finite weights are never
 * chosen, so a destination at weight 0 receives no traffic, as Istio documents.
 * Returns -1 when nothing is pickable (empty, or every weight is zero).
 * `rng` must return a number in [0, 1), like Math.random; it is injected so callers stay pure.
 */
export function pickWeighted(weights: ArrayLike<number>, rng: () => number): number {
  let total = 0;
  // Indexed loops, not for-of: typed arrays passed by the least-request picker stay iterator-free.
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] ?? 0;
    if (isPickable(w)) total += w;
  }
  if (total <= 0) return -1;

  const target = rng() * total;
  let running = 0;
  let lastPickable = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] ?? 0;
    if (!isPickable(w)) continue;
    running += w;
    lastPickable = i;
    if (target < running) return i;
  }
  // Float rounding can leave target a hair above the running sum; the last pickable index owns that edge.
  return lastPickable;
}

function isPickable(weight: number): boolean {
  return Number.isFinite(weight) && weight > 0;
}
