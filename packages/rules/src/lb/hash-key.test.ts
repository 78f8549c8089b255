import { hashKeyFor } from './hash-key.js';

describe('hashKeyFor', () => {
  it('reads a header case-insensitively; repeated values give an order-independent key', () => {
    expect(hashKeyFor({ httpHeaderName: 'X-User' }, { headers: { 'x-user': 'alice' } })).toBe(
      'alice',
    );
    const a = hashKeyFor({ httpHeaderName: 'x-user' }, { headers: { 'X-User': ['b', 'a'] } });
    const b = hashKeyFor({ httpHeaderName: 'x-user' }, { headers: { 'x-user': ['a', 'b'] } });
    expect(a).toBe(b);
    expect(a).not.toBe(hashKeyFor({ httpHeaderName: 'x-user' }, { headers: { 'x-user': 'a' } }));
    expect(hashKeyFor({ httpHeaderName: 'x-user' }, { headers: {} })).toBeUndefined();
  });

  it('reads a cookie from parsed cookies or the Cookie header', () => {
    const policy = { httpCookie: { name: 'sid', ttl: '0s' } };
    expect(hashKeyFor(policy, { headers: {}, cookies: { sid: 'c1' } })).toBe('c1');
    expect(hashKeyFor(policy, { headers: { cookie: 'a=1; sid=c2; b=3' } })).toBe('c2');
    expect(hashKeyFor(policy, { headers: { Cookie: ['x=1', 'sid=c3'] } })).toBe('c3');
  });

  it('yields no key for an absent cookie: with a ttl the proxy generates one, not this function', () => {
    expect(
      hashKeyFor({ httpCookie: { name: 'sid', ttl: '60s' } }, { headers: { cookie: 'other=1' } }),
    ).toBeUndefined();
    expect(hashKeyFor({ httpCookie: { name: 'sid' } }, { headers: {} })).toBeUndefined();
  });

  it('uses the source IP when asked', () => {
    expect(hashKeyFor({ useSourceIp: true }, { headers: {}, sourceIp: '10.0.0.9' })).toBe(
      '10.0.0.9',
    );
    expect(hashKeyFor({ useSourceIp: true }, { headers: {} })).toBeUndefined();
    expect(
      hashKeyFor({ useSourceIp: false }, { headers: {}, sourceIp: '10.0.0.9' }),
    ).toBeUndefined();
  });

  it('reads a query parameter from a string or a URLSearchParams-like object', () => {
    const policy = { httpQueryParameterName: 'user id' };
    expect(hashKeyFor(policy, { headers: {}, query: '?x=1&user%20id=bob+smith' })).toBe(
      'bob smith',
    );
    expect(hashKeyFor(policy, { headers: {}, query: 'user+id=%E0%A4' })).toBe('%E0%A4');
    expect(hashKeyFor(policy, { headers: {}, query: new URLSearchParams('user id=q') })).toBe('q');
    expect(hashKeyFor(policy, { headers: {}, query: 'x=1' })).toBeUndefined();
    expect(hashKeyFor(policy, { headers: {} })).toBeUndefined();
  });

  it('yields no key for a policy that names no source', () => {
    expect(
      hashKeyFor({ ringHash: { minimumRingSize: 10 } }, { headers: { a: 'b' } }),
    ).toBeUndefined();
  });
});
