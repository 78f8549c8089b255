// The ConfigStore contract: a generic, ordered key-value store with revisions, shaped like etcd so
// that the etcd backend is a thin mapping and the embedded backend can be checked against it.

/** One stored key, with etcd's bookkeeping. Revisions are store-wide and strictly increasing. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this key (since its last deletion). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
  /** Number of writes since creation; 1 for a fresh key. */
  version: number;
  /** Lease the key is attached to, if any. */
  lease?: string;
}

export interface ListResult {
  /** Sorted by key (byte order of the UTF-8 keys, as etcd sorts). */
  items: KeyValue[];
  /** Store revision the list was read at; watch from `revision + 1` to miss nothing. */
  revision: number;
}

export interface ListOptions {
  /** Read the state as of this revision (must not be compacted). Default: now. */
  revision?: number;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** The new value (puts only). */
  value?: string;
  /** Revision of the change. For deletes found by a resync, the revision of the resync's list. */
  modRevision: number;
  /** The value before this change, when known. */
  prevValue?: string;
}

export interface WatchOptions {
  /** First revision to deliver (inclusive, as etcd). Default: changes after "now". */
  fromRevision?: number;
  /**
   * What the consumer already holds at `fromRevision - 1` (typically the items of the list it
   * watches after). Used to compute exact differences if that history is compacted; without
   * it the watch reads the store at `fromRevision - 1` itself when it starts.
   */
  baseline?: readonly KeyValue[];
  /** Ends the iteration (cleanly, without an error) when aborted. */
  signal?: AbortSignal;
}

export type CommitOp =
  | {
      type: 'put';
      key: string;
      value: string;
      /** Write only if the key's modRevision is this; 0 means "only if the key does not exist". */
      expectedModRevision?: number;
      lease?: string;
    }
  | {
      type: 'delete';
      key: string;
      /** Delete only if the key's modRevision is this. */
      expectedModRevision?: number;
    };

export interface CommitResult {
  /** Store revision after the commit (unchanged if the commit changed nothing). */
  revision: number;
}

export interface LeaseOptions {
  /**
   * Keep the lease alive in the background until revoked or the store is closed (default true).
   * false lets the lease expire after its TTL, which is what a crashed owner looks like.
   */
  keepAlive?: boolean;
}

export interface Lease {
  readonly id: string;
  readonly ttlSeconds: number;
  /** Ends the lease now; its keys are deleted. */
  revoke(): Promise<void>;
  /** Called once if the lease expires or can no longer be kept alive. */
  onLost(callback: (error: Error) => void): void;
}

export interface ConfigStore {
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /**
   * Changes under `prefix`, in revision order, each exactly once, across backend restarts and
   * compactions (a compacted start revision is bridged by a re-list; see resync-watch.ts).
   */
  watch(prefix: string, options?: WatchOptions): AsyncIterable<WatchEvent>;
  /** All ops or none; rejects with ConflictError when any expectation fails. */
  commit(ops: readonly CommitOp[]): Promise<CommitResult>;
  put(
    key: string,
    value: string,
    options?: { expectedModRevision?: number; lease?: string },
  ): Promise<CommitResult>;
  delete(key: string, options?: { expectedModRevision?: number }): Promise<CommitResult>;
  grantLease(ttlSeconds: number, options?: LeaseOptions): Promise<Lease>;
  /** Drops history before `revision`; watches from older revisions then resync by listing. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
