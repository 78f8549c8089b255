// Values for every header a Bookinfo service forwards, for the tests that follow them hop by hop.

/** One value per forwarded header, each different, as a client (or a tracer) would send them. */
export const TRACE_AND_AUTH_HEADERS: Readonly<Record<string, string>> = {
  'x-request-id': 'r1',
  'x-ot-span-context': 'ot',
  'x-datadog-trace-id': '1234',
  'x-datadog-parent-id': '5678',
  'x-datadog-sampling-priority': '1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: 'a=b',
  baggage: 'userId=alice,isProduction=false',
  'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
  'grpc-trace-bin': 'AAARf5jF2Q==',
  b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
  'x-b3-traceid': 't',
  'x-b3-spanid': 's',
  'x-b3-parentspanid': 'p',
  'x-b3-sampled': '1',
  'x-b3-flags': '0',
  sw8: '1-TRACEID-SEGMENTID-3-PARENT-SERVICE-INSTANCE-ENDPOINT-TARGET',
  'user-agent': 'curl/8',
  authorization: 'Bearer x',
  jwt: 'eyJhbGciOiJSUzI1NiJ9.e30.sig',
};
