// Weighted round robin. Envoy documents a weighted schedule in which heavier hosts appear more often
// in the rotation (arch_overview/upstream/load_balancing/load_balancers#weighted-round-robin); Envoy
// builds it with an EDF scheduler. We use "smooth" weighted round robin instead: it interleaves
// picks (weights 5,1,1 give a a b a c a a, not a a a a a b c), and with integer weights every
// window of sum(weights) consecutive picks contains each endpoint exactly weight times.
//
// Start offset: Envoy seeds each worker's round-robin index with a random value (and advances its
// EDF schedule by a seed-derived number of picks) so that many proxies rebuilt at the same moment
// do not all send their first request to the first host (thundering herd). Here `start` rotates the
// scan order, so ties go to the host at `start` first: equal weights then rotate start, start+1,
// ... exactly like Envoy's seeded index, and the per-window guarantee above is unchanged because it
// does not depend on how ties are broken. The caller draws `start`, keeping this module pure.

/** Mutable cursor over a fixed weight vector; owned by one balancer instance. */
export interface RoundRobinCursor {
  /** Next index, or -1 when no weight is positive. */
  next(): number;
}

/**
 * @param start index scanned first, i.e. the first pick among equal weights; any integer is taken
 *   modulo the endpoint count, non-integers and non-finite values count as 0.
 */
export function createRoundRobinCursor(weights: readonly number[], start = 0): RoundRobinCursor {
  const w = weights.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const n = w.length;
  const total = w.reduce((a, b) => a + b, 0);
  const current = new Float64Array(n);
  const offset = n > 0 && Number.isInteger(start) ? ((start % n) + n) % n : 0;
  return {
    next(): number {
      if (total <= 0) return -1;
      let best = -1;
      let bestValue = -Infinity;
      // Index arithmetic rather than a rotated copy: next() runs per request and allocates nothing.
      for (let k = 0, i = offset; k < n; k++, i = i + 1 === n ? 0 : i + 1) {
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
