import fc from 'fast-check';
import {
  createLeastRequestPicker,
  leastRequestDynamicWeight,
  pickLeastRequest,
} from './least-request.js';
import { lbRandomIndex } from './types.js';
import { scriptedRng } from './test-support/seeded-rng.js';

const ep = (id: string, activeRequests: number, weight?: number) => ({
  id,
  activeRequests,
  weight,
});

describe('pickLeastRequest', () => {
  it('returns undefined when nothing is pickable', () => {
    expect(pickLeastRequest([], { rng: () => 0 })).toBeUndefined();
  });

  it('equal weights: takes the less busy of two random samples', () => {
    const eps = [ep('a', 5), ep('b', 1), ep('c', 9)];
    // samples a (0.1) then b (0.5): b has fewer
    expect(pickLeastRequest(eps, { rng: scriptedRng([0.1, 0.5]) })?.id).toBe('b');
    // samples c then a: a has fewer even though c was drawn first
    expect(pickLeastRequest(eps, { rng: scriptedRng([0.9, 0.1]) })?.id).toBe('a');
  });

  it('keeps the first sample on a tie, and honours choiceCount', () => {
    const eps = [ep('a', 2), ep('b', 2), ep('c', 0)];
    expect(pickLeastRequest(eps, { rng: scriptedRng([0.5, 0.1]) })?.id).toBe('b');
    expect(
      pickLeastRequest(eps, { rng: scriptedRng([0.1, 0.5, 0.9]) }, { choiceCount: 3 })?.id,
    ).toBe('c');
  });

  it('prefers live counts from activeRequestsOf over the snapshot', () => {
    const eps = [ep('a', 0), ep('b', 10)];
    const live = (e: { id: string }) => (e.id === 'a' ? 50 : 1);
    expect(
      pickLeastRequest(eps, { rng: scriptedRng([0.1, 0.9]), activeRequestsOf: live })?.id,
    ).toBe('b');
  });

  it('unequal weights: draws by weight / (active + 1) ^ bias', () => {
    expect(leastRequestDynamicWeight(2, 3, 1)).toBe(0.5);
    expect(leastRequestDynamicWeight(2, 3, 0)).toBe(2);
    expect(leastRequestDynamicWeight(4, 3, 2)).toBe(0.25);
    // dynamic weights: a = 2 / 4 = 0.5, b = 1 / 1 = 1, total 1.5
    const eps = [ep('a', 3, 2), ep('b', 0, 1)];
    expect(pickLeastRequest(eps, { rng: scriptedRng([0.3]) })?.id).toBe('a');
    expect(pickLeastRequest(eps, { rng: scriptedRng([0.34]) })?.id).toBe('b');
    expect(pickLeastRequest(eps, { rng: scriptedRng([0.3]) }, { activeRequestBias: 0 })?.id).toBe(
      'a',
    );
    expect(pickLeastRequest(eps, { rng: scriptedRng([0.6]) }, { activeRequestBias: 0 })?.id).toBe(
      'a',
    );
  });

  it('property: never picks the busier of the two sampled endpoints', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 10 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (active, r1, r2) => {
          const eps = active.map((a, i) => ep(`h${i}`, a));
          const picked = pickLeastRequest(eps, { rng: scriptedRng([r1, r2]) });
          const first = eps[lbRandomIndex(() => r1, eps.length)];
          const second = eps[lbRandomIndex(() => r2, eps.length)];
          expect([first?.id, second?.id]).toContain(picked?.id);
          expect(picked?.activeRequests).toBe(
            Math.min(first?.activeRequests ?? 0, second?.activeRequests ?? 0),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('samples with replacement, as Envoy N_CHOICES does: both draws may hit the same host', () => {
    const eps = [ep('a', 9), ep('b', 0)];
    // Both draws land on a; sampling without replacement would have been forced onto b.
    expect(pickLeastRequest(eps, { rng: scriptedRng([0.1, 0.2]) })?.id).toBe('a');
  });

  it('a reused picker reads live counts on every pick', () => {
    const eps = [ep('a', 0, 2), ep('b', 0, 1)];
    const counts = new Map([
      ['a', 0],
      ['b', 0],
    ]);
    const pick = createLeastRequestPicker(eps);
    const activeRequestsOf = (e: { id: string }) => counts.get(e.id) ?? 0;
    // idle: a = 2, b = 1 of 3; draw 0.6 falls in a
    expect(pick({ rng: scriptedRng([0.6]), activeRequestsOf })?.id).toBe('a');
    // a busy with 3: a = 2 / 4 = 0.5, b = 1 of 1.5; draw 0.6 * 1.5 = 0.9 falls in b
    counts.set('a', 3);
    expect(pick({ rng: scriptedRng([0.6]), activeRequestsOf })?.id).toBe('b');
    expect(createLeastRequestPicker([])({ rng: () => 0 })).toBeUndefined();
  });
});
