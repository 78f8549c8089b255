// The stores the config API is tested on: a MemoryStore and an EtcdStore on a real etcd, both
// behind a thin wrapper that counts open watches (to see a cancelled Watch really end) and lets
// a test slip a write in just before a commit (to force the race Apply must retry on).
import {
  CONFIG_PREFIX,
  createEtcdStore,
  createMemoryStore,
  StoreUnavailableError,
} from '@mesh/store';
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
} from '@mesh/store';
import { startEtcd } from '@mesh/store/testing';

export interface Backend {
  readonly store: ObservedStore;
  /** Makes the store unreachable: etcd is stopped; the memory store starts to refuse calls. */
  down(): Promise<void>;
  /** Reachable again, and answering. */
  up(): Promise<void>;
  /** Removes all config, so each test starts empty. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export class ObservedStore implements ConfigStore {
  openWatches = 0;
  /** Refuse every call as an unreachable etcd would (memory backend only). */
  unreachable = false;
  /** Runs once, right before the next commit reaches the store. */
  beforeNextCommit: (() => Promise<void>) | undefined;

  constructor(readonly inner: ConfigStore) {}

  private check(): void {
    if (this.unreachable) throw new StoreUnavailableError(['memory://test']);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.check();
    return this.inner.get(key);
  }
  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    this.check();
    return this.inner.list(prefix, options);
  }
  watch(prefix: string, options?: WatchOptions): AsyncIterable<WatchEvent> {
    const inner = this.inner.watch(prefix, options);
    const counted = async function* (this: ObservedStore) {
      this.openWatches++;
      try {
        yield* inner;
      } finally {
        this.openWatches--;
      }
    };
    return counted.call(this);
  }
  async commit(ops: readonly CommitOp[]): Promise<CommitResult> {
    this.check();
    const hook = this.beforeNextCommit;
    this.beforeNextCommit = undefined;
    await hook?.();
    return this.inner.commit(ops);
  }
  async put(
    key: string,
    value: string,
    options?: { expectedModRevision?: number; lease?: string },
  ): Promise<CommitResult> {
    return this.commit([{ type: 'put', key, value, ...options }]);
  }
  async delete(key: string, options?: { expectedModRevision?: number }): Promise<CommitResult> {
    return this.commit([{ type: 'delete', key, ...options }]);
  }
  grantLease(ttlSeconds: number, options?: LeaseOptions): Promise<Lease> {
    return this.inner.grantLease(ttlSeconds, options);
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function clearConfig(store: ConfigStore): Promise<void> {
  const { items } = await store.list(CONFIG_PREFIX);
  if (items.length > 0) await store.commit(items.map((kv) => ({ type: 'delete', key: kv.key })));
}

export async function memoryBackend(): Promise<Backend> {
  const store = new ObservedStore(createMemoryStore());
  return {
    store,
    down: async () => {
      store.unreachable = true;
    },
    up: async () => {
      store.unreachable = false;
    },
    clear: () => clearConfig(store),
    close: () => store.close(),
  };
}

/** Short request deadline, so "etcd is down" is noticed in about a second. */
export const ETCD_REQUEST_TIMEOUT_MS = 1000;

export async function etcdBackend(): Promise<Backend> {
  const etcd = await startEtcd();
  const store = new ObservedStore(
    createEtcdStore({ endpoints: [etcd.endpoint], requestTimeoutMs: ETCD_REQUEST_TIMEOUT_MS }),
  );
  return {
    store,
    down: () => etcd.stop(),
    up: async () => {
      await etcd.restart();
      // The client reconnects with a backoff of up to a second; wait until it answers.
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await store.list(CONFIG_PREFIX);
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    clear: () => clearConfig(store),
    close: async () => {
      await store.close();
      await etcd.dispose();
    },
  };
}

export const BACKENDS: readonly (readonly [string, () => Promise<Backend>])[] = [
  ['MemoryStore', memoryBackend],
  ['EtcdStore', etcdBackend],
];
