import { channel } from 'node:diagnostics_channel';
import type { ClusterHealth, ListenerHealth, ProxyHealthSource } from './events.js';
import { HTTP_CHANNEL, TCP_CHANNEL } from './events.js';
import { ENVOY_DEFAULT_BUCKETS, HTTP_LABELS, TCP_LABELS } from './istio-metrics.js';
import {
  createMeshMetrics,
  PROMETHEUS_CONTENT_TYPE,
  type MeshMetrics,
  type MeshMetricsOptions,
} from './mesh-metrics.js';
import {
  httpEvent,
  productpage,
  publishHttp,
  publishTcp,
  reviewsV2,
  tcpEvent,
} from './test-support/events.js';
import { parseExposition, sampleValue, scrape, type Family } from './test-support/exposition.js';

let metrics: MeshMetrics | undefined;

function start(options: MeshMetricsOptions = {}): MeshMetrics {
  metrics = createMeshMetrics(options);
  return metrics;
}

afterEach(async () => {
  await metrics?.shutdown();
  metrics = undefined;
});

async function scrapeFamilies(m: MeshMetrics): Promise<Map<string, Family>> {
  const res = await scrape(m.handler);
  expect(res.status).toBe(200);
  return parseExposition(res.body);
}

function labelNames(family: Family | undefined): Set<string> {
  const names = new Set<string>();
  for (const s of family?.samples ?? []) {
    const keys = Object.keys(s.labels).filter((k) => !(s.name.endsWith('_bucket') && k === 'le'));
    names.add(keys.sort().join(','));
  }
  return names;
}

const sorted = (labels: readonly string[]) => [...labels].sort().join(',');

