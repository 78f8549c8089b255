import { parseRequestTarget, portOf } from './request-target.js';

describe('parseRequestTarget', () => {
  it.each([
    [
      'http://reviews:9080/r/1?x=1',
      undefined,
      { authority: 'reviews:9080', port: 9080, path: '/r/1?x=1' },
    ],
    ['http://reviews', 'ignored', { authority: 'reviews', port: 80, path: '/' }],
    ['http://reviews?q', undefined, { authority: 'reviews', port: 80, path: '/?q' }],
    [
      'http://user:pw@reviews:81/a#frag',
      undefined,
      { authority: 'reviews:81', port: 81, path: '/a' },
    ],
    ['HTTP://[::1]:8080/x', undefined, { authority: '[::1]:8080', port: 8080, path: '/x' }],
    ['/a/../b%2F', 'reviews:9080', { authority: 'reviews:9080', port: 9080, path: '/a/../b%2F' }],
  ])('%s (Host %s)', (url, host, expected) => {
    expect(parseRequestTarget(url, host)).toEqual(expected);
  });

  it.each([
    ['/x', undefined, 'origin-form request without a Host header'],
    ['https://reviews/', undefined, /^https:\/\/ is not supported/],
    ['*', 'h', /^unsupported request target "\*"/],
    ['reviews:443', 'h', /^unsupported request target/],
    ['http://reviews:0/', undefined, 'invalid authority "reviews:0"'],
    ['http://reviews:99999/', undefined, 'invalid authority "reviews:99999"'],
    ['http:///x', undefined, 'invalid authority ""'],
    ['/x', 'a:b:c', 'invalid authority "a:b:c"'],
  ])('rejects %s (Host %s)', (url, host, reason) => {
    const result = parseRequestTarget(url, host);
    expect(typeof result).toBe('string');
    expect(result).toEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason));
  });

  it('reads ports from bracketed IPv6 authorities', () => {
    expect(portOf('[fd00::1]')).toBe(80);
    expect(portOf('[fd00::1]:81')).toBe(81);
    expect(portOf('[fd00::1')).toBeUndefined();
    expect(portOf('[fd00::1]x')).toBeUndefined();
  });
});
