// What exporting one span costs a sidecar's process: sampled HTTP events, as the proxy publishes
// them on SPAN_CHANNEL, go through createMeshTracing (the proxy app's exporter: OpenTelemetry's
// BatchSpanProcessor and OTLP/HTTP protobuf exporter) to the bench's telemetry sink, a separate
// process on CPU 0 that counts what arrives. This process runs on CPU 1 with the sidecar's young
// generation (--max-semi-space-size=1, as the bin's shebang); the figure is its CPU per span, from
// the first publish to the last span acknowledged.
//
//   npm run bench:spans -w @mesh/e2e [-- --spans 20000 --repeats 3]
import { randomBytes } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SPAN_CHANNEL, type HttpRequestEvent } from '@mesh/telemetry/events';
import { createMeshTracing } from '@mesh/telemetry/tracing';
import { startTelemetrySink } from './proxy-mesh.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '20000' },
    repeats: { type: 'string', default: '3' },
  },
});
const spans = Number(values.spans);
const repeats = Number(values.repeats);
if (!(spans > 0) || !(repeats > 0)) throw new Error('--spans and --repeats must be positive');

const work = mkdtempSync(join(tmpdir(), 'span-export-'));
const sink = await startTelemetrySink(work, 0, 600);
const tracing = createMeshTracing({
  node: {
    id: 'sidecar~127.0.0.1~reviews-v1-1.default~default.svc.cluster.local',
    workload: 'reviews-v1',
    namespace: 'default',
    app: 'reviews',
    version: 'v1',
  },
  env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sink.tracesEndpoint },
  onError: (err) => console.error(err.message),
});
const spanChannel = channel(SPAN_CHANNEL);

// Frozen peers, as the proxy reuses them.
const source = Object.freeze({
  workload: 'productpage-v1',
  namespace: 'default',
  app: 'productpage',
  version: 'v1',
});
const destination = Object.freeze({
  workload: 'reviews-v1',
  namespace: 'default',
  app: 'reviews',
  version: 'v1',
  service: 'reviews.default.svc.cluster.local',
  serviceName: 'reviews',
  serviceNamespace: 'default',
});
const event = (): HttpRequestEvent => ({
  reporter: 'destination',
  requestProtocol: 'http',
  responseCode: 200,
  responseFlags: '-',
  durationMs: 1.3,
  requestBytes: 180,
  responseBytes: 1100,
  source,
  destination,
  connectionSecurityPolicy: 'none',
  span: {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    parentSpanId: randomBytes(8).toString('hex'),
    kind: 'server',
    startTimeUnixMs: Date.now(),
    method: 'GET',
    url: 'http://reviews:9080/reviews/0',
    name: 'reviews.default.svc.cluster.local:9080/*',
    upstreamCluster: 'inbound|9080||',
    upstreamHost: '127.0.0.1:9080',
    retryCount: 0,
    requestId: '3f6c2b1e-8c1d-4a6e-9b2f-0d4e5f6a7b8c',
    protocol: 'HTTP/1.1',
  },
});

async function publish(n: number): Promise<number> {
  // Built first: the measured CPU is the exporter's, not the benchmark's.
  const events = Array.from({ length: n }, event);
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    spanChannel.publish(events[i]);
    // One full batch (the processor's 512) at a time: published faster than exported, spans
    // past its queue of 2,048 would be dropped, and a dropped span costs nothing.
    if (i % 512 === 511) await tracing.flush();
  }
  await tracing.flush();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

try {
  await publish(2000); // warm-up: JIT, the exporter's connection
  const results: number[] = [];
  for (let r = 0; r < repeats; r++) results.push(await publish(spans));
  const received = (await sink.counters()).spans;
  const sent = 2000 + spans * repeats;
  console.log(
    `span export: ${median(results).toFixed(1)} µs of CPU per span (median of ${repeats} x ${spans}; ` +
      `runs ${results.map((r) => r.toFixed(1)).join(', ')}); the sink counted ${received} of ${sent} spans`,
  );
  if (received !== sent) process.exitCode = 1;
} finally {
  await tracing.shutdown();
  await sink.proc.stop(2000);
  rmSync(work, { recursive: true, force: true });
}