describe('HTTP metrics over a real scrape', () => {
  test('requests_total, duration and sizes: types, exact label sets, buckets, counts and sums', async () => {
    const m = start();
    publishHttp(httpEvent({ durationMs: 3, requestBytes: 120, responseBytes: 1800 }));
    publishHttp(httpEvent({ durationMs: 700, requestBytes: 0, responseBytes: 40000 }));
    publishHttp(httpEvent({ responseCode: 503, responseFlags: 'UF', durationMs: 1 }));

    const res = await scrape(m.handler);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(res.body).not.toMatch(/^# UNIT/m);
    expect(res.body).not.toContain('otel_scope');
    expect(res.body).not.toContain('target_info');
    const f = parseExposition(res.body);

    expect(f.get('istio_requests_total')?.type).toBe('counter');
    for (const name of [
      'istio_request_duration_milliseconds',
      'istio_request_bytes',
      'istio_response_bytes',
    ]) {
      expect(f.get(name)?.type).toBe('histogram');
    }
    for (const name of [
      'istio_requests_total',
      'istio_request_duration_milliseconds',
      'istio_request_bytes',
      'istio_response_bytes',
    ]) {
      expect(labelNames(f.get(name))).toEqual(new Set([sorted(HTTP_LABELS)]));
    }

    const ok = { reporter: 'source', response_code: '200', response_flags: '-' };
    const failed = { response_code: '503', response_flags: 'UF' };
    expect(sampleValue(f, 'istio_requests_total', ok)).toBe(2);
    expect(sampleValue(f, 'istio_requests_total', failed)).toBe(1);

    const d = 'istio_request_duration_milliseconds';
    expect(sampleValue(f, `${d}_count`, ok)).toBe(2);
    expect(sampleValue(f, `${d}_sum`, ok)).toBe(703);
    // Cumulative: 3 ms falls in le=5, 700 ms in le=1000; each bound is inclusive.
    const buckets = f
      .get(d)!
      .samples.filter((s) => s.name === `${d}_bucket` && s.labels.response_code === '200');
    expect(buckets.map((b) => b.labels.le)).toEqual([...ENVOY_DEFAULT_BUCKETS.map(String), '+Inf']);
    const le = (bound: string) => buckets.find((b) => b.labels.le === bound)!.value;
    expect([le('1'), le('5'), le('500'), le('1000'), le('+Inf')]).toEqual([0, 1, 1, 2, 2]);
    expect(sampleValue(f, `${d}_bucket`, { ...failed, le: '1' })).toBe(1);
    expect(sampleValue(f, `${d}_bucket`, { ...failed, le: '0.5' })).toBe(0);

    expect(sampleValue(f, 'istio_request_bytes_sum', ok)).toBe(120);
    expect(sampleValue(f, 'istio_request_bytes_bucket', { ...ok, le: '0.5' })).toBe(1);
    expect(sampleValue(f, 'istio_request_bytes_bucket', { ...ok, le: '250' })).toBe(2);
    expect(sampleValue(f, 'istio_response_bytes_sum', ok)).toBe(41800);
    expect(sampleValue(f, 'istio_response_bytes_bucket', { ...ok, le: '2500' })).toBe(1);
    expect(sampleValue(f, 'istio_response_bytes_bucket', { ...ok, le: '30000' })).toBe(1);
    expect(sampleValue(f, 'istio_response_bytes_bucket', { ...ok, le: '60000' })).toBe(2);
    expect(sampleValue(f, 'istio_response_bytes_count', ok)).toBe(2);
  });

  test('the exposition text of one request, line for line', async () => {
    const m = start();
    publishHttp(httpEvent({ reporter: 'destination', connectionSecurityPolicy: 'none' }));
    const text = await m.prometheusText();
    const labels =
      'reporter="destination",source_workload="productpage-v1",source_workload_namespace="default",' +
      'source_app="productpage",source_version="v1",destination_workload="reviews-v2",' +
      'destination_workload_namespace="default",destination_app="reviews",destination_version="v2",' +
      'destination_service="reviews.default.svc.cluster.local",destination_service_name="reviews",' +
      'destination_service_namespace="default",request_protocol="http",response_code="200",' +
      'grpc_response_status="",response_flags="-",connection_security_policy="none"';
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '# HELP istio_requests_total Requests handled by an Istio proxy.',
      '# TYPE istio_requests_total counter',
      `istio_requests_total{${labels}} 1`,
    ]);
    expect(lines).toContain('# TYPE istio_request_duration_milliseconds histogram');
    expect(lines).toContain(`istio_request_duration_milliseconds_sum{${labels}} 3`);
    expect(lines).toContain(`istio_request_duration_milliseconds_count{${labels}} 1`);
    expect(lines).toContain(`istio_request_duration_milliseconds_bucket{${labels},le="5"} 1`);
    expect(lines).toContain(`istio_request_bytes_bucket{${labels},le="3600000"} 1`);
    expect(lines).toContain(`istio_response_bytes_bucket{${labels},le="+Inf"} 1`);
  });

  test('unknown peers are labelled "unknown"', async () => {
    const m = start();
    publishHttp(
      httpEvent({
        reporter: 'destination',
        source: { workload: '', namespace: '', app: '', version: '' },
        destination: { ...reviewsV2, app: '', version: '' },
      }),
    );
    const f = await scrapeFamilies(m);
    expect(
      sampleValue(f, 'istio_requests_total', {
        source_workload: 'unknown',
        source_workload_namespace: 'unknown',
        source_app: 'unknown',
        source_version: 'unknown',
        destination_workload: 'reviews-v2',
        destination_app: 'unknown',
        destination_version: 'unknown',
      }),
    ).toBe(1);
  });

  test('gRPC: request_protocol "grpc" and the grpc-status as grpc_response_status', async () => {
    const m = start();
    publishHttp(httpEvent({ requestProtocol: 'grpc', grpcResponseStatus: '0' }));
    publishHttp(httpEvent({ requestProtocol: 'grpc', grpcResponseStatus: '14' }));
    publishHttp(httpEvent({ requestProtocol: 'grpc', grpcResponseStatus: '14' }));
    publishHttp(httpEvent());
    const f = await scrapeFamilies(m);
    const grpc = { request_protocol: 'grpc', response_code: '200' };
    expect(sampleValue(f, 'istio_requests_total', { ...grpc, grpc_response_status: '0' })).toBe(1);
    expect(sampleValue(f, 'istio_requests_total', { ...grpc, grpc_response_status: '14' })).toBe(2);
    expect(
      sampleValue(f, 'istio_requests_total', {
        request_protocol: 'http',
        grpc_response_status: '',
      }),
    ).toBe(1);
    expect(labelNames(f.get('istio_requests_total'))).toEqual(new Set([sorted(HTTP_LABELS)]));
  });

  test('label values with quotes, backslashes and newlines are escaped, not broken', async () => {
    const m = start();
    publishHttp(httpEvent({ source: { ...productpage, workload: 'a"b\\c\nd' } }));
    const f = await scrapeFamilies(m);
    expect(sampleValue(f, 'istio_requests_total', { source_workload: 'a"b\\c\nd' })).toBe(1);
  });
});

