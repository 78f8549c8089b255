// Config changes arrive in bursts (`meshctl apply -f dir/` writes many keys in one commit, a
// rollout re-registers many proxies). Pushing per event would recompute every proxy's snapshot
// per key; instead events are merged until the stream goes quiet, as istiod's debounce does
// (PILOT_DEBOUNCE_AFTER 100 ms, PILOT_DEBOUNCE_MAX 10 s).

export interface DebounceOptions {
  /** Flush after this long without a new event. */
  quietMs: number;
  /** Flush at the latest this long after the first event of a burst, even if events keep coming. */
  maxMs: number;
}

export const DEFAULT_DEBOUNCE: DebounceOptions = { quietMs: 100, maxMs: 10_000 };

export interface Burst<E> {
  events: E[];
  /** Time from the first event of the burst to the flush. */
  waitedMs: number;
}

export interface Debouncer<E> {
  add(event: E): void;
  /** Flushes a pending burst now (used on shutdown and in tests). */
  flush(): void;
  close(): void;
}

export function createDebouncer<E>(
  options: DebounceOptions,
  onFlush: (burst: Burst<E>) => void,
  now: () => number = () => performance.now(),
): Debouncer<E> {
  let events: E[] = [];
  let firstAt = 0;
  let quietTimer: NodeJS.Timeout | undefined;
  let maxTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = () => {
    clearTimeout(quietTimer);
    clearTimeout(maxTimer);
    quietTimer = maxTimer = undefined;
    if (events.length === 0) return;
    const burst = { events, waitedMs: now() - firstAt };
    events = [];
    onFlush(burst);
  };

  return {
    add(event) {
      if (closed) return;
      if (events.length === 0) {
        firstAt = now();
        maxTimer = setTimeout(flush, options.maxMs);
      }
      events.push(event);
      clearTimeout(quietTimer);
      quietTimer = setTimeout(flush, options.quietMs);
    },
    flush,
    close() {
      closed = true;
      clearTimeout(quietTimer);
      clearTimeout(maxTimer);
      events = [];
    },
  };
}
