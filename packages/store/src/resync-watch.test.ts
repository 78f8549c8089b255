// The watch loop against a scripted source: the replays, drops and compactions that a real
// backend produces only under unlucky timing, made to happen on purpose.
import { CompactedError } from './errors.js';
import { resyncingWatch } from './resync-watch.js';
import type { RawSignal, RawWatchSource } from './resync-watch.js';
import { WatchReader } from './test-support/contract.js';
import type { KeyValue, ListResult, WatchEvent } from './types.js';

const put = (key: string, value: string, modRevision: number, prevValue?: string): WatchEvent => ({
  type: 'put',
  key,
  value,
  modRevision,
  ...(prevValue === undefined ? {} : { prevValue }),
});
const kv = (key: string, value: string, modRevision: number): KeyValue => ({
  key,
  value,
  createRevision: modRevision,
  modRevision,
  version: 1,
});

/** Each open runs the next script: it gets the start revision and may emit signals. */
function scripted(
  lists: ListResult[],
  opens: ((from: number, emit: (s: RawSignal) => void) => void)[],
): RawWatchSource & { froms: number[] } {
  const froms: number[] = [];
  return {
    froms,
    list: async (_prefix, revision) => {
      const next = lists.shift();
      if (!next) throw new Error(`unexpected list at ${revision}`);
      if (revision !== undefined && next.revision !== revision) throw new CompactedError(revision);
      return next;
    },
    openRaw: (_prefix, from, emit) => {
      froms.push(from);
      const script = opens.shift();
      if (script) queueMicrotask(() => script(from, emit));
      return () => undefined;
    },
  };
}

describe('resyncingWatch', () => {
  it('drops replayed events after a reconnect, also within a multi-key revision', async () => {
    const source = scripted(
      [{ items: [], revision: 4 }],
      [
        (_from, emit) => {
          emit({ kind: 'event', event: put('/a', '1', 5) });
          emit({ kind: 'disconnected', error: new Error('dropped mid-revision') });
        },
        (_from, emit) => {
          // The backend replays revision 5 in full, then continues.
          emit({ kind: 'event', event: put('/a', '1', 5) });
          emit({ kind: 'event', event: put('/b', '1', 5) });
          emit({ kind: 'event', event: put('/a', '2', 6, '1') });
        },
      ],
    );
    const ac = new AbortController();
    const reader = new WatchReader(
      resyncingWatch(source, '/', { signal: ac.signal })[Symbol.asyncIterator](),
    );
    const events = await reader.take(3);
    expect(events.map((e) => [e.key, e.value, e.modRevision])).toEqual([
      ['/a', '1', 5],
      ['/b', '1', 5],
      ['/a', '2', 6],
    ]);
    await reader.quiet(100);
    // Reopened at the last delivered revision itself, since it might have been cut short.
    expect(source.froms).toEqual([5, 5]);
    ac.abort();
  });

  it('after compaction emits exactly the differences, then watches from list revision + 1', async () => {
    const source = scripted(
      [
        { items: [kv('/keep', '1', 2), kv('/change', '1', 3), kv('/drop', '1', 4)], revision: 4 },
        { items: [kv('/change', '2', 7), kv('/keep', '1', 2), kv('/new', '1', 6)], revision: 9 },
      ],
      [
        (_from, emit) => emit({ kind: 'compacted' }),
        (_from, emit) => {
          emit({ kind: 'event', event: put('/change', '2', 7) }); // already in the list
          emit({ kind: 'event', event: put('/keep', '2', 10, '1') });
        },
      ],
    );
    const ac = new AbortController();
    const reader = new WatchReader(
      resyncingWatch(source, '/', { fromRevision: 5, signal: ac.signal })[Symbol.asyncIterator](),
    );
    const events = await reader.take(4);
    expect(events).toEqual([
      put('/new', '1', 6),
      put('/change', '2', 7, '1'),
      { type: 'delete', key: '/drop', modRevision: 9, prevValue: '1' },
      put('/keep', '2', 10, '1'),
    ]);
    expect(source.froms).toEqual([5, 10]);
    await reader.quiet(100);
    ac.abort();
  });
});
