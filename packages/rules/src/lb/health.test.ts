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
    expect(isLbPanic(eps(true, false, false, false, false), 30)).toBe(true);
    expect(isLbPanic([])).toBe(false);
    expect(lbCandidates([])).toEqual([]);
  });

  it('never panics while 1.4 x healthy% reaches 100, as Envoy overprovisioning does', () => {
    // 75% healthy: availability min(100, 105) = 100, so no panic even at threshold 80.
    expect(isLbPanic(eps(true, true, true, false), 80)).toBe(false);
    expect(lbCandidates(eps(true, true, true, false), 80)).toHaveLength(3);
    // 70% healthy: availability floor(98) < 100 and 70 < 80, so panic.
    const seventy = eps(...Array.from({ length: 10 }, (_, i) => i < 7));
    expect(isLbPanic(seventy, 80)).toBe(true);
    expect(lbCandidates(seventy, 80)).toHaveLength(10);
    // 5 of 7 healthy: floor(140 * 5 / 7) = 100 exactly, which counts as fully available.
    expect(isLbPanic(eps(true, true, true, true, true, false, false), 100)).toBe(false);
  });

  it('with no healthy host, panic balances over every host; threshold 0 disables that', () => {
    const down = eps(false, false, false);
    expect(lbCandidates(down)).toEqual(down);
    expect(lbCandidates(down, 0)).toEqual([]);
  });
});
