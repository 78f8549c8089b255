import { histogramQuantile, type Bucket } from './quantile.js';

const b = (...pairs: [number, number][]): Bucket[] => pairs.map(([le, count]) => ({ le, count }));

describe('histogramQuantile (PromQL histogram_quantile)', () => {
  // 100 observations: 10 <= 1, 50 <= 5 (40 in (1,5]), 90 <= 10, all 100 <= +Inf.
  const h = b([1, 10], [5, 50], [10, 90], [Infinity, 100]);

  it('interpolates linearly inside the bucket the rank falls in', () => {
    // rank 50: bucket (1,5], 40 in it, 40 of them below the rank: 1 + 4 * 40/40 = 5.
    expect(histogramQuantile(0.5, h)).toBe(5);
    // rank 25: (1,5], 15 of its 40: 1 + 4 * 15/40 = 2.5.
    expect(histogramQuantile(0.25, h)).toBe(2.5);
    // rank 75: (5,10], 25 of its 40: 5 + 5 * 25/40 = 8.125.
    expect(histogramQuantile(0.75, h)).toBe(8.125);
  });

  it('starts the first bucket at 0 when its bound is positive', () => {
    // rank 5: [0,1], 5 of its 10: 0.5.
    expect(histogramQuantile(0.05, h)).toBe(0.5);
  });

  it('answers the highest finite bound for a rank in the +Inf bucket', () => {
    // rank 95 > 90: +Inf bucket -> 10.
    expect(histogramQuantile(0.95, h)).toBe(10);
    expect(histogramQuantile(1, h)).toBe(10);
  });

  it('answers the bound of a first bucket whose bound is <= 0', () => {
    expect(histogramQuantile(0.1, b([-1, 5], [2, 10], [Infinity, 10]))).toBe(-1);
  });

  it('sorts the buckets, merges equal bounds and makes counts monotonic', () => {
    // Given out of order, with le=5 twice (20 + 30 = 50): the same as `h`.
    expect(histogramQuantile(0.5, b([Infinity, 100], [5, 20], [10, 90], [1, 10], [5, 30]))).toBe(5);
    // le=10 below le=5 is lifted to 50: rank 50 falls in (1,5] -> 5.
    expect(histogramQuantile(0.5, b([1, 10], [5, 50], [10, 40], [Infinity, 100]))).toBe(5);
  });

  it('is NaN without +Inf, with fewer than two buckets, or without observations', () => {
    expect(histogramQuantile(0.5, b([1, 10], [5, 50]))).toBeNaN();
    expect(histogramQuantile(0.5, b([Infinity, 10]))).toBeNaN();
    expect(histogramQuantile(0.5, b([1, 0], [Infinity, 0]))).toBeNaN();
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(histogramQuantile(NaN, h)).toBeNaN();
  });

  it('is -Inf below 0 and +Inf above 1, as PromQL', () => {
    expect(histogramQuantile(-0.1, h)).toBe(-Infinity);
    expect(histogramQuantile(1.1, h)).toBe(Infinity);
  });

  it("works on Envoy's default buckets as Istio exposes them", () => {
    const envoy = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];
    // 18 requests of 3 ms (le=5) and 2 of 30 ms (le=50).
    const buckets = [...envoy, Infinity].map((le) => ({
      le,
      count: le >= 50 ? 20 : le >= 5 ? 18 : 0,
    }));
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(1 + (4 * 10) / 18, 10);
    expect(histogramQuantile(0.95, buckets)).toBe(37.5);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(47.5, 10);
  });
});
