// ConfigStore on etcd v3, through the etcd3 client's raw gRPC stubs (kv.range, kv.txn) so that
// revisions, compares and prev values map one to one. Watches use etcd3's watch stream, but
// reconnection and compaction are handled by resync-watch.ts, not by etcd3's own resume (which
// advances its resume revision on the "created" header and could skip events after a drop).
import { Etcd3, GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import type { IKeyValue, IOptions, Lease as Etcd3Lease, Watcher } from 'etcd3';
import {
  CompactedError,
  ConflictError,
  StoreClosedError,
  StoreUnavailableError,
} from './errors.js';
import { resyncingWatch } from './resync-watch.js';
import { SingleKeyWrites } from './single-key-writes.js';
import type { RawWatchSource } from './resync-watch.js';
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

export interface EtcdStoreOptions {
  /** e.g. ['http://127.0.0.1:2379'] */
  endpoints: string[];
  /** Deadline of each request; past it the call fails with StoreUnavailableError (default 3000). */
  requestTimeoutMs?: number;
}

// etcd3's default policies retry and open a circuit breaker for 5 s after three failures, which
// would keep the store "down" well after etcd is back. Each call here has its own deadline and
// the watch loop its own backoff, so calls go straight through.
const passThrough = {
  execute: <T>(fn: (context: { signal: AbortSignal; attempt: number }) => T) =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 1 })),
} as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

// etcd3 re-establishes a broken watch stream after a backoff that grows to 30 s, on a timer that
// keeps the process alive. The watch loop already retries with its own bounded backoff, so
// etcd3's is made short and constant.
const watchBackoff = {
  duration: 100,
  next() {
    return this;
  },
} as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

export class EtcdStore extends SingleKeyWrites implements ConfigStore {
  private readonly client: Etcd3;
  private readonly endpoints: string[];
  private readonly timeoutMs: number;
  private readonly leases = new Set<Etcd3Lease>();
  /** Open etcd3 watchers and, once asked to stop, their cancellation. */
  private readonly watchers = new Map<Watcher, Promise<void> | undefined>();
  private closed = false;

