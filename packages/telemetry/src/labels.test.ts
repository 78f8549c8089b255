import { HTTP_LABELS, TCP_LABELS } from './istio-metrics.js';
import { httpValues, tcpValues, type DropReason } from './labels.js';
import { httpEvent, reviewsV2, tcpEvent } from './test-support/events.js';

type Converted = { ok: true; labels: Record<string, string> } | { ok: false; reason: DropReason };

function convert(
  fill: (e: unknown, out: string[]) => DropReason | undefined,
  names: readonly string[],
  event: unknown,
): Converted {
  const out: string[] = [];
  const reason = fill(event, out);
  if (reason) return { ok: false, reason };
  expect(out).toHaveLength(names.length);
  return { ok: true, labels: Object.fromEntries(names.map((n, i) => [n, out[i]!])) };
}

const httpLabels = (e: unknown) => convert(httpValues, HTTP_LABELS, e);
const tcpLabels = (e: unknown) => convert(tcpValues, TCP_LABELS, e);

describe('httpValues', () => {
  test('a complete event gives every Istio label, in Istio order', () => {
    const c = httpLabels(httpEvent());
    if (!c.ok) throw new Error(c.reason);
    expect(Object.keys(c.labels)).toEqual([...HTTP_LABELS]);
    expect(c.labels).toEqual({
      reporter: 'source',
      source_workload: 'productpage-v1',
      source_workload_namespace: 'default',
      source_app: 'productpage',
      source_version: 'v1',
      destination_workload: 'reviews-v2',
      destination_workload_namespace: 'default',
      destination_app: 'reviews',
      destination_version: 'v2',
      destination_service: 'reviews.default.svc.cluster.local',
      destination_service_name: 'reviews',
      destination_service_namespace: 'default',
      request_protocol: 'http',
      response_code: '200',
      grpc_response_status: '',
      response_flags: '-',
      connection_security_policy: 'unknown',
    });
  });

  test.each([
    ['empty strings', { workload: '', namespace: '', app: '', version: '' }],
    ['missing fields', {}],
    ['not an object', null],
  ])('unknown peer (%s) reports "unknown", as Istio does', (_, source) => {
    const c = httpLabels({ ...httpEvent(), source });
    if (!c.ok) throw new Error(c.reason);
    expect(c.labels).toMatchObject({
      source_workload: 'unknown',
      source_workload_namespace: 'unknown',
      source_app: 'unknown',
      source_version: 'unknown',
    });
  });

  test('unknown destination service fields report "unknown"', () => {
    const c = httpLabels(
      httpEvent({
        destination: { ...reviewsV2, service: '', serviceName: '', serviceNamespace: '' },
      }),
    );
    if (!c.ok) throw new Error(c.reason);
    expect(c.labels).toMatchObject({
      destination_workload: 'reviews-v2',
      destination_service: 'unknown',
      destination_service_name: 'unknown',
      destination_service_namespace: 'unknown',
    });
  });

  test.each([
    ['grpc with a status', { requestProtocol: 'grpc', grpcResponseStatus: '14' }, '14'],
    ['grpc with OK', { requestProtocol: 'grpc', grpcResponseStatus: '0' }, '0'],
    ['grpc without a status', { requestProtocol: 'grpc' }, ''],
    ['http ignores a status', { requestProtocol: 'http', grpcResponseStatus: '2' }, ''],
  ] as const)('grpc_response_status: %s', (_, over, expected) => {
    const c = httpLabels(httpEvent(over));
    if (!c.ok) throw new Error(c.reason);
    expect(c.labels.grpc_response_status).toBe(expected);
    expect(c.labels.request_protocol).toBe(over.requestProtocol);
  });

  test('no flags is "-", an unknown policy is "unknown", no response is code 0', () => {
    const c = httpLabels({
      ...httpEvent({ responseCode: 0, responseFlags: '' }),
      connectionSecurityPolicy: 'tls-maybe',
    });
    if (!c.ok) throw new Error(c.reason);
    expect(c.labels).toMatchObject({
      response_code: '0',
      response_flags: '-',
      connection_security_policy: 'unknown',
    });
  });

  test.each([
    ['not an object', 'GET /', 'not_an_object'],
    ['a wrong reporter', { ...httpEvent(), reporter: 'client' }, 'bad_reporter'],
    ['a wrong protocol', { ...httpEvent(), requestProtocol: 'tcp' }, 'bad_protocol'],
    ['a fractional code', httpEvent({ responseCode: 200.5 }), 'bad_response_code'],
    ['a code past 999', httpEvent({ responseCode: 1000 }), 'bad_response_code'],
    ['a negative duration', httpEvent({ durationMs: -1 }), 'bad_number'],
    ['a NaN size', httpEvent({ requestBytes: NaN }), 'bad_number'],
    ['an infinite size', httpEvent({ responseBytes: Infinity }), 'bad_number'],
    ['a string size', { ...httpEvent(), responseBytes: '12' }, 'bad_number'],
  ])('refuses %s', (_, event, reason) => {
    expect(httpLabels(event)).toEqual({ ok: false, reason });
  });
});

describe('tcpValues', () => {
  test('TCP labels: the peer labels, request_protocol "tcp", flags and policy, in Istio order', () => {
    const c = tcpLabels(tcpEvent('opened', { responseFlags: 'UF' }));
    if (!c.ok) throw new Error(c.reason);
    expect(Object.keys(c.labels)).toEqual([...TCP_LABELS]);
    expect(c.labels).toMatchObject({
      reporter: 'destination',
      request_protocol: 'tcp',
      response_flags: 'UF',
      connection_security_policy: 'none',
    });
  });

  test.each([
    ['a wrong kind', { ...tcpEvent('opened'), kind: 'reset' }, 'bad_kind'],
    ['a wrong reporter', { ...tcpEvent('bytes'), reporter: '' }, 'bad_reporter'],
    ['negative bytes', tcpEvent('bytes', { sentBytes: -5 }), 'bad_number'],
    ['missing bytes', { ...tcpEvent('closed'), receivedBytes: undefined }, 'bad_number'],
    ['not an object', 42, 'not_an_object'],
  ])('refuses %s', (_, event, reason) => {
    expect(tcpLabels(event)).toEqual({ ok: false, reason });
  });
});
