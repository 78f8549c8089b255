// The cancellation signal every request carries through the layers and into the pools. Node 20's
// AbortController is an EventTarget: making one cost ~3 µs and each add/removeEventListener ~1 µs,
// about a tenth of the proxy's CPU per request at saturation (docs/benchmarks.md). Requests are
// almost never aborted, so the proxy uses this plain object instead. Code that only consumes a
// signal takes the AbortSignalLike subset, which Node's own AbortSignal also satisfies.

/** The part of an abort Event that listeners get (Node's Event has it too). */
export interface AbortEvent {
  readonly type: string;
}

export type AbortListener =
  ((event: AbortEvent) => void) | { handleEvent(event: AbortEvent): void };

/** What the proxy reads of a signal: Node's AbortSignal has all of it. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: AbortListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

/**
 * A signal and its controller in one object. Listeners run once, in the order they were added,
 * as an AbortSignal's do; one that throws does not stop the others and is reported as an
 * uncaught exception, as EventTarget reports it.
 */
export class RequestSignal implements AbortSignalLike {
  aborted = false;
  reason: unknown = undefined;
  // One listener is the common case (the pool's): no array for it.
  #one: AbortListener | undefined = undefined;
  #more: AbortListener[] | undefined = undefined;

  addEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.aborted || this.#one === listener || this.#more?.includes(listener)) return;
    if (this.#one === undefined && this.#more === undefined) this.#one = listener;
    else (this.#more ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.#one === listener) {
      this.#one = undefined;
      return;
    }
    const more = this.#more;
    if (more === undefined) return;
    const at = more.indexOf(listener);
    if (at !== -1) more.splice(at, 1);
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason =
      reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const first = this.#one;
    const rest = this.#more;
    this.#one = undefined;
    this.#more = undefined;
    const event: AbortEvent = { type: 'abort' };
    if (first !== undefined) notify(first, event);
    if (rest !== undefined) for (const listener of rest) notify(listener, event);
  }
}

/** A signal that aborts when either does, with that one's reason (AbortSignal.any for two). */
export function anySignal(a: AbortSignalLike, b: AbortSignalLike): RequestSignal {
  const out = new RequestSignal();
  if (a.aborted) out.abort(a.reason);
  else if (b.aborted) out.abort(b.reason);
  else {
    const fromA = () => out.abort(a.reason);
    const fromB = () => out.abort(b.reason);
    a.addEventListener('abort', fromA, { once: true });
    b.addEventListener('abort', fromB, { once: true });
    // Whichever fires first unhooks the other, so a long-lived signal keeps no dead listeners.
    out.addEventListener('abort', () => {
      a.removeEventListener('abort', fromA);
      b.removeEventListener('abort', fromB);
    });
  }
  return out;
}

function notify(listener: AbortListener, event: AbortEvent): void {
  try {
    if (typeof listener === 'function') listener(event);
    else listener.handleEvent(event);
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}
