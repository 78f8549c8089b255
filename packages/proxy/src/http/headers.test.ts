import { applyHeaderOps, endToEndHeaders, headerValue, joinedHeaders } from './headers.js';

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
