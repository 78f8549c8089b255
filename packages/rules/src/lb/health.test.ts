import { isLbPanic, lbCandidates } from './health.js';

const eps = (...healthy: boolean[]) =>
  healthy.map((h, i) => ({ id: `10.0.0.${i}:80`, healthy: h }));

describe('panic threshold', () => {
  it('balances over healthy endpoints only while at least half are healthy', () => {
    const set = eps(true, false);
    expect(isLbPanic(set)).toBe(false);
    expect(lbCandidates(set).map((e) => e.id)).toEqual(['10.0.0.0:80']);
  });

  it('treats endpoints without a health flag as healthy', () => {
    expect(
      lbCandidates([{ id: 'a:1' }, { id: 'b:1', healthy: false }, { id: 'c:1' }]).map((e) => e.id),
    ).toEqual(['a:1', 'c:1']);
  });

  it('panics below 50% healthy and balances across all endpoints', () => {
    const set = eps(true, false, false);
    expect(isLbPanic(set)).toBe(true);
    expect(lbCandidates(set)).toEqual(set);
    expect(lbCandidates(eps(false, false))).toHaveLength(2);
  });

  it('honours a custom threshold and an empty set', () => {
    expect(isLbPanic(eps(true, false, false), 0)).toBe(false);
    expect(isLbPanic(eps(true, true, true, false), 80)).toBe(true);
    expect(isLbPanic([])).toBe(false);
    expect(lbCandidates([])).toEqual([]);
  });
});
