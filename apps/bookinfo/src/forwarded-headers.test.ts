import {
  FORWARDED_HEADERS,
  forwardedHeaders,
  REVIEWS_FORWARDED_HEADERS,
} from './forwarded-headers.js';
import { TRACE_AND_AUTH_HEADERS } from './test-support/headers.js';

describe('forwardedHeaders', () => {
  it("forwards Istio's list (less cookie, plus b3 and baggage), and nothing else", () => {
    expect(Object.keys(TRACE_AND_AUTH_HEADERS).sort()).toEqual([...FORWARDED_HEADERS].sort());
    expect(
      forwardedHeaders({
        ...TRACE_AND_AUTH_HEADERS,
        'end-user': 'jason',
        cookie: 'session=jason',
        host: 'productpage:9080',
        'content-length': '0',
        'x-forwarded-for': '10.0.0.1',
      }),
    ).toEqual(TRACE_AND_AUTH_HEADERS);
  });

  it('adds end-user for reviews only', () => {
    expect(REVIEWS_FORWARDED_HEADERS).toEqual([...FORWARDED_HEADERS, 'end-user']);
    expect(
      forwardedHeaders(
        { 'x-request-id': 'r', 'end-user': 'jason', cookie: 'c' },
        REVIEWS_FORWARDED_HEADERS,
      ),
    ).toEqual({ 'x-request-id': 'r', 'end-user': 'jason' });
  });

  it('joins a repeated header, and gives nothing for a request without any of them', () => {
    expect(forwardedHeaders({ baggage: ['a=1', 'b=2'] })).toEqual({ baggage: 'a=1, b=2' });
    expect(forwardedHeaders({ host: 'x', accept: '*/*' })).toEqual({});
  });
});
