import { forwardedHeaders } from './forwarded-headers.js';

describe('forwardedHeaders', () => {
  it('copies trace headers, end-user and user-agent, and nothing else', () => {
    expect(
      forwardedHeaders({
        'x-request-id': 'r1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tracestate: 'a=b',
        b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
        'x-b3-traceid': 't',
        'x-b3-spanid': 's',
        'x-b3-parentspanid': 'p',
        'x-b3-sampled': '1',
        'x-b3-flags': '0',
        'x-ot-span-context': 'ot',
        'end-user': 'jason',
        'user-agent': 'curl/8',
        cookie: 'session=jason',
        authorization: 'Bearer x',
        host: 'productpage:9080',
        'content-length': '0',
      }),
    ).toEqual({
      'x-request-id': 'r1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'a=b',
      b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
      'x-b3-traceid': 't',
      'x-b3-spanid': 's',
      'x-b3-parentspanid': 'p',
      'x-b3-sampled': '1',
      'x-b3-flags': '0',
      'x-ot-span-context': 'ot',
      'end-user': 'jason',
      'user-agent': 'curl/8',
    });
  });

  it('gives nothing for a request without any of them', () => {
    expect(forwardedHeaders({ host: 'x', accept: '*/*' })).toEqual({});
  });
});
