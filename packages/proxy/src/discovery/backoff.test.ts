import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles the cap per try up to maxMs, drawing the delay below the cap', () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.999999);
    expect(Array.from({ length: 6 }, () => top.next())).toEqual([99, 199, 399, 799, 999, 999]);
    const bottom = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect(bottom.next()).toBe(0);
  });

  it('starts from the first cap again after a reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.5);
    b.next();
    b.next();
    expect(b.next()).toBe(200);
    b.reset();
    expect(b.next()).toBe(50);
  });

  it('defaults to 250 ms growing to 15 s', () => {
    const b = new Backoff({}, () => 0.999999);
    expect(b.next()).toBe(249);
    for (let i = 0; i < 20; i++) b.next();
    expect(b.next()).toBe(14999);
  });
});
