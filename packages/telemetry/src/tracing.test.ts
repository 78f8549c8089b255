// Spans published on the real channel, exported by the real OTLP exporters over HTTP to a real
// receiver that decodes what arrived on the wire.
import type { HttpRequestEvent, ProxySpan } from './events.js';
import { httpEvent, publishSpan } from './test-support/events.js';
import { startOtlpReceiver, type OtlpReceiver } from './testing.js';
import type { HttpPost } from './otlp-post-transport.js';
import { fetchPost } from './test-support/fetch-post.js';
import { createMeshTracing, type MeshTracing, type MeshTracingOptions } from './tracing.js';

/** A distinct 16-hex-digit span id per i. */
function spanIdOf(i: number): string {
  return `a5a5a5a5${(0x10000000 + i).toString(16)}`;
}

const node = {
  id: 'sidecar~127.0.0.1~productpage-v1-7d9f.default~default.svc.cluster.local',
  workload: 'productpage-v1',
  namespace: 'default',
  app: 'productpage',
  version: 'v1',
};

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const SPAN = 'b7ad6b7169203331';

function clientSpan(over: Partial<ProxySpan> = {}): ProxySpan {
  return {
    traceId: TRACE,
    spanId: SPAN,
    parentSpanId: PARENT,
    kind: 'client',
    // Exactly representable, so the nanoseconds on the wire are exact too.
    startTimeUnixMs: 1_700_000_000_123.5,
    method: 'GET',
    url: 'http://reviews:9080/reviews/0?x=1',
    name: 'reviews.default.svc.cluster.local:9080/*',
    upstreamCluster: 'outbound|9080|v2|reviews.default.svc.cluster.local',
    upstreamHost: '127.0.0.1:20002',
    retryCount: 1,
    requestId: '8e6f1c1a-1d9b-4d53-9a4c-0b1e0f6a6b1e',
    protocol: 'HTTP/1.1',
    ...over,
  };
}

function sampled(span: Partial<ProxySpan> = {}, over: Partial<HttpRequestEvent> = {}) {
  return httpEvent({ durationMs: 3.25, span: clientSpan(span), ...over });
}

const open: Array<{ close(): Promise<void> } | MeshTracing> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await ('flush' in o ? o.shutdown() : o.close());
});

async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  open.push(r);
  return r;
}

type TestTracing = MeshTracing & { readonly errors: Error[] };

function tracing(options: Partial<MeshTracingOptions> & { errors?: Error[] }): TestTracing {
  const { errors = [], ...rest } = options;
  const t = createMeshTracing({ node, onError: (e) => errors.push(e), ...rest });
  open.push(t);
  return Object.assign(t, { errors });
}

/** Flushes, fails at once (with the exporter's reason) if the export failed, then collects. */
async function received(t: TestTracing, r: OtlpReceiver, n = 1) {
  await t.flush();
  const failed = t.errors.find((e) => e.message.startsWith('exporting'));
  if (failed) throw failed;
  return r.waitForSpans(n);
}

// W3C trace flags (sampled) | OTLP's "has is_remote" | "is_remote".
const SAMPLED_REMOTE_PARENT = 0x01 | 0x100 | 0x200;
const SAMPLED_NO_PARENT = 0x01 | 0x100;

