// The test helper that every watch test reads through must itself never lose an event.
import type { WatchEvent } from '../types.js';
import { WatchReader } from './contract.js';

/** An iterator whose results are released by hand (buffered until asked for). */
function manual(): { iterator: AsyncIterator<WatchEvent>; release(e: WatchEvent): void } {
  const waiters: ((r: IteratorResult<WatchEvent>) => void)[] = [];
  const ready: WatchEvent[] = [];
  return {
    iterator: {
      next: () => {
        const e = ready.shift();
        if (e !== undefined) return Promise.resolve({ done: false, value: e });
        return new Promise((resolve) => waiters.push(resolve));
      },
    },
    release: (e) => {
      const waiter = waiters.shift();
      if (waiter) waiter({ done: false, value: e });
      else ready.push(e);
    },
  };
}

const event = (modRevision: number): WatchEvent => ({
  type: 'put',
  key: '/k',
  value: String(modRevision),
  modRevision,
});

describe('WatchReader', () => {
  it('hands an event that arrives after a timed-out read, before the next read, to that read', async () => {
    const { iterator, release } = manual();
    const reader = new WatchReader(iterator);
    await reader.quiet(10);
    // The event arrives while nobody is reading (as when the watch delivers during writes).
    release(event(7));
    await new Promise((r) => setTimeout(r, 10));
    const pending = reader.take(2, 1000);
    release(event(8));
    await expect(pending).resolves.toEqual([event(7), event(8)]);
  });

  it('hands an event that arrives during a later read to that read', async () => {
    const { iterator, release } = manual();
    const reader = new WatchReader(iterator);
    await reader.quiet(10);
    const pending = reader.take(1, 1000);
    release(event(7));
    await expect(pending).resolves.toEqual([event(7)]);
  });
});
