// Issue 6's list of metric names and labels, written out by hand: a rename in the code, or a
// label gained or lost, fails here, both against the table in istio-metrics.ts and against what a
// scrape really shows.
import { createMeshMetrics } from './mesh-metrics.js';
import { ISTIO_METRICS } from './istio-metrics.js';
import { httpEvent, publishHttp, publishTcp, tcpEvent } from './test-support/events.js';
import { parseExposition } from './test-support/exposition.js';

const HTTP = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_app',
  'source_version',
  'destination_workload',
  'destination_workload_namespace',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
];

// Istio's TCP metrics carry no response_code or grpc_response_status (istio_stats.cc).
const TCP = HTTP.filter((l) => l !== 'response_code' && l !== 'grpc_response_status');

const ISSUE_6: [name: string, type: string, labels: string[]][] = [
  ['istio_requests_total', 'counter', HTTP],
  ['istio_request_duration_milliseconds', 'histogram', HTTP],
  ['istio_request_bytes', 'histogram', HTTP],
  ['istio_response_bytes', 'histogram', HTTP],
  ['istio_tcp_sent_bytes_total', 'counter', TCP],
  ['istio_tcp_received_bytes_total', 'counter', TCP],
  ['istio_tcp_connections_opened_total', 'counter', TCP],
  ['istio_tcp_connections_closed_total', 'counter', TCP],
];

const byName = (rows: [string, string, string[]][]) =>
  rows.map(([name, type, labels]) => [name, type, [...labels].sort()]).sort();

test('the metric table matches issue 6: names, types and label names', () => {
  const table = Object.values(ISTIO_METRICS).map(
    (m) => [m.name, m.type, [...m.labels]] as [string, string, string[]],
  );
  expect(byName(table)).toEqual(byName(ISSUE_6));
});

test('a scrape shows exactly issue 6’s families, types and label names', async () => {
  const metrics = createMeshMetrics();
  try {
    publishHttp(httpEvent());
    publishHttp(httpEvent({ requestProtocol: 'grpc', grpcResponseStatus: '0' }));
    publishTcp(tcpEvent('opened'));
    publishTcp(tcpEvent('closed', { sentBytes: 10, receivedBytes: 20 }));
    const families = parseExposition(await metrics.prometheusText());
    const seen = [...families.values()].map((f) => {
      const labels = new Set<string>();
      for (const s of f.samples) {
        for (const k of Object.keys(s.labels))
          if (!(k === 'le' && s.name.endsWith('_bucket'))) labels.add(k);
      }
      return [f.name, f.type, [...labels]] as [string, string, string[]];
    });
    expect(byName(seen)).toEqual(byName(ISSUE_6));
  } finally {
    await metrics.shutdown();
  }
});