describe('TCP metrics over a real scrape', () => {
  test('opened, bytes (deltas) and closed: types, exact label sets, totals', async () => {
    const m = start();
    publishTcp(tcpEvent('opened'));
    publishTcp(tcpEvent('bytes', { receivedBytes: 100, sentBytes: 1000 }));
    publishTcp(tcpEvent('closed', { receivedBytes: 20, sentBytes: 5 }));
    publishTcp(tcpEvent('opened'));
    publishTcp(tcpEvent('opened', { responseFlags: 'UF' }));
    publishTcp(tcpEvent('closed', { responseFlags: 'UF' }));

    const f = await scrapeFamilies(m);
    const names = [
      'istio_tcp_sent_bytes_total',
      'istio_tcp_received_bytes_total',
      'istio_tcp_connections_opened_total',
      'istio_tcp_connections_closed_total',
    ];
    for (const name of names) {
      expect(f.get(name)?.type).toBe('counter');
      expect(labelNames(f.get(name))).toEqual(new Set([sorted(TCP_LABELS)]));
    }
    const ok = { request_protocol: 'tcp', response_flags: '-', reporter: 'destination' };
    expect(sampleValue(f, 'istio_tcp_connections_opened_total', ok)).toBe(2);
    expect(sampleValue(f, 'istio_tcp_connections_closed_total', ok)).toBe(1);
    expect(sampleValue(f, 'istio_tcp_received_bytes_total', ok)).toBe(120);
    expect(sampleValue(f, 'istio_tcp_sent_bytes_total', ok)).toBe(1005);
    const uf = { response_flags: 'UF' };
    expect(sampleValue(f, 'istio_tcp_connections_opened_total', uf)).toBe(1);
    expect(sampleValue(f, 'istio_tcp_connections_closed_total', uf)).toBe(1);
    expect(sampleValue(f, 'istio_tcp_sent_bytes_total', uf)).toBe(0);
    // TCP traffic makes no HTTP series.
    expect(f.has('istio_requests_total')).toBe(false);
  });
});

describe('proxy health gauges', () => {
  function healthSource() {
    const state = {
      listeners: [{ address: '0.0.0.0_15006', activeConnections: 3 }] as ListenerHealth[],
      clusters: [
        {
          name: 'outbound|9080||reviews.default.svc.cluster.local',
          activeConnections: 4,
          activeRequests: 2,
          pendingRequests: 1,
          ejectedEndpoints: 1,
        },
      ] as ClusterHealth[],
      connected: true,
      generation: 7,
      rejections: [{ type: 'Cluster', count: 2 }],
    };
    const source: ProxyHealthSource = {
      listeners: () => state.listeners,
      clusters: () => state.clusters,
      controlPlaneConnected: () => state.connected,
      configGeneration: () => state.generation,
      configRejections: () => state.rejections,
    };
    return { state, source };
  }

  test('read at each scrape, with Envoy names and tags', async () => {
    const { state, source } = healthSource();
    const m = start({ health: source });
    let f = await scrapeFamilies(m);
    const cluster = { cluster_name: 'outbound|9080||reviews.default.svc.cluster.local' };
    const expected: [string, string, Record<string, string>, number][] = [
      [
        'envoy_listener_downstream_cx_active',
        'gauge',
        { envoy_listener_address: '0.0.0.0_15006' },
        3,
      ],
      ['envoy_cluster_upstream_cx_active', 'gauge', cluster, 4],
      ['envoy_cluster_upstream_rq_active', 'gauge', cluster, 2],
      ['envoy_cluster_upstream_rq_pending_active', 'gauge', cluster, 1],
      ['envoy_cluster_outlier_detection_ejections_active', 'gauge', cluster, 1],
      ['envoy_control_plane_connected_state', 'gauge', {}, 1],
      ['mesh_proxy_config_generation', 'gauge', {}, 7],
      ['mesh_proxy_config_rejections_total', 'counter', { type: 'Cluster' }, 2],
    ];
    for (const [name, type, labels, value] of expected) {
      expect(f.get(name)?.type).toBe(type);
      expect(labelNames(f.get(name))).toEqual(new Set([Object.keys(labels).sort().join(',')]));
      expect(sampleValue(f, name, labels)).toBe(value);
    }

    state.connected = false;
    state.generation = 8;
    state.clusters = [{ ...state.clusters[0]!, ejectedEndpoints: 0, pendingRequests: 0 }];
    state.rejections = [
      { type: 'Cluster', count: 3 },
      { type: 'RouteTable', count: 1 },
    ];
    f = await scrapeFamilies(m);
    expect(sampleValue(f, 'envoy_control_plane_connected_state')).toBe(0);
    expect(sampleValue(f, 'mesh_proxy_config_generation')).toBe(8);
    expect(sampleValue(f, 'envoy_cluster_outlier_detection_ejections_active', cluster)).toBe(0);
    expect(sampleValue(f, 'envoy_cluster_upstream_rq_pending_active', cluster)).toBe(0);
    expect(sampleValue(f, 'mesh_proxy_config_rejections_total', { type: 'Cluster' })).toBe(3);
    expect(sampleValue(f, 'mesh_proxy_config_rejections_total', { type: 'RouteTable' })).toBe(1);

    // A cluster that left the config leaves the scrape.
    state.clusters = [];
    f = await scrapeFamilies(m);
    expect(f.get('envoy_cluster_upstream_cx_active')?.samples ?? []).toEqual([]);
  });

  test('a getter that throws is reported, and the scrape still answers', async () => {
    const { source } = healthSource();
    const errors: Error[] = [];
    const m = start({
      health: {
        ...source,
        clusters: () => {
          throw new Error('table swapped');
        },
      },
      onError: (e) => errors.push(e),
    });
    publishHttp(httpEvent());
    const f = await scrapeFamilies(m);
    expect(sampleValue(f, 'istio_requests_total')).toBe(1);
    expect(errors.map((e) => e.message).join('\n')).toContain('table swapped');
  });

  test('no health source, no health families', async () => {
    const m = start();
    publishHttp(httpEvent());
    const f = await scrapeFamilies(m);
    expect([...f.keys()]).toEqual([
      'istio_requests_total',
      'istio_request_duration_milliseconds',
      'istio_request_bytes',
      'istio_response_bytes',
    ]);
  });
});

