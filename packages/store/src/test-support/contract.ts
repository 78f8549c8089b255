// The behaviour every ConfigStore must show, run against each backend by its own test file.
import { ConflictError } from '../errors.js';
import type { ConfigStore, WatchEvent } from '../types.js';

export type StoreFactory = () => Promise<ConfigStore>;

let prefixCounter = 0;

/**
 * Reads a watch in steps without losing events: a timed-out next() stays pending and its
 * result is handed to the following read, instead of being dropped. Only the read that actually
 * receives the result clears it: a timed-out read must not, even when the result arrives later
 * (before the following read starts), or that event would be lost.
 */
export class WatchReader {
  private pending: Promise<IteratorResult<WatchEvent>> | undefined;
  constructor(private readonly iterator: AsyncIterator<WatchEvent>) {}

  private async next(ms: number): Promise<IteratorResult<WatchEvent> | 'timeout'> {
    this.pending ??= this.iterator.next();
    const pending = this.pending;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        pending,
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(ms, 0)))),
      ]);
      if (result !== 'timeout' && this.pending === pending) this.pending = undefined;
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes `count` events, failing with what did arrive if they do not come in time. */
  async take(count: number, timeoutMs = 5000): Promise<WatchEvent[]> {
    const events: WatchEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    while (events.length < count) {
      const next = await this.next(deadline - Date.now());
      if (next === 'timeout') {
        throw new Error(
          `expected ${count} watch events within ${timeoutMs} ms, got ${events.length}: ${JSON.stringify(events)}`,
        );
      }
      if (next.done) throw new Error(`watch ended after ${events.length} of ${count} events`);
      events.push(next.value);
    }
    return events;
  }

  /** Asserts that no event arrives within `ms`. */
  async quiet(ms: number): Promise<void> {
    const next = await this.next(ms);
    if (next !== 'timeout') throw new Error(`unexpected watch result: ${JSON.stringify(next)}`);
  }
}

const brief = (e: WatchEvent) => [e.type, e.key, e.value, e.prevValue];

