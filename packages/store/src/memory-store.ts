// The embedded ConfigStore for the local mesh: etcd's semantics (revisions, history, leases,
// compaction) in one process, optionally persisted to a snapshot file.
import { CompactedError, ConflictError, StoreClosedError } from './errors.js';
import { compareKeys, resyncingWatch } from './resync-watch.js';
import type { RawSignal, RawWatchSource } from './resync-watch.js';
import { SingleKeyWrites } from './single-key-writes.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import type {
  CommitOp,
  CommitResult,
  ConfigStore,
  KeyValue,
  Lease,
  LeaseOptions,
  ListOptions,
  ListResult,
  WatchEvent,
  WatchOptions,
} from './types.js';

export interface MemoryStoreOptions {
  /** Persist to a snapshot file in this directory and restore from it on start. */
  dataDir?: string;
  /**
   * Revisions of history kept for watch-from-revision (default 10000). Older history is
   * compacted away; watchers that need it resync by listing.
   */
  historyLimit?: number;
}

/** One change, with what it replaced, so history can be replayed forward and undone backward. */
interface Change {
  revision: number;
  key: string;
  /** undefined for deletes. */
  kv: KeyValue | undefined;
  prev: KeyValue | undefined;
}

interface MemoryLease {
  keys: Set<string>;
  timer: NodeJS.Timeout | undefined;
  lost: ((error: Error) => void)[];
}

interface Subscriber {
  prefix: string;
  emit: (signal: RawSignal) => void;
}

export class MemoryStore extends SingleKeyWrites implements ConfigStore {
  private readonly data = new Map<string, KeyValue>();
  // A fresh etcd is at revision 1, so 0 can mean "from now on" in watch requests; match it.
  private revision = 1;
  /** History holds every change with revision > compactRevision. */
  private compactRevision = 0;
  private history: Change[] = [];
  private readonly leases = new Map<string, MemoryLease>();
  private nextLeaseId = 1;
  private readonly subscribers = new Set<Subscriber>();
  private readonly historyLimit: number;
  private readonly dataDir: string | undefined;
  private closed = false;
  private persisting: Promise<void> | undefined;
  private persistAgain = false;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    this.historyLimit = options.historyLimit ?? 10_000;
    this.dataDir = options.dataDir;
    if (this.dataDir !== undefined) {
      const snapshot = readSnapshot(this.dataDir);
      if (snapshot) {
        for (const kv of snapshot.items) this.data.set(kv.key, kv);
        this.revision = snapshot.revision;
        // The history did not survive; anyone resuming from an older revision must resync.
        this.compactRevision = snapshot.revision;
      }
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const kv = this.data.get(key);
    return kv && { ...kv };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    return this.listNow(prefix, options.revision);
  }

  watch(prefix: string, options?: WatchOptions): AsyncIterable<WatchEvent> {
    this.assertOpen();
    return resyncingWatch(this.rawSource, prefix, options);
  }

  async commit(ops: readonly CommitOp[]): Promise<CommitResult> {
    this.assertOpen();
    const seen = new Set<string>();
    for (const op of ops) {
      if (seen.has(op.key)) throw new Error(`commit names ${op.key} twice`);
      seen.add(op.key);
      if (op.type === 'put' && op.lease !== undefined && !this.leases.has(op.lease)) {
        throw new Error(`lease ${op.lease} not found`);
      }
    }
    for (const op of ops) {
      if (op.expectedModRevision === undefined) continue;
      const actual = this.data.get(op.key)?.modRevision ?? 0;
      if (actual !== op.expectedModRevision) {
        throw new ConflictError(op.key, op.expectedModRevision, actual);
      }
    }
    const revision = this.revision + 1;
    const changes: Change[] = [];
    for (const op of ops) {
      const prev = this.data.get(op.key);
      if (op.type === 'put') {
        const kv: KeyValue = {
          key: op.key,
          value: op.value,
          createRevision: prev?.createRevision ?? revision,
          modRevision: revision,
          version: (prev?.version ?? 0) + 1,
          ...(op.lease === undefined ? {} : { lease: op.lease }),
        };
        changes.push({ revision, key: op.key, kv, prev });
      } else if (prev) {
        changes.push({ revision, key: op.key, kv: undefined, prev });
      }
    }
    if (changes.length > 0) this.apply(changes);
    // Read before awaiting: other commits may land while the snapshot is written.
    const result = { revision: this.revision };
    await this.persist();
    return result;
  }

