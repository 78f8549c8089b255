// The one watch loop both backends share. A backend only has to offer a raw watch (which may
// end because history was compacted or the connection dropped) and a list at a revision; this
// module turns that into a watch that neither loses nor repeats an event.
//
// How: the loop remembers, for every key under the prefix, the modRevision and value the
// consumer has seen (seeded from a list at fromRevision - 1, or "now"), plus a watermark: the
// highest revision delivered. A raw event is delivered only if it is newer than the watermark
// (or at the watermark for a key not yet delivered there: one etcd revision can change several
// keys). After a disconnect the raw watch is reopened at the watermark, so replays are dropped.
// When the raw watch reports compaction, the loop lists the prefix and emits exactly the
// difference between what it remembers and the list: puts for new or changed keys, deletes for
// keys that vanished. Then it watches again from list revision + 1.
import { CompactedError, StoreClosedError, StoreUnavailableError } from './errors.js';
import type { KeyValue, ListResult, WatchEvent, WatchOptions } from './types.js';

/** What a raw watch reports. `end` means the store was closed. */
export type RawSignal =
  | { kind: 'event'; event: WatchEvent }
  | { kind: 'compacted' }
  | { kind: 'disconnected'; error: unknown }
  | { kind: 'end' };

export interface RawWatchSource {
  list(prefix: string, revision?: number): Promise<ListResult>;
  /** Starts delivering changes with modRevision >= fromRevision; returns a function that stops. */
  openRaw(prefix: string, fromRevision: number, emit: (signal: RawSignal) => void): () => void;
}

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1000;

interface Known {
  modRevision: number;
  value: string;
}

/**
 * Starts the watch now (the baseline list is requested at call time, so "from now" means the
 * moment of the call, not of the first `next()`), and returns it as an async iterable.
 */
export function resyncingWatch(
  source: RawWatchSource,
  prefix: string,
  options: WatchOptions = {},
): AsyncIterable<WatchEvent> {
  const { fromRevision, baseline } = options;
  let first: Promise<ListResult> | undefined;
  if (baseline !== undefined && fromRevision !== undefined) {
    first = Promise.resolve({ items: [...baseline], revision: fromRevision - 1 });
  } else if (fromRevision === undefined) {
    first = source.list(prefix);
  } else if (fromRevision > 1) {
    first = source.list(prefix, fromRevision - 1);
  }
  // Failures are handled when iterated; this only stops an unhandled-rejection report meanwhile.
  first?.catch(() => undefined);
  return run(source, prefix, options, first);
}

