// The batching half of span export for spans already encoded (otlp-span-encoding.ts): what the
// SDK's BatchSpanProcessor does, with bytes instead of span objects, under the same OTEL_BSP_*
// settings. A batch goes out when it holds OTEL_BSP_MAX_EXPORT_BATCH_SIZE spans or
// OTEL_BSP_SCHEDULE_DELAY after its first span, one export at a time; past
// OTEL_BSP_MAX_QUEUE_SIZE spans waiting, new ones are dropped and counted.
import type { HttpRequestEvent, ProxySpan } from './events.js';
import { ProtoBuffer, writeSpan } from './otlp-span-encoding.js';
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

/** Sends one batch: `spans` is the concatenated ScopeSpans entries of `count` spans. */
export type SendBatch = (spans: Buffer, count: number, done: (error?: Error) => void) => void;

export interface SpanQueue {
  add(event: HttpRequestEvent, span: ProxySpan): void;
  /** Sends everything queued; resolves when the last export has finished, failed or timed out. */
  flush(): Promise<void>;
  /** Spans dropped because the queue was full, since the last call. */
  takeDropped(): number;
}

interface Batch {
  readonly buffer: ProtoBuffer;
  count: number;
}

export function createSpanQueue(
  node: NodeTags,
  settings: SpanQueueSettings,
  send: SendBatch,
): SpanQueue {
  let open: Batch | undefined;
  const ready: Batch[] = [];
  let queued = 0;
  let dropped = 0;
  let sending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idle: Array<() => void> = [];

  const seal = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (open && open.count > 0) ready.push(open);
    open = undefined;
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
      send(batch.buffer.bytes(), batch.count, finish);
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
      open ??= { buffer: new ProtoBuffer(), count: 0 };
      const mark = open.buffer.pos;
      try {
        writeSpan(open.buffer, event, span, node);
      } catch (err) {
        // Half a span would corrupt the whole batch.
        open.buffer.pos = mark;
        throw err;
      }
      open.count++;
      queued++;
      if (open.count >= settings.maxExportBatchSize) {
        seal();
        pump();
      } else if (timer === undefined) {
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