describe.each([
  ['http/protobuf', 'application/x-protobuf'],
  ['http/json', 'application/json'],
])('OTLP %s', (protocol, contentType) => {
  it('exports a client span with the ids, times, status, attributes and resource', async () => {
    const r = await receiver();
    const errors: Error[] = [];
    const t = tracing({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol },
      errors,
    });

    publishSpan(sampled({ traceState: 'congo=t61rcWkgMzE' }));
    const [span] = await received(t, r);

    expect(r.requests().map((q) => [q.path, q.contentType])).toEqual([['/v1/traces', contentType]]);
    expect(span).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: PARENT,
      traceState: 'congo=t61rcWkgMzE',
      flags: SAMPLED_REMOTE_PARENT,
      name: 'reviews.default.svc.cluster.local:9080/*',
      kind: 'client',
      startTimeUnixNano: 1_700_000_000_123_500_000n,
      endTimeUnixNano: 1_700_000_000_126_750_000n,
      status: { code: 'unset', message: '' },
      attributes: {
        // Envoy's tags, as the strings Envoy sends.
        component: 'proxy',
        node_id: node.id,
        'istio.namespace': 'default',
        'istio.canonical_service': 'productpage',
        'istio.canonical_revision': 'v1',
        'http.method': 'GET',
        'http.url': 'http://reviews:9080/reviews/0?x=1',
        'http.protocol': 'HTTP/1.1',
        'http.status_code': '200',
        response_flags: '-',
        request_size: '120',
        response_size: '1800',
        upstream_cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local',
        'upstream_cluster.name': 'outbound|9080|v2|reviews.default.svc.cluster.local',
        upstream_address: '127.0.0.1:20002',
        'guid:x-request-id': '8e6f1c1a-1d9b-4d53-9a4c-0b1e0f6a6b1e',
        // Ours, and Istio's metric labels for both ends.
        'retry.count': 1,
        'istio.source_workload': 'productpage-v1',
        'istio.source_workload_namespace': 'default',
        'istio.destination_workload': 'reviews-v2',
        'istio.destination_workload_namespace': 'default',
        'istio.destination_service': 'reviews.default.svc.cluster.local',
        // OpenTelemetry semantic conventions.
        'http.request.method': 'GET',
        'url.full': 'http://reviews:9080/reviews/0?x=1',
        'http.response.status_code': 200,
        'http.request.resend_count': 1,
        'http.request.size': 120,
        'http.response.size': 1800,
      },
      resource: expect.objectContaining({
        'service.name': 'productpage.default',
        'service.namespace': 'default',
        'service.instance.id': node.id,
        'k8s.namespace.name': 'default',
        'telemetry.sdk.language': 'nodejs',
      }),
      scope: { name: 'mesh-proxy', version: '' },
    });
    expect(errors).toEqual([]);
  });

  it('exports a root server span, in error for a 5xx, without a parent', async () => {
    const r = await receiver();
    const t = tracing({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol },
    });

    publishSpan(
      sampled(
        {
          kind: 'server',
          parentSpanId: undefined,
          upstreamCluster: 'inbound|9080||',
          retryCount: 0,
          requestId: undefined,
        },
        { reporter: 'destination', responseCode: 503, responseFlags: 'UF' },
      ),
    );
    const [span] = await received(t, r);

    expect(span).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: '',
      traceState: '',
      flags: SAMPLED_NO_PARENT,
      kind: 'server',
      status: { code: 'error' },
    });
    expect(span?.attributes).toMatchObject({
      'http.status_code': '503',
      'http.response.status_code': 503,
      response_flags: 'UF',
      error: 'true',
      upstream_cluster: 'inbound|9080||',
      'retry.count': 0,
    });
    expect(span?.attributes).not.toHaveProperty('guid:x-request-id');
    expect(span?.attributes).not.toHaveProperty('http.request.resend_count');
  });
});

describe('span status and attributes', () => {
  it.each<[string, number, 'unset' | 'error']>([
    ['a 2xx is unset', 200, 'unset'],
    ['a 4xx is unset (Envoy marks only 5xx)', 404, 'unset'],
    ['a 5xx is an error', 500, 'error'],
    ['no response at all (0) is an error', 0, 'error'],
  ])('%s', async (_rule, responseCode, code) => {
    const r = await receiver();
    const t = tracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url } });
    publishSpan(sampled({}, { responseCode }));
    const [span] = await received(t, r);
    expect(span?.status.code).toBe(code);
    expect(span?.attributes['error']).toBe(code === 'error' ? 'true' : undefined);
    expect(span?.attributes['http.response.status_code']).toBe(responseCode || undefined);
  });

  it('unknown peers and a missing version are left out or defaulted as Istio does', async () => {
    const r = await receiver();
    const t = tracing({
      node: { ...node, app: 'unknown', version: 'unknown' },
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url },
    });
    const unknownPeer = {
      workload: 'unknown',
      namespace: 'unknown',
      app: 'unknown',
      version: 'unknown',
    };
    publishSpan(
      sampled(
        {},
        {
          source: unknownPeer,
          destination: {
            ...unknownPeer,
            service: 'unknown',
            serviceName: 'unknown',
            serviceNamespace: 'unknown',
          },
          requestProtocol: 'grpc',
          grpcResponseStatus: '14',
        },
      ),
    );
    const [span] = await received(t, r);
    expect(span?.resource['service.name']).toBe('productpage-v1.default');
    expect(span?.attributes).toMatchObject({
      'istio.canonical_service': 'productpage-v1',
      'istio.canonical_revision': 'latest',
      'grpc.status_code': '14',
    });
    for (const key of Object.keys(span?.attributes ?? {})) {
      expect(key).not.toMatch(/^istio\.(source|destination)_/);
    }
  });
});

