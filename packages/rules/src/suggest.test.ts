import { closest } from './suggest.js';

describe('closest', () => {
  it.each([
    ['wieght', ['weight', 'destination', 'headers'], 'weight'],
    ['lables', ['labels', 'name'], 'labels'],
    ['virtualservice', ['VirtualService', 'DestinationRule'], 'VirtualService'],
    ['subst', ['subset', 'host', 'port'], 'subset'],
    ['retires', ['retries', 'route', 'rewrite'], 'retries'],
  ])('suggests %s -> %s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });

  it.each([
    ['foo', ['weight', 'destination']],
    ['x', ['y', 'z']],
    ['completelyDifferent', ['host', 'subset']],
  ])('suggests nothing for %s', (word, candidates) => {
    expect(closest(word, candidates)).toBeUndefined();
  });
});
