import fc from 'fast-check';
import { pickWeighted } from './weighted.js';
import { scriptedRng, seededRng } from './test-support/seeded-rng.js';
import { SIGMAS, binomialFractionSd } from './test-support/stats.js';

describe('pickWeighted', () => {
  it('returns -1 when nothing is pickable', () => {
    expect(pickWeighted([], () => 0.5)).toBe(-1);
    expect(pickWeighted([0, 0], () => 0.5)).toBe(-1);
    expect(pickWeighted([-3, Number.NaN, Infinity], () => 0.5)).toBe(-1);
  });

  it('maps the rng onto cumulative relative weights', () => {
    const w = [1, 0, 3];
    expect(pickWeighted(w, scriptedRng([0]))).toBe(0);
    expect(pickWeighted(w, scriptedRng([0.2499]))).toBe(0);
    expect(pickWeighted(w, scriptedRng([0.25]))).toBe(2);
    expect(pickWeighted(w, scriptedRng([0.9999999]))).toBe(2);
  });

  it('never picks a zero weight, even at the rng edges', () => {
    expect(pickWeighted([0, 5, 0], scriptedRng([0]))).toBe(1);
    expect(pickWeighted([0, 5, 0], scriptedRng([0.9999999999]))).toBe(1);
    // An out-of-contract rng returning 1 still lands on the last pickable index.
    expect(pickWeighted([2, 5, 0], scriptedRng([1]))).toBe(1);
  });

  it('treats weights as relative, not percentages', () => {
    expect(pickWeighted([1, 1], scriptedRng([0.6]))).toBe(
      pickWeighted([50, 50], scriptedRng([0.6])),
    );
  });

  it('property: observed frequencies converge to the weights', () => {
    const draws = 20_000;
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 })
          .filter((w) => w.some((x) => x > 0)),
        fc.integer(),
        (weights, seed) => {
          const rng = seededRng(seed);
          const counts = weights.map(() => 0);
          for (let i = 0; i < draws; i++) {
            const idx = pickWeighted(weights, rng);
            counts[idx] = (counts[idx] ?? 0) + 1;
          }
          const total = weights.reduce((a, b) => a + b, 0);
          weights.forEach((w, i) => {
            const p = w / total;
            const observed = (counts[i] ?? 0) / draws;
            if (w === 0) expect(observed).toBe(0);
            else
              expect(Math.abs(observed - p)).toBeLessThanOrEqual(
                SIGMAS * binomialFractionSd(p, draws),
              );
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});