describe('exporter configuration', () => {
  it('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is; headers, gzip reach the collector', async () => {
    const r = await receiver();
    const t = tracing({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${r.url}/v1/traces`,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=generic',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=traces',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      },
    });
    publishSpan(sampled());
    await received(t, r);
    const [request] = r.requests();
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer abc',
      'x-tenant': 'traces',
      'content-encoding': 'gzip',
    });
  });

  it('http/protobuf: spans go in batches of 512 unless OTEL_BSP_MAX_EXPORT_BATCH_SIZE says otherwise', async () => {
    const batchesOf = async (env: Record<string, string>, n: number) => {
      const r = await receiver();
      const t = tracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, ...env } });
      const ids = Array.from({ length: n }, (_, i) => spanIdOf(i));
      for (const spanId of ids) publishSpan(sampled({ spanId }));
      await received(t, r, n);
      // Unsubscribed before the next tracing publishes.
      await t.shutdown();
      expect(r.spans().map((s) => s.spanId)).toEqual(ids);
      return r.requests().length;
    };
    expect(await batchesOf({}, 1100)).toBe(3);
    expect(await batchesOf({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100' }, 250)).toBe(3);
  });

  it('http/protobuf: spans past OTEL_BSP_MAX_QUEUE_SIZE are dropped and reported', async () => {
    const r = await receiver();
    const errors: Error[] = [];
    const t = tracing({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: r.url,
        OTEL_BSP_MAX_QUEUE_SIZE: '10',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
      },
      errors,
    });
    for (let i = 0; i < 15; i++) {
      publishSpan(sampled({ spanId: spanIdOf(i) }));
    }
    await received(t, r, 10);
    expect(r.spans()).toHaveLength(10);
    expect(errors.map((e) => e.message)).toEqual([
      'dropped 5 spans: 10 (OTEL_BSP_MAX_QUEUE_SIZE) were waiting to be exported',
    ]);
  });

  it("through the SDK's processor (an exporter given, or http/json), at most 64 spans at a time unless OTEL_BSP_MAX_EXPORT_BATCH_SIZE says otherwise", async () => {
    const batchesOf = async (env: Record<string, string>) => {
      const sizes: number[] = [];
      const exporter: NonNullable<MeshTracingOptions['exporter']> = {
        export(spans, done) {
          sizes.push(spans.length);
          done({ code: 0 });
        },
        shutdown: () => Promise.resolve(),
      };
      const t = tracing({ env, exporter });
      for (let i = 0; i < 150; i++) publishSpan(sampled({ spanId: spanIdOf(i) }));
      await t.flush();
      await t.shutdown();
      return sizes;
    };
    const small = await batchesOf({});
    expect(small.reduce((a, b) => a + b, 0)).toBe(150);
    expect(Math.max(...small)).toBe(64);
    const configured = await batchesOf({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100' });
    expect(configured.reduce((a, b) => a + b, 0)).toBe(150);
    expect(Math.max(...configured)).toBe(100);
  });

  it('without an env option the exporter reads process.env itself', async () => {
    const r = await receiver();
    const saved = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = r.url;
    let t: TestTracing;
    try {
      t = tracing({}); // the exporter reads its settings here
    } finally {
      if (saved === undefined) delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
      else process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = saved;
    }
    publishSpan(sampled());
    expect((await received(t, r)).map((s) => s.spanId)).toEqual([SPAN]);
  });

  it('grpc is reported as unsupported and http/protobuf is used', async () => {
    const r = await receiver();
    const errors: Error[] = [];
    const t = tracing({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' },
      errors,
    });
    expect(errors.map((e) => e.message)).toEqual([
      'OTLP protocol grpc is not supported; using http/protobuf',
    ]);
    publishSpan(sampled());
    await received(t, r);
    expect(r.requests()[0]?.contentType).toBe('application/x-protobuf');
  });

  it('a failed export goes to onError; flush still resolves', async () => {
    const r = await receiver();
    const errors: Error[] = [];
    const t = tracing({
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${r.url}/not-traces` },
      errors,
    });
    publishSpan(sampled());
    await expect(t.flush()).resolves.toBeUndefined();
    expect(r.requests().map((q) => q.path)).toEqual(['/not-traces']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe('exporting 1 spans failed: Not Found (HTTP 404)');
  });
});