export function describeConfigStoreContract(name: string, factory: StoreFactory): void {
  describe(`ConfigStore contract: ${name}`, () => {
    let store: ConfigStore;
    let p: string;
    const aborts: AbortController[] = [];
    const watch = (prefix: string, options: { fromRevision?: number } = {}) => {
      const ac = new AbortController();
      aborts.push(ac);
      return new WatchReader(
        store.watch(prefix, { ...options, signal: ac.signal })[Symbol.asyncIterator](),
      );
    };

    beforeEach(async () => {
      store = await factory();
      p = `/contract/${process.pid}-${Date.now()}-${++prefixCounter}/`;
    });
    afterEach(async () => {
      for (const ac of aborts.splice(0)) ac.abort();
      await store.close();
    });

    it('gets and lists with revisions, sorted by key', async () => {
      const r1 = await store.put(`${p}b`, '1');
      await store.put(`${p}a`, '1');
      const r3 = await store.put(`${p}b`, '2');
      await store.put(`${p}c/x`, '1');
      await store.put(`/contract-other/${prefixCounter}`, 'not listed');

      const b = await store.get(`${p}b`);
      expect(b).toEqual({
        key: `${p}b`,
        value: '2',
        createRevision: r1.revision,
        modRevision: r3.revision,
        version: 2,
      });
      expect(await store.get(`${p}missing`)).toBeUndefined();

      const listed = await store.list(p);
      expect(listed.items.map((kv) => kv.key)).toEqual([`${p}a`, `${p}b`, `${p}c/x`]);
      expect(listed.revision).toBeGreaterThan(r3.revision);
      const before = await store.list(p, { revision: r1.revision });
      expect(before.items.map((kv) => [kv.key, kv.value])).toEqual([[`${p}b`, '1']]);
      expect(before.revision).toBe(r1.revision);
    });

    it('watches from a revision, in order, with prevValue on updates and deletes', async () => {
      await store.put(`${p}x`, 'old');
      const from = await store.put(`${p}x`, 'v1');
      await store.put(`${p}y`, 'v1');
      await store.delete(`${p}x`);
      const events = await watch(p, { fromRevision: from.revision }).take(3);
      expect(events.map(brief)).toEqual([
        ['put', `${p}x`, 'v1', 'old'],
        ['put', `${p}y`, 'v1', undefined],
        ['delete', `${p}x`, undefined, 'v1'],
      ]);
      const revisions = events.map((e) => e.modRevision);
      expect(revisions[0]).toBe(from.revision);
      expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
      expect(new Set(revisions).size).toBe(3);
    });

    it('watches from now: earlier changes are not delivered', async () => {
      await store.put(`${p}before`, '1');
      const it = watch(p);
      await new Promise((r) => setTimeout(r, 100));
      await store.put(`${p}after`, '1');
      expect((await it.take(1)).map(brief)).toEqual([['put', `${p}after`, '1', undefined]]);
    });

    it('commits atomically: one failing expectation writes nothing', async () => {
      const { revision } = await store.put(`${p}guard`, 'v1');
      const it = watch(p, { fromRevision: revision + 1 });
      const attempt = store.commit([
        { type: 'put', key: `${p}new`, value: 'x' },
        { type: 'put', key: `${p}guard`, value: 'v2', expectedModRevision: revision + 100 },
      ]);
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      const error = (await attempt.catch((e: unknown) => e)) as ConflictError;
      expect(error.code).toBe('MESH_ERR_CONFLICT');
      expect(error.key).toBe(`${p}guard`);
      expect(error.expectedModRevision).toBe(revision + 100);
      expect(error.actualModRevision).toBe(revision);
      expect(error.message).toContain(`${p}guard`);
      expect(await store.get(`${p}new`)).toBeUndefined();
      expect((await store.get(`${p}guard`))?.value).toBe('v1');

      // A matching batch lands in one revision, and the watch saw nothing of the failed one.
      const ok = await store.commit([
        { type: 'put', key: `${p}new`, value: 'x' },
        { type: 'put', key: `${p}guard`, value: 'v2', expectedModRevision: revision },
      ]);
      const events = await it.take(2);
      expect(events.map((e) => [e.key, e.modRevision])).toEqual([
        [`${p}new`, ok.revision],
        [`${p}guard`, ok.revision],
      ]);
    });

    it('creates only when expectedModRevision is 0', async () => {
      const first = await store.put(`${p}k`, '1', { expectedModRevision: 0 });
      const again = await store.put(`${p}k`, '2', { expectedModRevision: 0 }).catch((e) => e);
      expect(again).toBeInstanceOf(ConflictError);
      expect(again).toMatchObject({ key: `${p}k`, expectedModRevision: 0 });
      expect((again as ConflictError).actualModRevision).toBe(first.revision);
      expect((await store.get(`${p}k`))?.value).toBe('1');
    });

    it('deletes with an expectation, and rejects a stale one', async () => {
      const { revision } = await store.put(`${p}k`, '1');
      await store.put(`${p}k`, '2');
      await expect(store.delete(`${p}k`, { expectedModRevision: revision })).rejects.toThrow(
        ConflictError,
      );
      const current = (await store.get(`${p}k`))!.modRevision;
      await store.delete(`${p}k`, { expectedModRevision: current });
      expect(await store.get(`${p}k`)).toBeUndefined();
      const gone = await store.delete(`${p}k`, { expectedModRevision: current }).catch((e) => e);
      expect(gone).toMatchObject({ actualModRevision: 0 });
    });

    it('deletes leased keys when the lease expires, and keeps them while kept alive', async () => {
      const dying = await store.grantLease(1, { keepAlive: false });
      const living = await store.grantLease(1);
      const { revision } = await store.put(`${p}dying`, 'x', { lease: dying.id });
      await store.put(`${p}living`, 'y', { lease: living.id });
      expect((await store.get(`${p}dying`))?.lease).toBe(dying.id);
      const it = watch(p, { fromRevision: revision });
      const events = await it.take(3, 6000);
      expect(events.map(brief)).toEqual([
        ['put', `${p}dying`, 'x', undefined],
        ['put', `${p}living`, 'y', undefined],
        ['delete', `${p}dying`, undefined, 'x'],
      ]);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await store.get(`${p}living`))?.value).toBe('y');
      await living.revoke();
    }, 15_000);

    it('deletes all keys of a revoked lease in one revision', async () => {
      const lease = await store.grantLease(30);
      await store.put(`${p}a`, '1', { lease: lease.id });
      const { revision } = await store.put(`${p}b`, '2', { lease: lease.id });
      const it = watch(p, { fromRevision: revision + 1 });
      await lease.revoke();
      const events = await it.take(2);
      expect(events.map(brief)).toEqual([
        ['delete', `${p}a`, undefined, '1'],
        ['delete', `${p}b`, undefined, '2'],
      ]);
      expect(events[0]!.modRevision).toBe(events[1]!.modRevision);
      expect((await store.list(p)).items).toEqual([]);
    });

    it('ends a watch when its signal aborts', async () => {
      const ac = new AbortController();
      const seen: WatchEvent[] = [];
      const done = (async () => {
        for await (const event of store.watch(p, { signal: ac.signal })) seen.push(event);
        return 'ended';
      })();
      await new Promise((r) => setTimeout(r, 100));
      await store.put(`${p}k`, '1');
      const deadline = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      ac.abort();
      await expect(done).resolves.toBe('ended');
      await store.put(`${p}k`, '2');
      expect(seen.map(brief)).toEqual([['put', `${p}k`, '1', undefined]]);
    });

    it('keeps revision order under many concurrent writers', async () => {
      const start = (await store.list(p)).revision + 1;
      const it = watch(p, { fromRevision: start });
      const writers = 8;
      const perWriter = 20;
      const results = await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const revisions: number[] = [];
          for (let i = 0; i < perWriter; i++) {
            revisions.push((await store.put(`${p}w${w}`, String(i))).revision);
          }
          return revisions;
        }),
      );
      const committed = results.flat();
      expect(new Set(committed).size).toBe(writers * perWriter);
      const events = await it.take(writers * perWriter, 10_000);
      const revisions = events.map((e) => e.modRevision);
      for (let i = 1; i < revisions.length; i++) {
        expect(revisions[i]!).toBeGreaterThan(revisions[i - 1]!);
      }
      expect([...revisions].sort((a, b) => a - b)).toEqual([...committed].sort((a, b) => a - b));
      // Each writer's values arrive in the order it wrote them.
      for (let w = 0; w < writers; w++) {
        const mine = events.filter((e) => e.key === `${p}w${w}`).map((e) => e.value);
        expect(mine).toEqual(Array.from({ length: perWriter }, (_, i) => String(i)));
      }
    }, 20_000);

    it('resyncs a watch whose start revision was compacted, emitting exactly the differences', async () => {
      await store.put(`${p}same`, '1');
      await store.put(`${p}changed`, '1');
      await store.put(`${p}gone`, '1');
      const held = await store.list(p);
      await store.put(`${p}changed`, '2');
      await store.delete(`${p}gone`);
      await store.put(`${p}gone`, 'back');
      await store.delete(`${p}gone`);
      const { revision: added } = await store.put(`${p}added`, '1');
      await store.compact(added);

      const ac = new AbortController();
      aborts.push(ac);
      const it = new WatchReader(
        store
          .watch(p, { fromRevision: held.revision + 1, baseline: held.items, signal: ac.signal })
          [Symbol.asyncIterator](),
      );
      const events = await it.take(3);
      expect(events.map(brief)).toEqual([
        ['put', `${p}changed`, '2', '1'],
        ['put', `${p}added`, '1', undefined],
        ['delete', `${p}gone`, undefined, '1'],
      ]);
      // Then it is a live watch again, from after the list.
      const next = await store.put(`${p}same`, '2');
      const [live] = await it.take(1);
      expect(live).toMatchObject({ type: 'put', key: `${p}same`, modRevision: next.revision });
      await it.quiet(200);
      await expect(store.list(p, { revision: held.revision })).rejects.toMatchObject({
        code: 'MESH_ERR_COMPACTED',
      });
    });
  });
}
