import {
  applyHeaderOps,
  endToEndHeaders,
  headerValue,
  hopByHopOf,
  joinedHeaders,
  withoutHopByHop,
} from './headers.js';

describe('headers', () => {
  it('drops hop-by-hop headers, those Connection nominates, and optionally host', () => {
    const out = endToEndHeaders(
      {
        host: 'a',
        connection: 'keep-alive, X-Secret',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        'proxy-authorization': 'Basic x',
        te: 'trailers',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        expect: '100-continue',
        'x-secret': 's',
        'content-length': '3',
        accept: ['a', 'b'],
      },
      { dropHost: true },
    );
    expect({ ...out }).toEqual({ 'content-length': '3', accept: ['a', 'b'] });
    expect(endToEndHeaders({ host: 'a' }, { dropHost: false }).host).toBe('a');
  });

  it('names what not to forward without copying the map (hopByHopOf)', () => {
    const plain = hopByHopOf({ accept: 'x' });
    expect(plain.has('transfer-encoding') && plain.has('upgrade') && !plain.has('accept')).toBe(
      true,
    );
    const nominated = hopByHopOf({ connection: 'close, X-Secret', 'x-secret': 's' });
    expect(nominated.has('x-secret') && nominated.has('keep-alive')).toBe(true);
  });

  it('reuses a fresh map without hop-by-hop headers as it is, and copies one with them', () => {
    const clean = Object.assign(Object.create(null) as Record<string, string>, { a: '1' });
    expect(withoutHopByHop(clean)).toBe(clean);
    const dirty = { a: '1', connection: 'x-b', 'x-b': '2', 'keep-alive': 't' };
    expect({ ...withoutHopByHop(dirty) }).toEqual({ a: '1' });
  });

  it('joins repeated values with commas for matching', () => {
    expect(headerValue({ a: ['1', '2'] }, 'a')).toBe('1,2');
    expect(headerValue({}, 'a')).toBeUndefined();
    expect({ ...joinedHeaders({ a: ['1', '2'], b: 'x' }) }).toEqual({ a: '1,2', b: 'x' });
    const single = { a: '1', b: 'x' };
    // Nothing repeated: the map itself, no copy.
    expect(joinedHeaders(single)).toBe(single);
  });

  it('never lets a header name reach the prototype', () => {
    const out = applyHeaderOps(
      {},
      {
        set: { __proto__: 'x' } as Record<string, string>,
        add: [['constructor', 'y']],
        remove: [],
      },
    );
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(out.constructor).toBe('y');
  });

  it('returns the same map when the operations are empty', () => {
    const h = { a: '1' };
    expect(applyHeaderOps(h, { set: {}, add: [], remove: [] })).toBe(h);
  });
});
