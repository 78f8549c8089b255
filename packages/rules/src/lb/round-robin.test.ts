import fc from 'fast-check';
import { createRoundRobinCursor } from './round-robin.js';

const take = (weights: number[], n: number, start = 0): number[] => {
  const cursor = createRoundRobinCursor(weights, start);
  return Array.from({ length: n }, () => cursor.next());
};

describe('createRoundRobinCursor', () => {
  it('rotates through equal weights in order', () => {
    expect(take([1, 1, 1], 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('interleaves heavy endpoints instead of bursting them', () => {
    expect(take([5, 1, 1], 7)).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });

  it('skips zero weights and returns -1 when nothing is pickable', () => {
    expect(take([0, 2, 0, 1], 6)).toEqual([1, 3, 1, 1, 3, 1]);
    expect(take([0, 0], 2)).toEqual([-1, -1]);
    expect(take([], 1)).toEqual([-1]);
  });

  it("starts at the given index, like Envoy's randomly seeded round-robin index", () => {
    expect(take([1, 1, 1], 5, 2)).toEqual([2, 0, 1, 2, 0]);
    expect(take([1, 1, 1], 4, -1)).toEqual([2, 0, 1, 2]);
    expect(take([1, 1, 1], 3, 7)).toEqual([1, 2, 0]);
    expect(take([1, 1, 1], 3, 0.5)).toEqual([0, 1, 2]);
    // A zero-weight start is skipped to the next pickable index in scan order.
    expect(take([1, 0, 1], 3, 1)).toEqual([2, 0, 2]);
  });

  it('property: any window of sum(weights) picks holds each endpoint exactly its weight', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 8 })
          .filter((w) => w.some((x) => x > 0)),
        fc.nat({ max: 200 }),
        fc.nat({ max: 20 }),
        (weights, skipped, start) => {
          const total = weights.reduce((a, b) => a + b, 0);
          const seq = take(weights, skipped + 3 * total, start);
          // Three consecutive windows starting anywhere: the schedule is periodic with period total.
          for (let window = 0; window < 3; window++) {
            const counts = weights.map(() => 0);
            for (const idx of seq.slice(skipped + window * total, skipped + (window + 1) * total)) {
              counts[idx] = (counts[idx] ?? 0) + 1;
            }
            expect(counts).toEqual(weights);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
