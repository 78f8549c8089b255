import { TRACE_HEADER_NAMES } from '@mesh/telemetry/trace-context';
import { createStreamInfo } from '../http/stream-info.js';
import type { FreshHeaderMap } from '../http/types.js';
import { requestTelemetry, stampOutbound } from './propagation.js';

const SELF = {
  workload: 'productpage-v1',
  namespace: 'default',
  app: 'productpage',
  version: 'v1',
};
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function stamp(headers: FreshHeaderMap): FreshHeaderMap {
  stampOutbound(
    headers,
    createStreamInfo('outbound'),
    requestTelemetry(SELF, { samplingPercent: 0 }),
  );
  return headers;
}

describe('trace propagation on the way out', () => {
  it('keeps every tracestate entry when the list came in several headers', () => {
    const out = stamp({
      traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
      tracestate: ['a=1', 'b=2'],
    });
    expect(out['tracestate']).toBe('a=1,b=2');
  });

  it('answers a B3 caller in B3, even one that sent only its sampling decision', () => {
    const out = stamp({ 'x-b3-sampled': '1' });
    expect(out['x-b3-sampled']).toBe('1');
    expect(out['x-b3-traceid']).toMatch(/^[0-9a-f]{32}$/);
    expect(String(out['traceparent'])).toMatch(/-01$/);
  });

  it('writes only W3C for a W3C caller', () => {
    const out = stamp({ traceparent: `00-${TRACE}-00f067aa0ba902b7-00` });
    expect(Object.keys(out).filter((k) => k.startsWith('x-b3') || k === 'b3')).toEqual([]);
  });

  it('starts a new trace with W3C alone when no trace header came in', () => {
    const out = stamp({ host: 'reviews:9080' });
    expect(Object.keys(out).sort()).toEqual(['host', 'traceparent']);
    expect(String(out['traceparent'])).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  // The fast path for requests without trace headers names them one by one: a header it missed
  // would reach the app as the caller sent it.
  it.each([...TRACE_HEADER_NAMES])('replaces or removes a malformed %s the caller sent', (name) => {
    const out = stamp({ host: 'reviews:9080', [name]: 'zz-not-a-trace-header' });
    for (const [key, value] of Object.entries(out)) {
      if (key !== 'host') expect(value).not.toBe('zz-not-a-trace-header');
    }
    expect(String(out['traceparent'])).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });
});
