import {
  extractTraceContext,
  newSpanId,
  newTraceId,
  startSpanIds,
  TRACE_HEADER_NAMES,
  traceHeaders,
  type TraceContext,
} from './trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const B3_64 = 'a3ce929d0e0e4736';
const B3_64_PADDED = '0000000000000000a3ce929d0e0e4736';

function from(headers: Record<string, string>): TraceContext | undefined {
  return extractTraceContext((name) => headers[name]);
}

describe('extractTraceContext: W3C traceparent', () => {
  it.each<[string, string, TraceContext | undefined]>([
    [
      'version 00 with the sampled flag',
      `00-${TRACE}-${SPAN}-01`,
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'flags bit 0 clear is not sampled',
      `00-${TRACE}-${SPAN}-00`,
      { traceId: TRACE, spanId: SPAN, sampled: false },
    ],
    [
      'only flags bit 0 means sampled',
      `00-${TRACE}-${SPAN}-02`,
      { traceId: TRACE, spanId: SPAN, sampled: false },
    ],
    [
      'other flag bits do not hide bit 0',
      `00-${TRACE}-${SPAN}-03`,
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'version 00 must be exactly 55 characters (longer)',
      `00-${TRACE}-${SPAN}-01-extra`,
      undefined,
    ],
    ['version 00 must be exactly 55 characters (shorter)', `00-${TRACE}-${SPAN}-1`, undefined],
    ['version ff is invalid', `ff-${TRACE}-${SPAN}-01`, undefined],
    [
      'a higher version parses its first four fields',
      `cc-${TRACE}-${SPAN}-01-what-the-future-holds`,
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'a higher version may be exactly 55 characters',
      `01-${TRACE}-${SPAN}-01`,
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    ['a higher version needs a dash after the flags', `cc-${TRACE}-${SPAN}-01x`, undefined],
    ['uppercase hex is invalid (trace id)', `00-${TRACE.toUpperCase()}-${SPAN}-01`, undefined],
    ['uppercase hex is invalid (version)', `0A-${TRACE}-${SPAN}-01`, undefined],
    ['uppercase hex is invalid (flags)', `00-${TRACE}-${SPAN}-0A`, undefined],
    ['all-zero trace id is invalid', `00-${'0'.repeat(32)}-${SPAN}-01`, undefined],
    ['all-zero span id is invalid', `00-${TRACE}-${'0'.repeat(16)}-01`, undefined],
    ['non-hex trace id is invalid', `00-${TRACE.slice(0, 31)}g-${SPAN}-01`, undefined],
    ['non-hex version is invalid', `0g-${TRACE}-${SPAN}-01`, undefined],
    ['fields must be dash-separated', `00_${TRACE}_${SPAN}_01`, undefined],
    ['a misplaced dash is invalid', `00-${TRACE.slice(0, 31)}-${SPAN}0-01`, undefined],
    ['empty is invalid', '', undefined],
  ])('%s', (_rule, traceparent, expected) => {
    expect(from({ traceparent })).toEqual(expected);
  });

  it('tracestate is kept, unchanged, with a valid traceparent', () => {
    const tracestate = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
    expect(from({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
      traceState: tracestate,
    });
  });

  it('tracestate is ignored without a valid traceparent', () => {
    expect(from({ traceparent: 'garbage', tracestate: 'congo=t61rcWkgMzE' })).toBeUndefined();
    expect(from({ tracestate: 'congo=t61rcWkgMzE' })).toBeUndefined();
  });

  it('an empty tracestate is left out', () => {
    expect(from({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: '' })).not.toHaveProperty(
      'traceState',
    );
  });
});

describe('extractTraceContext: B3 single', () => {
  it.each<[string, string, TraceContext | undefined]>([
    [
      'trace-span-1 is sampled',
      `${TRACE}-${SPAN}-1`,
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'trace-span-0 is not sampled',
      `${TRACE}-${SPAN}-0`,
      { traceId: TRACE, spanId: SPAN, sampled: false },
    ],
    [
      'debug d means sampled',
      `${TRACE}-${SPAN}-d`,
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'a parent span id is accepted and not used',
      `${TRACE}-${SPAN}-1-${B3_64}`,
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'ids without a state defer the decision',
      `${TRACE}-${SPAN}`,
      { traceId: TRACE, spanId: SPAN, sampled: false, deferred: true },
    ],
    [
      'a 64-bit trace id is left-padded to 32 hex',
      `${B3_64}-${SPAN}-1`,
      { traceId: B3_64_PADDED, spanId: SPAN, sampled: true },
    ],
    [
      'upper-case hex is folded to lower case',
      `${TRACE.toUpperCase()}-${SPAN.toUpperCase()}-1`,
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'b3: 0 alone is a decision without ids (not sampled)',
      '0',
      { traceId: '', spanId: '', sampled: false },
    ],
    [
      'b3: 1 alone is a decision without ids (sampled)',
      '1',
      { traceId: '', spanId: '', sampled: true },
    ],
    [
      'b3: d alone is a decision without ids (sampled)',
      'd',
      { traceId: '', spanId: '', sampled: true },
    ],
    ['an unknown state is invalid', `${TRACE}-${SPAN}-true`, undefined],
    ['a bare unknown state is invalid', 'yes', undefined],
    ['a trace id of another length is invalid', `${TRACE.slice(0, 20)}-${SPAN}-1`, undefined],
    ['an all-zero trace id is invalid', `${'0'.repeat(16)}-${SPAN}-1`, undefined],
    ['an all-zero span id is invalid', `${TRACE}-${'0'.repeat(16)}-1`, undefined],
    ['a bad parent span id is invalid', `${TRACE}-${SPAN}-1-xyz`, undefined],
    ['too many fields is invalid', `${TRACE}-${SPAN}-1-${B3_64}-1`, undefined],
  ])('%s', (_rule, b3, expected) => {
    expect(from({ b3 })).toEqual(expected);
  });
});

describe('extractTraceContext: B3 multi', () => {
  it.each<[string, Record<string, string>, TraceContext | undefined]>([
    [
      'x-b3-sampled: 1',
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'x-b3-sampled: 0',
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' },
      { traceId: TRACE, spanId: SPAN, sampled: false },
    ],
    [
      'x-b3-sampled: true',
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'true' },
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'x-b3-sampled: false',
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'false' },
      { traceId: TRACE, spanId: SPAN, sampled: false },
    ],
    [
      'x-b3-flags: 1 (debug) means sampled, over x-b3-sampled: 0',
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0', 'x-b3-flags': '1' },
      { traceId: TRACE, spanId: SPAN, sampled: true },
    ],
    [
      'ids without x-b3-sampled defer the decision',
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN },
      { traceId: TRACE, spanId: SPAN, sampled: false, deferred: true },
    ],
    [
      'an unknown x-b3-sampled defers the decision',
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'maybe' },
      { traceId: TRACE, spanId: SPAN, sampled: false, deferred: true },
    ],
    [
      'a 64-bit trace id is left-padded to 32 hex',
      { 'x-b3-traceid': B3_64, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
      { traceId: B3_64_PADDED, spanId: SPAN, sampled: true },
    ],
    [
      'x-b3-sampled: 0 without ids is a decision without ids',
      { 'x-b3-sampled': '0' },
      { traceId: '', spanId: '', sampled: false },
    ],
    [
      'x-b3-flags: 1 without ids is a sampled decision',
      { 'x-b3-flags': '1' },
      { traceId: '', spanId: '', sampled: true },
    ],
    [
      'a trace id without a span id is invalid',
      { 'x-b3-traceid': TRACE, 'x-b3-sampled': '1' },
      undefined,
    ],
    [
      'a span id without a trace id is invalid',
      { 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
      undefined,
    ],
    [
      'an all-zero 64-bit trace id is invalid',
      { 'x-b3-traceid': '0'.repeat(16), 'x-b3-spanid': SPAN },
      undefined,
    ],
    [
      'a non-hex span id is invalid',
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': 'zzzzzzzzzzzzzzzz' },
      undefined,
    ],
    ['no trace headers at all', {}, undefined],
  ])('%s', (_rule, headers, expected) => {
    expect(from(headers)).toEqual(expected);
  });
});

