// Reconnect delays: exponential with full jitter (a random delay between 0 and the current cap),
// so proxies cut off together by a control-plane restart do not all come back in the same instant.

export interface BackoffOptions {
  /** Cap of the first delay. */
  readonly initialMs?: number;
  /** Largest cap; the delay never exceeds it. */
  readonly maxMs?: number;
}

export const DEFAULT_BACKOFF = { initialMs: 250, maxMs: 15_000 } as const;

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(
    options: BackoffOptions = {},
    private readonly rng: () => number = Math.random,
  ) {
    this.initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    this.maxMs = Math.max(this.initialMs, options.maxMs ?? DEFAULT_BACKOFF.maxMs);
  }

  /** The delay before the next try; each call doubles the cap up to maxMs. */
  next(): number {
    const cap = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 52));
    this.attempt += 1;
    return Math.floor(this.rng() * cap);
  }

  /** After a try that worked, the next failure starts from the first cap again. */
  reset(): void {
    this.attempt = 0;
  }
}
