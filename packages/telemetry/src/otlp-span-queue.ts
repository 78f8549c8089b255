// The batching half of span export for spans already encoded (otlp-span-encoding.ts): what the
// SDK's BatchSpanProcessor does, with bytes instead of span objects, under the same OTEL_BSP_*
// settings. A batch goes out when it holds OTEL_BSP_MAX_EXPORT_BATCH_SIZE spans or
// OTEL_BSP_SCHEDULE_DELAY after its first span, one export at a time; past
// OTEL_BSP_MAX_QUEUE_SIZE spans waiting, new ones are dropped and counted.
//
// Spans are encoded ENCODE_EVERY at a time, not one by one as they arrive. At 1% sampling a span
// comes every ~100 requests, and the code and data that encode it are cold by then: timed inside
// a sidecar at saturation, encoding one span on arrival took ~70 µs of wall time; in batches of
// 32, 14-25 µs a span. A held span is an event the proxy no longer touches (events.ts).
import type { HttpRequestEvent, ProxySpan } from './events.js';
import { ProtoBuffer, requestRoom, writeSpan } from './otlp-span-encoding.js';
import type { Env } from './tracing-config.js';
import type { NodeTags } from './tracing-span.js';

export interface SpanQueueSettings {
  readonly maxExportBatchSize: number;
  readonly maxQueueSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
}

/** The SDK's defaults, and OTEL_BSP_* where set to a positive number. */
export function spanQueueSettings(env: Env): SpanQueueSettings {
  const read = (name: string, fallback: number) => {
    const n = Number(env[name]);
    return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
  };
  const maxQueueSize = read('OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  return {
    // As the SDK does, a batch is never larger than the queue.
    maxExportBatchSize: Math.min(read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512), maxQueueSize),
    maxQueueSize,
    scheduledDelayMillis: read('OTEL_BSP_SCHEDULE_DELAY', 5000),
    exportTimeoutMillis: read('OTEL_BSP_EXPORT_TIMEOUT', 30000),
  };
}

/** Spans held before they are encoded together. */
export const ENCODE_EVERY = 32;

/** Sends one batch: `request` is an ExportTraceServiceRequest of `count` spans. */
export type SendBatch = (request: Buffer, count: number, done: (error?: Error) => void) => void;

/** Who the spans are from, encoded once (resourceField(), scopeField()). */
export interface SpanSource {
  readonly node: NodeTags;
  readonly resource: Buffer;
  readonly scope: Buffer;
}

export interface SpanQueue {
  /** Queues a checked span; it is encoded later, with others. */
  add(event: HttpRequestEvent, span: ProxySpan): void;
  /** Sends everything queued; resolves when the last export has finished, failed or timed out. */
  flush(): Promise<void>;
  /** Spans dropped because the queue was full, since the last call. */
  takeDropped(): number;
}

interface Batch {
  readonly request: Buffer;
  readonly count: number;
}

export function createSpanQueue(
  source: SpanSource,
  settings: SpanQueueSettings,
  send: SendBatch,
  /** A span that could not be encoded; it is left out of its batch. */
  onError: (err: Error) => void,
): SpanQueue {
  const held: Array<readonly [HttpRequestEvent, ProxySpan]> = [];
  // One buffer for the batch being encoded, reused: a new one per batch grew by doubling, and each
  // growth was a copy plus fresh pages, milliseconds at a time.
  const spansStart = requestRoom(source.resource, source.scope);
  const open = new ProtoBuffer(64 * 1024);
  open.pos = spansStart;
  let openCount = 0;
  const ready: Batch[] = [];
  /** Held, encoded and being sent: what OTEL_BSP_MAX_QUEUE_SIZE bounds. */
  let queued = 0;
  let dropped = 0;
  let sending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idle: Array<() => void> = [];

  const closeOpen = () => {
    ready.push({
      request: open.takeRequest(spansStart, source.resource, source.scope),
      count: openCount,
    });
    openCount = 0;
  };

  const encodeHeld = () => {
    for (const [event, span] of held.splice(0)) {
      const mark = open.pos;
      try {
        writeSpan(open, event, span, source.node);
      } catch (err) {
        // Half a span would corrupt the whole batch.
        open.pos = mark;
        queued--;
        onError(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      openCount++;
      if (openCount >= settings.maxExportBatchSize) closeOpen();
    }
  };

  /** Everything held or encoded becomes a batch to send. */
  const seal = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    encodeHeld();
    if (openCount > 0) closeOpen();
  };

  const pump = () => {
    if (sending) return;
    const batch = ready.shift();
    if (!batch) {
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
      return;
    }
    sending = true;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      queued -= batch.count;
      sending = false;
      pump();
    };
    // An export that never answers must not stop the queue; the transport has its own timeout.
    const guard = setTimeout(finish, settings.exportTimeoutMillis).unref();
    try {
      send(batch.request, batch.count, finish);
    } catch {
      finish();
    }
  };

  return {
    add(event, span) {
      if (queued >= settings.maxQueueSize) {
        dropped++;
        return;
      }
      held.push([event, span]);
      queued++;
      if (held.length >= ENCODE_EVERY || held.length + openCount >= settings.maxExportBatchSize) {
        encodeHeld();
        pump();
      }
      if (timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          seal();
          pump();
        }, settings.scheduledDelayMillis).unref();
      }
    },
    flush() {
      seal();
      if (!sending && ready.length === 0) return Promise.resolve();
      const done = new Promise<void>((resolve) => idle.push(resolve));
      pump();
      return done;
    },
    takeDropped() {
      const n = dropped;
      dropped = 0;
      return n;
    },
  };
}