  constructor(options: EtcdStoreOptions) {
    super();
    if (options.endpoints.length === 0) throw new Error('EtcdStore needs at least one endpoint');
    this.endpoints = [...options.endpoints];
    this.timeoutMs = options.requestTimeoutMs ?? 3000;
    this.client = new Etcd3({
      hosts: this.endpoints,
      dialTimeout: this.timeoutMs,
      faultHandling: { host: () => passThrough, global: passThrough, watchBackoff },
      // gRPC's own reconnect backoff grows to minutes by default; keep it short so a restarted
      // etcd is noticed within about a second.
      grpcOptions: {
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
      },
    });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(key) }, this.opts()));
    const kv = res.kvs[0];
    return kv && toKeyValue(kv);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const res = await this.call(
      () =>
        this.client.kv.range(
          {
            key: Buffer.from(prefix),
            range_end: prefixEnd(prefix),
            ...(options.revision === undefined ? {} : { revision: String(options.revision) }),
          },
          this.opts(),
        ),
      options.revision,
    );
    // etcd answers a range at a past revision with the header of the current one.
    const revision = options.revision ?? Number(res.header.revision);
    return { items: res.kvs.map(toKeyValue), revision };
  }

  watch(prefix: string, options?: WatchOptions): AsyncIterable<WatchEvent> {
    this.assertOpen();
    return resyncingWatch(this.rawSource, prefix, options);
  }

  async commit(ops: readonly CommitOp[]): Promise<CommitResult> {
    const checked = ops.filter((op) => op.expectedModRevision !== undefined);
    const res = await this.call(() =>
      this.client.kv.txn(
        {
          compare: checked.map((op) => ({
            key: Buffer.from(op.key),
            target: 'Mod' as const,
            result: 'Equal' as const,
            mod_revision: String(op.expectedModRevision),
          })),
          success: ops.map((op) =>
            op.type === 'put'
              ? {
                  request_put: {
                    key: Buffer.from(op.key),
                    value: Buffer.from(op.value),
                    ...(op.lease === undefined ? {} : { lease: op.lease }),
                  },
                }
              : { request_delete_range: { key: Buffer.from(op.key) } },
          ),
          // On failure, read the compared keys so the error can name the actual revision.
          failure: checked.map((op) => ({ request_range: { key: Buffer.from(op.key) } })),
        },
        this.opts(),
      ),
    );
    if (!res.succeeded) {
      for (const [i, op] of checked.entries()) {
        const actual = Number(res.responses[i]?.response_range?.kvs[0]?.mod_revision ?? 0);
        if (actual !== op.expectedModRevision) {
          throw new ConflictError(op.key, op.expectedModRevision ?? 0, actual);
        }
      }
      // All compares matched on re-read: a concurrent writer changed the key back and forth.
      const first = checked[0]!;
      throw new ConflictError(first.key, first.expectedModRevision ?? 0, -1);
    }
    return { revision: Number(res.header.revision) };
  }

  async grantLease(ttlSeconds: number, options: LeaseOptions = {}): Promise<Lease> {
    this.assertOpen();
    const lease = this.client.lease(ttlSeconds, {
      autoKeepAlive: options.keepAlive !== false,
      deadline: Date.now() + this.timeoutMs,
    });
    const lost: ((error: Error) => void)[] = [];
    let lostError: Error | undefined;
    lease.on('lost', (error) => {
      this.leases.delete(lease);
      lostError = error;
      for (const cb of lost.splice(0)) cb(error);
    });
    const id = await this.call(() => lease.grant());
    this.leases.add(lease);
    return {
      id,
      ttlSeconds,
      revoke: async () => {
        this.leases.delete(lease);
        await this.call(() => lease.revoke(this.opts()));
      },
      onLost: (cb) => {
        if (lostError) cb(lostError);
        else lost.push(cb);
      },
    };
  }

  async compact(revision: number): Promise<void> {
    await this.call(() =>
      this.client.kv.compact({ revision: String(revision), physical: true }, this.opts()),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Leases are released, not revoked: keys of a closing owner expire with their TTL, as a
    // crashed owner's would; owners that mean to leave revoke first.
    for (const lease of this.leases) lease.release();
    this.leases.clear();
    // Closing the client under a watcher that is still attached (or still being cancelled)
    // makes etcd3 retry its stream forever; cancel them first, bounded in case etcd is down.
    const cancels = [...this.watchers.keys()].map((w) => this.cancelWatcher(w));
    await Promise.race([Promise.all(cancels), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.client.close();
  }

  private readonly rawSource: RawWatchSource = {
    list: (prefix, revision) => this.list(prefix, revision === undefined ? {} : { revision }),
    openRaw: (prefix, fromRevision, emit) => {
      if (this.closed) {
        queueMicrotask(() => emit({ kind: 'end' }));
        return () => undefined;
      }
      let open = true;
      const watcher = this.client
        .watch()
        .prefix(prefix)
        .withPreviousKV()
        .startRevision(String(fromRevision))
        .watcher();
      const forward = (type: 'put' | 'delete') => (kv: IKeyValue, prev?: IKeyValue) => {
        if (!open) return;
        const event: WatchEvent = {
          type,
          key: kv.key.toString(),
          modRevision: Number(kv.mod_revision),
          ...(type === 'put' ? { value: kv.value.toString() } : {}),
          ...(prev ? { prevValue: prev.value.toString() } : {}),
        };
        emit({ kind: 'event', event });
      };
      watcher.on('put', forward('put'));
      watcher.on('delete', forward('delete'));
      // etcd cancels a watch from the server side for compaction (the common case) and a few
      // rarer reasons; re-listing is the correct answer to all of them.
      watcher.on('error', () => open && emit({ kind: 'compacted' }));
      watcher.on('disconnected', (error) => {
        if (!open) return;
        emit(this.closed ? { kind: 'end' } : { kind: 'disconnected', error });
      });
      this.watchers.set(watcher, undefined);
      return () => {
        open = false;
        void this.cancelWatcher(watcher);
      };
    },
  };

  /** Cancels once: a second cancel request would get a response etcd3 cannot match. */
  private cancelWatcher(watcher: Watcher): Promise<void> {
    let cancel = this.watchers.get(watcher);
    if (cancel === undefined) {
      cancel = watcher
        .cancel()
        .catch(() => undefined)
        .finally(() => this.watchers.delete(watcher));
      this.watchers.set(watcher, cancel);
    }
    return cancel;
  }

  private opts(): { deadline: number } {
    return { deadline: Date.now() + this.timeoutMs };
  }

  /** Runs one call, translating "cannot reach etcd" and compaction into our errors. */
  private async call<T>(fn: () => Promise<T>, revision?: number): Promise<T> {
    this.assertOpen();
    let timer: NodeJS.Timeout | undefined;
    // etcd3 does not apply the deadline to connection setup everywhere; this bounds it anyway.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(this.endpoints, { cause: 'timeout' })),
        this.timeoutMs + 500,
      );
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (error) {
      if (this.closed) throw new StoreClosedError();
      throw this.translate(error, revision);
    } finally {
      clearTimeout(timer);
    }
  }

  private translate(error: unknown, revision: number | undefined): unknown {
    if (error instanceof StoreUnavailableError || error instanceof ConflictError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (/required revision has been compacted/.test(message)) {
      return new CompactedError(revision ?? 0);
    }
    if (
      error instanceof GRPCUnavailableError ||
      error instanceof GRPCDeadlineExceededError ||
      /ECONNREFUSED|UNAVAILABLE|DEADLINE_EXCEEDED|No connection established|Deadline exceeded/i.test(
        message,
      )
    ) {
      return new StoreUnavailableError(this.endpoints, { cause: error });
    }
    return error;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function toKeyValue(kv: IKeyValue): KeyValue {
  const lease = kv.lease === '0' || kv.lease === '' ? undefined : kv.lease;
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    ...(lease === undefined ? {} : { lease }),
  };
}

/** The range end that covers every key starting with `prefix` (etcd's prefix convention). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export function createEtcdStore(options: EtcdStoreOptions): EtcdStore {
  return new EtcdStore(options);
}
