// The queue's batching rules, with a `send` that records what it was given: the bytes are checked
// by tracing.test.ts at a real receiver, the batching here.
import protobuf from 'protobufjs';
import type { HttpRequestEvent, ProxySpan } from './events.js';
import {
  createSpanQueue,
  spanQueueSettings,
  type SendBatch,
  type SpanQueueSettings,
} from './otlp-span-queue.js';
import { httpEvent } from './test-support/events.js';
import { nodeAttributes } from './tracing-span.js';

/** A distinct 16-hex-digit span id per i. */
function spanIdOf(i: number): string {
  return `a5a5a5a5${(0x10000000 + i).toString(16)}`;
}

const node = nodeAttributes({
  id: 'sidecar~127.0.0.1~reviews-v1-1.default~default.svc.cluster.local',
  workload: 'reviews-v1',
  namespace: 'default',
  app: 'reviews',
  version: 'v1',
});

function sampled(i: number): [HttpRequestEvent, ProxySpan] {
  const span: ProxySpan = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: spanIdOf(i),
    kind: 'server',
    startTimeUnixMs: 1_700_000_000_000 + i,
    method: 'GET',
    url: 'http://reviews:9080/reviews/0',
    name: 'reviews.default.svc.cluster.local:9080/*',
    retryCount: 0,
    protocol: 'HTTP/1.1',
  };
  return [httpEvent({ span }), span];
}

/** Span ids in one batch, read back with protobufjs: field 2 entries, span_id is field 2. */
function spanIds(batch: Buffer): string[] {
  const ids: string[] = [];
  const r = protobuf.Reader.create(batch);
  while (r.pos < r.len) {
    expect(r.uint32()).toBe((2 << 3) | 2);
    const span = protobuf.Reader.create(r.bytes());
    while (span.pos < span.len) {
      const tag = span.uint32();
      if (tag >>> 3 === 2) ids.push(Buffer.from(span.bytes()).toString('hex'));
      else span.skipType(tag & 7);
    }
  }
  return ids;
}

const settings = (over: Partial<SpanQueueSettings> = {}): SpanQueueSettings => ({
  maxExportBatchSize: 512,
  maxQueueSize: 2048,
  scheduledDelayMillis: 5000,
  exportTimeoutMillis: 30000,
  ...over,
});

describe('span queue', () => {
  it('sends a batch when it is full, the rest on flush, one export at a time', async () => {
    const sent: Array<{ ids: string[]; count: number }> = [];
    const pending: Array<() => void> = [];
    const send: SendBatch = (spans, count, done) => {
      sent.push({ ids: spanIds(Buffer.from(spans)), count });
      pending.push(() => done());
    };
    const queue = createSpanQueue(node, settings({ maxExportBatchSize: 4 }), send);
    for (let i = 0; i < 10; i++) queue.add(...sampled(i));
    // The first full batch went out; the second waits for it.
    expect(sent.map((s) => s.count)).toEqual([4]);
    pending.shift()!();
    expect(sent.map((s) => s.count)).toEqual([4, 4]);
    const flushed = queue.flush();
    pending.shift()!();
    pending.shift()!();
    await flushed;
    expect(sent.map((s) => s.count)).toEqual([4, 4, 2]);
    expect(sent.flatMap((s) => s.ids)).toEqual(Array.from({ length: 10 }, (_, i) => spanIdOf(i)));
  });

  it('sends a partial batch after the scheduled delay', async () => {
    const counts: number[] = [];
    const queue = createSpanQueue(
      node,
      settings({ scheduledDelayMillis: 20 }),
      (_, count, done) => {
        counts.push(count);
        done();
      },
    );
    queue.add(...sampled(1));
    queue.add(...sampled(2));
    expect(counts).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(counts).toEqual([2]);
  });

  it('drops and counts spans past the queue size, counting those in flight', async () => {
    const pending: Array<() => void> = [];
    const counts: number[] = [];
    const queue = createSpanQueue(
      node,
      settings({ maxExportBatchSize: 5, maxQueueSize: 10 }),
      (_, count, done) => {
        counts.push(count);
        pending.push(() => done());
      },
    );
    for (let i = 0; i < 25; i++) queue.add(...sampled(i));
    expect(queue.takeDropped()).toBe(15);
    expect(queue.takeDropped()).toBe(0);
    pending.shift()!();
    // The first batch is done: five more fit.
    for (let i = 0; i < 7; i++) queue.add(...sampled(100 + i));
    expect(queue.takeDropped()).toBe(2);
    const flushed = queue.flush();
    while (pending.length > 0) pending.shift()!();
    await flushed;
    expect(counts).toEqual([5, 5, 5]);
  });

  it('an export that never answers is given up after the export timeout', async () => {
    const counts: number[] = [];
    const queue = createSpanQueue(
      node,
      settings({ maxExportBatchSize: 1, exportTimeoutMillis: 20 }),
      (_, count) => counts.push(count),
    );
    queue.add(...sampled(1));
    queue.add(...sampled(2));
    const started = Date.now();
    await queue.flush();
    expect(counts).toEqual([1, 1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('a span that cannot be encoded leaves the batch as it was', async () => {
    const sent: string[][] = [];
    const queue = createSpanQueue(node, settings(), (spans, _, done) => {
      sent.push(spanIds(Buffer.from(spans)));
      done();
    });
    queue.add(...sampled(1));
    const [event, span] = sampled(2);
    const broken = {
      ...span,
      get url(): string {
        throw new Error('boom');
      },
    };
    expect(() => queue.add(event, broken)).toThrow('boom');
    queue.add(...sampled(3));
    await queue.flush();
    expect(sent).toEqual([[spanIdOf(1), spanIdOf(3)]]);
  });
});

describe('span queue settings', () => {
  it("are the SDK's defaults unless OTEL_BSP_* say otherwise; a batch never exceeds the queue", () => {
    expect(spanQueueSettings({})).toEqual({
      maxExportBatchSize: 512,
      maxQueueSize: 2048,
      scheduledDelayMillis: 5000,
      exportTimeoutMillis: 30000,
    });
    expect(
      spanQueueSettings({
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100',
        OTEL_BSP_MAX_QUEUE_SIZE: '50',
        OTEL_BSP_SCHEDULE_DELAY: '250',
        OTEL_BSP_EXPORT_TIMEOUT: 'soon',
      }),
    ).toEqual({
      maxExportBatchSize: 50,
      maxQueueSize: 50,
      scheduledDelayMillis: 250,
      exportTimeoutMillis: 30000,
    });
  });
});
