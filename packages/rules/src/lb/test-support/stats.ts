// Tolerances for statistical assertions, derived rather than guessed. Five standard deviations:
// a correct implementation fails a single check with probability about 6e-7 (normal tail), so a
// whole property run of a few hundred checks stays far below one flaky failure in a thousand runs,
// while a real bias of a few percent is still caught.
export const SIGMAS = 5;

/** Standard deviation of the observed fraction of `draws` Bernoulli(p) trials. */
export function binomialFractionSd(p: number, draws: number): number {
  return Math.sqrt((p * (1 - p)) / draws);
}

/**
 * Standard deviation of the share of a circle owned by k of n uniformly random points (the sum of
 * k spacings): Beta(k, n - k), whose variance is p(1 - p) / (n + 1) with p = k / n.
 */
export function ringShareSd(p: number, points: number): number {
  return Math.sqrt((p * (1 - p)) / (points + 1));
}
