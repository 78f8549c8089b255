// The queue's batching rules, with a `send` that records what it was given: the bytes are checked
// by tracing.test.ts at a real receiver, the batching here.
import protobuf from 'protobufjs';
import type { HttpRequestEvent, ProxySpan } from './events.js';
import {
  createSpanQueue as createQueue,
  spanQueueSettings,
  type SendBatch,
  type SpanQueueSettings,
  ENCODE_EVERY,
} from './otlp-span-queue.js';
import { httpEvent } from './test-support/events.js';
import { resourceField, scopeField } from './otlp-span-encoding.js';
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

/** Span ids in one request, read back with protobufjs: resource_spans(1) > scope_spans(2) > spans(2) > span_id(2). */
function spanIds(request: Buffer): string[] {
  const fields = (bytes: Uint8Array, wanted: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    const r = protobuf.Reader.create(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === wanted && (tag & 7) === 2) out.push(r.bytes());
      else r.skipType(tag & 7);
    }
    return out;
  };
  const [resourceSpans, ...more] = fields(request, 1);
  expect(more).toEqual([]);
  const [scopeSpans] = fields(resourceSpans!, 2);
  return fields(scopeSpans!, 2).flatMap((span) =>
    fields(span, 2).map((id) => Buffer.from(id).toString('hex')),
  );
}

const source = {
  node,
  resource: resourceField({ 'service.name': 'reviews.default' }),
  scope: scopeField({ name: 'mesh-proxy' }),
};

/** A queue whose encoding errors fail the test unless it passes its own onError. */
function createSpanQueue(
  from: typeof source,
  s: SpanQueueSettings,
  send: SendBatch,
  onError: (err: Error) => void = (err) => {
    throw err;
  },
) {
  return createQueue(from, s, send, onError);
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
    const queue = createSpanQueue(source, settings({ maxExportBatchSize: 4 }), send);
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
      source,
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
      source,
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
      source,
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

  it('a span that cannot be encoded is reported and left out of its batch', async () => {
    const sent: string[][] = [];
    const errors: string[] = [];
    const queue = createSpanQueue(
      source,
      settings(),
      (spans, _, done) => {
        sent.push(spanIds(Buffer.from(spans)));
        done();
      },
      (err) => errors.push(err.message),
    );
    queue.add(...sampled(1));
    const [event, span] = sampled(2);
    const broken = {
      ...span,
      get url(): string {
        throw new Error('boom');
      },
    };
    queue.add(event, broken);
    queue.add(...sampled(3));
    await queue.flush();
    expect(sent).toEqual([[spanIdOf(1), spanIdOf(3)]]);
    expect(errors).toEqual(['boom']);
  });

  it(`holds spans and encodes them ${ENCODE_EVERY} at a time`, async () => {
    const sent: string[][] = [];
    const queue = createSpanQueue(source, settings(), (spans, _, done) => {
      sent.push(spanIds(Buffer.from(spans)));
      done();
    });
    const events = Array.from({ length: ENCODE_EVERY + 1 }, (_, i) => sampled(i));
    for (const [event, span] of events.slice(0, ENCODE_EVERY - 1)) queue.add(event, span);
    // Not encoded yet: a change to a held span still shows.
    const [lastEvent, lastSpan] = events[ENCODE_EVERY - 2]!;
    (lastSpan as { spanId: string }).spanId = spanIdOf(1000);
    queue.add(...events[ENCODE_EVERY - 1]!);
    // Encoded now: later changes do not.
    (lastSpan as { spanId: string }).spanId = spanIdOf(2000);
    queue.add(...events[ENCODE_EVERY]!);
    await queue.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toHaveLength(ENCODE_EVERY + 1);
    expect(sent[0]![ENCODE_EVERY - 2]).toBe(spanIdOf(1000));
    expect(lastEvent.span).toBe(lastSpan);
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
