import { createDebouncer, type Burst } from './debounce.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('debounce', () => {
  it('merges events that keep coming within the quiet period into one flush', async () => {
    const bursts: Burst<number>[] = [];
    const d = createDebouncer<number>({ quietMs: 40, maxMs: 10_000 }, (b) => bursts.push(b));
    for (let i = 0; i < 10; i++) {
      d.add(i);
      await sleep(5);
    }
    expect(bursts).toHaveLength(0);
    await sleep(80);
    expect(bursts).toHaveLength(1);
    expect(bursts[0]!.events).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    d.close();
  });

  it('flushes at the max wait even if events never stop', async () => {
    const bursts: Burst<number>[] = [];
    const d = createDebouncer<number>({ quietMs: 30, maxMs: 100 }, (b) => bursts.push(b));
    const started = Date.now();
    let i = 0;
    while (Date.now() - started < 250) {
      d.add(i++);
      await sleep(10);
    }
    d.close();
    expect(bursts.length).toBeGreaterThanOrEqual(2);
    // Each flush came at the max wait (100 ms), well before the events stopped (250 ms); timers
    // on a busy machine fire late, hence the margin.
    for (const b of bursts) expect(b.waitedMs).toBeLessThan(240);
  });

  it('flush() sends a pending burst at once and close() drops the rest', async () => {
    const bursts: Burst<string>[] = [];
    const d = createDebouncer<string>({ quietMs: 1000, maxMs: 5000 }, (b) => bursts.push(b));
    d.add('a');
    d.flush();
    expect(bursts.map((b) => b.events)).toEqual([['a']]);
    d.add('b');
    d.close();
    d.add('c');
    await sleep(20);
    expect(bursts).toHaveLength(1);
  });
});