describe('contract violations', () => {
  test('bad events are dropped and counted, never thrown at the publisher', async () => {
    const errors: Error[] = [];
    const m = start({ onError: (e) => errors.push(e) });
    expect(() => publishHttp({ ...httpEvent(), reporter: 'client' })).not.toThrow();
    expect(() => publishHttp(undefined)).not.toThrow();
    expect(() => publishTcp(tcpEvent('bytes', { sentBytes: -1 }))).not.toThrow();
    publishHttp(httpEvent());

    const f = await scrapeFamilies(m);
    expect(sampleValue(f, 'istio_requests_total')).toBe(1);
    expect(f.has('istio_tcp_sent_bytes_total')).toBe(false);
    const dropped = 'mesh_telemetry_dropped_events_total';
    expect(f.get(dropped)?.type).toBe('counter');
    expect(sampleValue(f, dropped, { channel: HTTP_CHANNEL, reason: 'bad_reporter' })).toBe(1);
    expect(sampleValue(f, dropped, { channel: HTTP_CHANNEL, reason: 'not_an_object' })).toBe(1);
    expect(sampleValue(f, dropped, { channel: TCP_CHANNEL, reason: 'bad_number' })).toBe(1);
    expect(errors).toHaveLength(3);
    expect(errors[0]!.message).toBe('telemetry: dropped an event on mesh:proxy:http: bad_reporter');
  });

  test('series past the limit fold into one overflow series instead of growing memory', async () => {
    const m = start({ maxSeriesPerMetric: 3 });
    for (const code of [200, 201, 202, 203, 204]) publishHttp(httpEvent({ responseCode: code }));
    const f = await scrapeFamilies(m);
    const samples = f.get('istio_requests_total')!.samples;
    expect(samples).toHaveLength(3);
    expect(samples.reduce((n, s) => n + s.value, 0)).toBe(5);
    expect(sampleValue(f, 'istio_requests_total', { otel_metric_overflow: 'true' })).toBe(3);
  });
});

describe('the handler and the lifecycle', () => {
  test('404 off the path, 405 for other methods, HEAD without a body', async () => {
    const m = start();
    publishHttp(httpEvent());
    expect((await scrape(m.handler, '/metrics')).status).toBe(404);
    const post = await scrape(m.handler, '/stats/prometheus', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await scrape(m.handler, '/stats/prometheus', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect((await scrape(m.handler, '/stats/prometheus?usedonly')).status).toBe(200);
  });

  test('a custom path', async () => {
    const m = start({ path: '/metrics' });
    expect((await scrape(m.handler, '/metrics')).status).toBe(200);
    expect((await scrape(m.handler, '/stats/prometheus')).status).toBe(404);
  });

  test('before any traffic the exposition is empty', async () => {
    const m = start();
    const res = await scrape(m.handler);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
  });

  test('shutdown unsubscribes from both channels; twice is harmless', async () => {
    const http = channel(HTTP_CHANNEL);
    const tcp = channel(TCP_CHANNEL);
    const m = start();
    expect(http.hasSubscribers && tcp.hasSubscribers).toBe(true);
    await m.shutdown();
    await m.shutdown();
    expect(http.hasSubscribers).toBe(false);
    expect(tcp.hasSubscribers).toBe(false);
  });

  test('two instances each count every event (a publisher needs no registry)', async () => {
    const a = start();
    const b = createMeshMetrics();
    try {
      publishHttp(httpEvent());
      const fa = parseExposition(await a.prometheusText());
      const fb = parseExposition(await b.prometheusText());
      expect(sampleValue(fa, 'istio_requests_total')).toBe(1);
      expect(sampleValue(fb, 'istio_requests_total')).toBe(1);
    } finally {
      await b.shutdown();
    }
  });
});
