import { pickRandomEndpoint } from './random.js';
import { scriptedRng, seededRng } from './test-support/seeded-rng.js';
import { SIGMAS, binomialFractionSd } from './test-support/stats.js';

describe('pickRandomEndpoint', () => {
  it('returns undefined with nothing pickable', () => {
    expect(pickRandomEndpoint([], () => 0)).toBeUndefined();
    expect(pickRandomEndpoint([{ id: 'a:1', weight: 0 }], () => 0)).toBeUndefined();
  });

  it('skips zero-weight endpoints', () => {
    const eps = [{ id: 'a:1', weight: 0 }, { id: 'b:1' }, { id: 'c:1' }];
    expect(pickRandomEndpoint(eps, scriptedRng([0]))?.id).toBe('b:1');
    expect(pickRandomEndpoint(eps, scriptedRng([0.99]))?.id).toBe('c:1');
  });

  it('is uniform and ignores weights, as Envoy RANDOM does', () => {
    const eps = [
      { id: 'a:1', weight: 1 },
      { id: 'b:1', weight: 9 },
    ];
    const rng = seededRng(7);
    const draws = 20_000;
    let a = 0;
    for (let i = 0; i < draws; i++) if (pickRandomEndpoint(eps, rng)?.id === 'a:1') a++;
    expect(Math.abs(a / draws - 0.5)).toBeLessThanOrEqual(SIGMAS * binomialFractionSd(0.5, draws));
  });
});
