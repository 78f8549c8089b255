// Weighted round robin. Envoy documents a weighted schedule in which heavier hosts appear more often
// in the rotation (arch_overview/upstream/load_balancing/load_balancers#weighted-round-robin); Envoy
// builds it with an EDF scheduler. We use "smooth" weighted round robin instead: it interleaves
// picks (weights 5,1,1 give a a b a c a a, not a a a a a b c), and with integer weights every
// window of sum(weights) consecutive picks contains each endpoint exactly weight times.

/** Mutable cursor over a fixed weight vector; owned by one balancer instance. */
export interface RoundRobinCursor {
  /** Next index, or -1 when no weight is positive. */
  next(): number;
}

export function createRoundRobinCursor(weights: readonly number[]): RoundRobinCursor {
  const w = weights.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const total = w.reduce((a, b) => a + b, 0);
  const current = new Float64Array(w.length);
  return {
    next(): number {
      if (total <= 0) return -1;
      let best = -1;
      let bestValue = -Infinity;
      for (let i = 0; i < w.length; i++) {
        const wi = w[i] ?? 0;
        if (wi === 0) continue;
        const value = (current[i] ?? 0) + wi;
        current[i] = value;
        if (value > bestValue) {
          bestValue = value;
          best = i;
        }
      }
      // Subtracting the total keeps every counter bounded and makes the sequence periodic.
      current[best] = bestValue - total;
      return best;
    },
  };
}