describe('exports through the POST the process hands in', () => {
  /** A real POST (fetch), counted. */
  function countedPost(): HttpPost & { calls: number } {
    const post = Object.assign(
      (request: Parameters<HttpPost>[0]) => {
        post.calls++;
        return fetchPost(request);
      },
      { calls: 0 },
    );
    return post;
  }

  it('sends http/protobuf batches through it, with the configured headers', async () => {
    const r = await receiver();
    const post = countedPost();
    const t = tracing({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a' },
      post,
    });
    publishSpan(sampled());
    const [span] = await received(t, r);
    expect(span?.spanId).toBe(SPAN);
    expect(post.calls).toBe(1);
    expect(r.requests()[0]).toMatchObject({
      path: '/v1/traces',
      contentType: 'application/x-protobuf',
      headers: { 'x-tenant': 'a' },
    });
  });

  it('reports a refused export as the exporter does', async () => {
    const r = await receiver();
    const errors: Error[] = [];
    const post = countedPost();
    const t = tracing({
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${r.url}/not-traces` },
      errors,
      post,
    });
    publishSpan(sampled());
    await t.flush();
    expect(post.calls).toBe(1);
    expect(errors.map((e) => e.message)).toEqual([
      'exporting 1 spans failed: Not Found (HTTP 404)',
    ]);
  });

  it('leaves gzip and http/json to the exporter', async () => {
    for (const env of [
      { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' },
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    ]) {
      const r = await receiver();
      const post = countedPost();
      const t = tracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, ...env }, post });
      publishSpan(sampled());
      await received(t, r);
      await t.shutdown();
      expect(post.calls).toBe(0);
    }
  });
});

describe('what is not exported', () => {
  it('an event without a span exports nothing', async () => {
    const r = await receiver();
    const t = tracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url } });
    publishSpan(httpEvent());
    publishSpan(sampled({ spanId: 'aaaaaaaaaaaaaaaa' }));
    await received(t, r);
    expect(r.spans().map((s) => s.spanId)).toEqual(['aaaaaaaaaaaaaaaa']);
  });

  it('broken events never throw into the publisher; they are reported and skipped', async () => {
    const r = await receiver();
    const errors: Error[] = [];
    const t = tracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url }, errors });
    const broken: unknown[] = [
      null,
      42,
      { span: 'not an object' },
      sampled({ traceId: 'XYZ' }),
      sampled({ traceId: '0'.repeat(32) }),
      sampled({ spanId: '0'.repeat(16) }),
      sampled({ parentSpanId: 'short' }),
      sampled({ kind: 'internal' as ProxySpan['kind'] }),
      sampled({ startTimeUnixMs: NaN }),
      sampled({}, { durationMs: -1 }),
      sampled({ retryCount: undefined as unknown as number }),
      sampled({ url: undefined as unknown as string }),
      // A getter that throws stands for any bug the checks do not foresee.
      Object.defineProperty(sampled(), 'span', {
        get() {
          throw new Error('boom');
        },
      }),
    ];
    for (const event of broken) expect(() => publishSpan(event)).not.toThrow();
    publishSpan(sampled({ spanId: 'cccccccccccccccc' }));
    await received(t, r);

    expect(r.spans().map((s) => s.spanId)).toEqual(['cccccccccccccccc']);
    expect(errors.map((e) => e.message)).toEqual([
      'dropped a span on mesh:proxy:span: span is not an object',
      'dropped a span on mesh:proxy:span: bad traceId',
      'dropped a span on mesh:proxy:span: bad traceId',
      'dropped a span on mesh:proxy:span: bad spanId',
      'dropped a span on mesh:proxy:span: bad parentSpanId',
      'dropped a span on mesh:proxy:span: bad kind',
      'dropped a span on mesh:proxy:span: bad startTimeUnixMs',
      'dropped a span on mesh:proxy:span: bad durationMs',
      'dropped a span on mesh:proxy:span: bad retryCount',
      'dropped a span on mesh:proxy:span: bad url',
      'boom',
    ]);
  });

  it('an onError that throws does not reach the publisher either', () => {
    tracing({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' },
      onError: () => {
        throw new Error('callback bug');
      },
    });
    expect(() => publishSpan(sampled({ traceId: 'bad' }))).not.toThrow();
  });
});

describe('shutdown', () => {
  it('exports what is pending, stops listening, and is idempotent', async () => {
    const r = await receiver();
    const t = createMeshTracing({ node, env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url } });
    publishSpan(sampled({ spanId: 'dddddddddddddddd' }));
    const first = t.shutdown();
    expect(t.shutdown()).toBe(first);
    await first;
    publishSpan(sampled({ spanId: 'eeeeeeeeeeeeeeee' }));
    await t.flush();
    expect(r.spans().map((s) => s.spanId)).toEqual(['dddddddddddddddd']);
  });
});
