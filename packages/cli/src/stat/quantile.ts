// PromQL's histogram_quantile for classic histograms (prometheus/promql/quantile.go,
// bucketQuantile), so `meshctl stat` says what a Grafana panel over the same buckets would say.

export interface Bucket {
  /** Upper bound, inclusive (`le`); Infinity for `+Inf`. */
  readonly le: number;
  /** Observations at or below `le` (cumulative, as exposed). */
  readonly count: number;
}

/**
 * The q-quantile of cumulative `buckets`, interpolated linearly within the bucket it falls in,
 * from 0 (or the bucket below) to its bound. As Prometheus:
 * - buckets are sorted by bound, those with the same bound merged, and counts made monotonic;
 * - a quantile in the +Inf bucket is the highest finite bound;
 * - one in a first bucket whose bound is <= 0 is that bound;
 * - NaN when there is no +Inf bucket, fewer than two buckets, no observation, or q is NaN;
 * - -Infinity for q < 0, Infinity for q > 1.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (buckets.length === 0) return NaN;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (sorted.at(-1)!.le !== Infinity) return NaN;
  const merged = monotonic(coalesce(sorted));
  if (merged.length < 2) return NaN;
  const observations = merged.at(-1)!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // The first bucket holding the rank; the +Inf bucket is never searched, as in Prometheus.
  let b = merged.findIndex((bucket, i) => i < merged.length - 1 && bucket.count >= rank);
  if (b === -1) b = merged.length - 1;
  if (b === merged.length - 1) return merged[merged.length - 2]!.le;
  if (b === 0 && merged[0]!.le <= 0) return merged[0]!.le;
  const end = merged[b]!.le;
  let start = 0;
  let count = merged[b]!.count;
  if (b > 0) {
    start = merged[b - 1]!.le;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

/** Buckets with the same bound (sorted input) become one, their counts added. */
function coalesce(sorted: readonly Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const bucket of sorted) {
    const last = out.at(-1);
    if (last && last.le === bucket.le)
      out[out.length - 1] = { le: last.le, count: last.count + bucket.count };
    else out.push(bucket);
  }
  return out;
}

/** No count below that of a lower bucket: Prometheus' envelope for inconsistent data. */
function monotonic(buckets: readonly Bucket[]): Bucket[] {
  let max = -Infinity;
  return buckets.map((bucket) => {
    max = Math.max(max, bucket.count);
    return { le: bucket.le, count: max };
  });
}