  async grantLease(ttlSeconds: number, options: LeaseOptions = {}): Promise<Lease> {
    this.assertOpen();
    const id = String(this.nextLeaseId++);
    const lease: MemoryLease = { keys: new Set(), timer: undefined, lost: [] };
    this.leases.set(id, lease);
    // The owner lives in this process, so an automatic keepalive can never fail: only a lease
    // without keepalive expires.
    if (options.keepAlive === false) {
      lease.timer = setTimeout(() => {
        this.endLease(id);
        for (const cb of lease.lost) cb(new Error(`lease ${id} expired`));
      }, ttlSeconds * 1000);
      lease.timer.unref();
    }
    return {
      id,
      ttlSeconds,
      revoke: async () => {
        this.assertOpen();
        this.endLease(id);
        await this.persist();
      },
      onLost: (cb) => {
        lease.lost.push(cb);
      },
    };
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) {
      throw new Error(`cannot compact to ${revision}: store is at revision ${this.revision}`);
    }
    // As etcd: history of `revision` itself is kept, so watching from it still works.
    const dropUpTo = revision - 1;
    if (dropUpTo <= this.compactRevision) return;
    this.history = this.history.filter((c) => c.revision > dropUpTo);
    this.compactRevision = dropUpTo;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
    for (const sub of this.subscribers) sub.emit({ kind: 'end' });
    this.subscribers.clear();
    await this.persisting?.catch(() => undefined);
  }

  private readonly rawSource: RawWatchSource = {
    list: async (prefix, revision) => {
      if (this.closed) throw new StoreClosedError();
      return this.listNow(prefix, revision);
    },
    openRaw: (prefix, fromRevision, emit) => {
      if (this.closed) {
        queueMicrotask(() => emit({ kind: 'end' }));
        return () => undefined;
      }
      if (fromRevision <= this.compactRevision) {
        queueMicrotask(() => emit({ kind: 'compacted' }));
        return () => undefined;
      }
      // Replay and subscribe in one synchronous step, so no change falls between them.
      for (const change of this.history) {
        if (change.revision >= fromRevision && change.key.startsWith(prefix)) {
          emit({ kind: 'event', event: toEvent(change) });
        }
      }
      const sub: Subscriber = { prefix, emit };
      this.subscribers.add(sub);
      return () => this.subscribers.delete(sub);
    },
  };

  private listNow(prefix: string, revision: number | undefined): ListResult {
    const at = revision === undefined || revision <= 0 ? this.revision : revision;
    if (at > this.revision) {
      throw new Error(`revision ${at} is in the future (store is at ${this.revision})`);
    }
    if (at < this.compactRevision) throw new CompactedError(at, this.compactRevision);
    const state = new Map<string, KeyValue>();
    for (const [key, kv] of this.data) if (key.startsWith(prefix)) state.set(key, kv);
    // Undo newer changes, newest first, to see the store as it was at `at`.
    for (let i = this.history.length - 1; i >= 0; i--) {
      const change = this.history[i]!;
      if (change.revision <= at) break;
      if (!change.key.startsWith(prefix)) continue;
      if (change.prev) state.set(change.key, change.prev);
      else state.delete(change.key);
    }
    const items = [...state.values()].map((kv) => ({ ...kv }));
    items.sort((a, b) => compareKeys(a.key, b.key));
    return { items, revision: at };
  }

  private apply(changes: Change[]): void {
    this.revision = changes[0]!.revision;
    for (const change of changes) {
      if (change.prev?.lease !== undefined)
        this.leases.get(change.prev.lease)?.keys.delete(change.key);
      if (change.kv) {
        this.data.set(change.key, change.kv);
        if (change.kv.lease !== undefined) this.leases.get(change.kv.lease)?.keys.add(change.key);
      } else {
        this.data.delete(change.key);
      }
      this.history.push(change);
    }
    this.trimHistory();
    for (const change of changes) {
      for (const sub of this.subscribers) {
        if (change.key.startsWith(sub.prefix)) sub.emit({ kind: 'event', event: toEvent(change) });
      }
    }
  }

  private trimHistory(): void {
    const oldestKept = this.revision - this.historyLimit;
    if (oldestKept <= this.compactRevision) return;
    this.history = this.history.filter((c) => c.revision > oldestKept);
    this.compactRevision = oldestKept;
  }

  /** Deletes the lease's keys in one revision, as etcd does on revoke and expiry. */
  private endLease(id: string): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    clearTimeout(lease.timer);
    this.leases.delete(id);
    const revision = this.revision + 1;
    const changes: Change[] = [...lease.keys]
      .sort(compareKeys)
      .map((key) => ({ revision, key, kv: undefined, prev: this.data.get(key) }));
    if (changes.length > 0) this.apply(changes);
    void this.persist().catch(() => undefined);
  }

  /** Writes a snapshot that includes every change so far; concurrent callers share writes. */
  private persist(): Promise<void> {
    if (this.dataDir === undefined) return Promise.resolve();
    if (this.persisting) {
      // The running write loop goes round once more and so includes this change.
      this.persistAgain = true;
      return this.persisting;
    }
    const dir = this.dataDir;
    const run = async (): Promise<void> => {
      try {
        for (;;) {
          this.persistAgain = false;
          // Leased keys are not written: after a restart their owners are gone.
          const items = [...this.data.values()].filter((kv) => kv.lease === undefined);
          await writeSnapshot(dir, { revision: this.revision, items });
          // Checked and cleared in the same tick, so no caller can join a loop that has ended.
          if (!this.persistAgain) {
            this.persisting = undefined;
            return;
          }
        }
      } catch (error) {
        this.persisting = undefined;
        throw error;
      }
    };
    this.persisting = run();
    return this.persisting;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function toEvent(change: Change): WatchEvent {
  const base = { key: change.key, modRevision: change.revision };
  const prev = change.prev === undefined ? {} : { prevValue: change.prev.value };
  return change.kv
    ? { type: 'put', ...base, value: change.kv.value, ...prev }
    : { type: 'delete', ...base, ...prev };
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options);
}