async function* run(
  source: RawWatchSource,
  prefix: string,
  options: WatchOptions,
  first: Promise<ListResult> | undefined,
): AsyncGenerator<WatchEvent, void, undefined> {
  const { signal } = options;
  const known = new Map<string, Known>();
  let watermark = 0;
  let atWatermark = new Set<string>();
  // True while the watermark comes from a list: every change at that revision is then known.
  let watermarkComplete = false;
  let needResync = false;
  // A backend that cancels every watch (say, for lack of permission) must not make us spin.
  let resyncedWithoutEvents = false;
  let retryMs = RETRY_MIN_MS;

  const aborted = () => signal?.aborted === true;
  const pause = async () => {
    await sleep(retryMs, signal);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };
  const remember = (items: readonly KeyValue[], revision: number) => {
    for (const kv of items) known.set(kv.key, { modRevision: kv.modRevision, value: kv.value });
    watermark = revision;
    atWatermark = new Set();
    watermarkComplete = true;
  };
  // Lists, retrying while the backend is down; undefined when aborted or closed.
  const listRetrying = async (
    revision?: number,
    attempt?: Promise<ListResult>,
  ): Promise<ListResult | undefined> => {
    for (;;) {
      if (aborted()) return undefined;
      try {
        return await (attempt ?? source.list(prefix, revision));
      } catch (error) {
        attempt = undefined;
        if (error instanceof StoreClosedError) return undefined;
        if (!(error instanceof StoreUnavailableError)) throw error;
        await pause();
      }
    }
  };

  // Baseline: what the consumer is assumed to hold before the first delivered event.
  if (first !== undefined) {
    const baseRevision = options.fromRevision === undefined ? undefined : options.fromRevision - 1;
    try {
      const before = await listRetrying(baseRevision, first);
      if (before === undefined) return;
      remember(before.items, before.revision);
    } catch (error) {
      if (!(error instanceof CompactedError)) throw error;
      // The baseline is gone; the resync will report every current key as a put.
      needResync = true;
    }
  }

  while (!aborted()) {
    if (needResync) {
      const now = await listRetrying();
      if (now === undefined) return;
      for (const event of differences(known, now)) yield event;
      remember(now.items, now.revision);
      needResync = false;
      resyncedWithoutEvents = true;
    }

    const queue = new SignalQueue();
    const onAbort = () => queue.push({ kind: 'end' });
    signal?.addEventListener('abort', onAbort, { once: true });
    // After events, reopen at the watermark itself: a revision can span several keys, and the
    // dedup below drops whatever was already delivered.
    const from = watermarkComplete ? watermark + 1 : Math.max(watermark, 1);
    const stop = source.openRaw(prefix, from, (s) => queue.push(s));
    try {
      for (;;) {
        const s = await queue.next();
        if (s.kind === 'end' || aborted()) return;
        if (s.kind === 'compacted') {
          if (resyncedWithoutEvents) await pause();
          needResync = true;
          break;
        }
        if (s.kind === 'disconnected') {
          await pause();
          break;
        }
        const event = s.event;
        if (event.modRevision < watermark) continue;
        if (event.modRevision === watermark && (watermarkComplete || atWatermark.has(event.key))) {
          continue;
        }
        if (event.modRevision > watermark) {
          watermark = event.modRevision;
          atWatermark = new Set();
          watermarkComplete = false;
        }
        atWatermark.add(event.key);
        const before = known.get(event.key);
        if (event.type === 'put') {
          known.set(event.key, { modRevision: event.modRevision, value: event.value ?? '' });
        } else {
          known.delete(event.key);
        }
        retryMs = RETRY_MIN_MS;
        resyncedWithoutEvents = false;
        const prevValue = event.prevValue ?? before?.value;
        yield prevValue === undefined ? event : { ...event, prevValue };
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stop();
    }
  }
}

/** Events that turn `known` into the listed state, puts in revision order, then deletes. */
function differences(known: ReadonlyMap<string, Known>, now: ListResult): WatchEvent[] {
  const puts: WatchEvent[] = [];
  const listed = new Set<string>();
  for (const kv of now.items) {
    listed.add(kv.key);
    const before = known.get(kv.key);
    if (before?.modRevision === kv.modRevision) continue;
    puts.push({
      type: 'put',
      key: kv.key,
      value: kv.value,
      modRevision: kv.modRevision,
      ...(before === undefined ? {} : { prevValue: before.value }),
    });
  }
  puts.sort((a, b) => a.modRevision - b.modRevision || compareKeys(a.key, b.key));
  const deletes: WatchEvent[] = [];
  for (const [key, before] of known) {
    if (listed.has(key)) continue;
    deletes.push({ type: 'delete', key, modRevision: now.revision, prevValue: before.value });
  }
  deletes.sort((a, b) => compareKeys(a.key, b.key));
  return [...puts, ...deletes];
}

/** Byte order of UTF-8 keys, as etcd sorts them. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Unbounded FIFO between a push-style raw watch and the pull-style generator. */
class SignalQueue {
  private items: RawSignal[] = [];
  private waiter: ((s: RawSignal) => void) | undefined;

  push(s: RawSignal): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(s);
    } else {
      this.items.push(s);
    }
  }

  next(): Promise<RawSignal> {
    const s = this.items.shift();
    if (s !== undefined) return Promise.resolve(s);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