describe('extractTraceContext: precedence', () => {
  const other = 'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb';
  const otherSpan = 'cccccccccccccccc';
  it('a valid traceparent wins over b3 and x-b3-*', () => {
    expect(
      from({
        traceparent: `00-${TRACE}-${SPAN}-00`,
        b3: `${other}-${otherSpan}-1`,
        'x-b3-traceid': other,
        'x-b3-spanid': otherSpan,
        'x-b3-sampled': '1',
      }),
    ).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
  });
  it('b3 single wins over x-b3-*', () => {
    expect(
      from({ b3: `${TRACE}-${SPAN}-1`, 'x-b3-traceid': other, 'x-b3-spanid': otherSpan }),
    ).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
  });
  it('an invalid traceparent falls through to a valid B3 header', () => {
    expect(from({ traceparent: 'junk', b3: `${TRACE}-${SPAN}-1` })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
    });
  });
  it('an invalid b3 falls through to valid x-b3-*', () => {
    expect(
      from({ b3: 'junk', 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' }),
    ).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
  });
});

describe('startSpanIds', () => {
  const never = () => {
    throw new Error('rng must not be called');
  };

  it('a child keeps the trace id, tracestate and decision, with the parent as parent', () => {
    const span = startSpanIds(
      { traceId: TRACE, spanId: SPAN, sampled: true, traceState: 'a=b' },
      0,
      never,
    );
    expect(span).toEqual({
      traceId: TRACE,
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      parentSpanId: SPAN,
      sampled: true,
      traceState: 'a=b',
    });
    expect(span.spanId).not.toBe(SPAN);
  });

  it.each<[string, boolean, number]>([
    ['an unsampled parent stays unsampled at 100%', false, 100],
    ['a sampled parent stays sampled at 0%', true, 0],
  ])('%s', (_rule, sampled, percent) => {
    expect(startSpanIds({ traceId: TRACE, spanId: SPAN, sampled }, percent, never).sampled).toBe(
      sampled,
    );
  });

  it.each<[string, number, number, boolean]>([
    ['a root is sampled when the roll is under the percentage', 1, 0.0099, true],
    ['a root is not sampled when the roll reaches the percentage', 1, 0.01, false],
    ['fractional percentages work', 0.5, 0.004, true],
    ['fractional percentages work (miss)', 0.5, 0.006, false],
  ])('%s', (_rule, percent, r, sampled) => {
    const span = startSpanIds(undefined, percent, () => r);
    expect(span.sampled).toBe(sampled);
    expect(span.parentSpanId).toBeUndefined();
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each<[string, number, boolean]>([
    ['0% never samples a root, without rolling', 0, false],
    ['100% always samples a root, without rolling', 100, true],
    ['above 100% counts as 100%', 250, true],
    ['a negative percentage counts as 0%', -1, false],
    ['NaN counts as 0%', NaN, false],
  ])('%s', (_rule, percent, sampled) => {
    expect(startSpanIds(undefined, percent, never).sampled).toBe(sampled);
  });

  it('the default rng samples about the given share', () => {
    let sampled = 0;
    for (let i = 0; i < 20_000; i++) if (startSpanIds(undefined, 10).sampled) sampled++;
    expect(sampled).toBeGreaterThan(1_600);
    expect(sampled).toBeLessThan(2_400);
  });

  it('a deferred B3 parent is rolled for, keeping its trace', () => {
    const parent = { traceId: TRACE, spanId: SPAN, sampled: false, deferred: true };
    expect(startSpanIds(parent, 1, () => 0)).toMatchObject({
      traceId: TRACE,
      parentSpanId: SPAN,
      sampled: true,
    });
    expect(startSpanIds(parent, 1, () => 0.5).sampled).toBe(false);
  });

  it.each<[string, boolean]>([
    ['b3: 0 starts a new unsampled trace even at 100%', false],
    ['b3: 1 starts a new sampled trace even at 0%', true],
  ])('%s', (_rule, sampled) => {
    const parent = from({ b3: sampled ? '1' : '0' });
    const span = startSpanIds(parent, sampled ? 0 : 100, never);
    expect(span.sampled).toBe(sampled);
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.parentSpanId).toBeUndefined();
  });
});

describe('traceHeaders', () => {
  it('a child span sends traceparent, tracestate and B3 multi with its parent', () => {
    expect(
      traceHeaders({
        traceId: TRACE,
        spanId: 'b7ad6b7169203331',
        parentSpanId: SPAN,
        sampled: true,
        traceState: 'a=b',
      }),
    ).toEqual([
      ['traceparent', `00-${TRACE}-b7ad6b7169203331-01`],
      ['tracestate', 'a=b'],
      ['x-b3-traceid', TRACE],
      ['x-b3-spanid', 'b7ad6b7169203331'],
      ['x-b3-parentspanid', SPAN],
      ['x-b3-sampled', '1'],
    ]);
  });

  it('a root unsampled span sends flags 00, x-b3-sampled 0, no parent and no tracestate', () => {
    expect(traceHeaders({ traceId: TRACE, spanId: SPAN, sampled: false })).toEqual([
      ['traceparent', `00-${TRACE}-${SPAN}-00`],
      ['x-b3-traceid', TRACE],
      ['x-b3-spanid', SPAN],
      ['x-b3-sampled', '0'],
    ]);
  });

  it('without b3 only the W3C headers go out', () => {
    expect(
      traceHeaders(
        { traceId: TRACE, spanId: SPAN, parentSpanId: SPAN, sampled: true },
        { b3: false },
      ),
    ).toEqual([['traceparent', `00-${TRACE}-${SPAN}-01`]]);
  });

  it('the next hop reads back exactly this span as its parent', () => {
    const span = startSpanIds(
      from({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'k=v' }),
      0,
    );
    const sent = new Map(traceHeaders(span));
    expect(from(Object.fromEntries(sent))).toEqual({
      traceId: span.traceId,
      spanId: span.spanId,
      sampled: true,
      traceState: 'k=v',
    });
    // A Zipkin-only next hop sees the same span through B3.
    sent.delete('traceparent');
    expect(from(Object.fromEntries(sent))).toEqual({
      traceId: span.traceId,
      spanId: span.spanId,
      sampled: true,
    });
  });

  it('TRACE_HEADER_NAMES covers every header written and read', () => {
    const written = traceHeaders({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: SPAN,
      sampled: true,
      traceState: 'a=b',
    }).map(([n]) => n);
    const read: string[] = [];
    extractTraceContext((name) => {
      read.push(name);
      return undefined;
    });
    for (const name of [...written, ...read, 'b3']) expect(TRACE_HEADER_NAMES).toContain(name);
    expect([...TRACE_HEADER_NAMES].sort()).toEqual([
      'b3',
      'traceparent',
      'tracestate',
      'x-b3-flags',
      'x-b3-parentspanid',
      'x-b3-sampled',
      'x-b3-spanid',
      'x-b3-traceid',
    ]);
  });
});

describe('newTraceId / newSpanId', () => {
  it('are lowercase hex of the right length and distinct', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    // Enough draws to wrap the random pool several times.
    for (let i = 0; i < 2_000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(2_000);
    expect(spans.size).toBe(2_000);
  });

  it('spread their digits evenly, every position of the id alike', () => {
    // 4,000 ids: each digit value at each position expected 250 times (sd ~15.5); a position
    // stuck or skewed (a word of the pool left unfilled, a bad shift) lands far outside +-30%.
    const counts = Array.from({ length: 32 }, () => new Array<number>(16).fill(0));
    for (let i = 0; i < 4_000; i++) {
      const id = newTraceId();
      for (let p = 0; p < 32; p++) counts[p]![parseInt(id[p]!, 16)]! += 1;
    }
    for (const position of counts) {
      for (const n of position) {
        expect(n).toBeGreaterThan(175);
        expect(n).toBeLessThan(325);
      }
    }
  });
});
