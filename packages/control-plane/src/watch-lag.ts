// Store watch lag: how far this replica's world trails the store. etcd keeps no commit times, so
// the lag is measured where both ends are known: for the writes this replica makes itself
// (config through ConfigService, its proxies' registry records), from the write returning to the
// world's watch applying that revision. Other replicas' writes are measured by those replicas.
//
// A write can be applied before its commit call returns (the watch and the reply race); that is
// no lag, recorded as 0. A write's revision is applied once the world's watch of its area has
// reached it: watches deliver in revision order, so nothing at or below it is still to come.
import type { CommitOp, CommitResult, ConfigStore } from '@mesh/store';

export type WatchArea = 'config' | 'registry';

export interface WatchLagOptions {
  /** The area the world follows a key in, or undefined for keys it does not follow. */
  areaOf(key: string): WatchArea | undefined;
  /** The highest store revision the world has applied in an area (its list, then its watch). */
  applied(area: WatchArea): number;
  /** One write applied, `seconds` after it returned. */
  observe(area: WatchArea, seconds: number): void;
  /** Writes waiting to be seen, at most (the oldest are forgotten). Default 10 000. */
  maxPending?: number;
  now?(): number;
}

interface PendingWrite {
  readonly area: WatchArea;
  readonly revision: number;
  readonly at: number;
}

/** What a commit op tells about the store: did it certainly make a new revision? */
type WriteOp = Pick<CommitOp, 'type' | 'key' | 'expectedModRevision'>;

export class WatchLag {
  private pending: PendingWrite[] = [];
  private readonly now: () => number;

  constructor(private readonly options: WatchLagOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** `store` with its writes timed; reads, watches and leases pass straight through. */
  wrap(store: ConfigStore): ConfigStore {
    const timed = async (ops: readonly WriteOp[], write: Promise<CommitResult>) => {
      const result = await write;
      this.written(ops, result.revision);
      return result;
    };
    return {
      get: (key) => store.get(key),
      list: (prefix, options) => store.list(prefix, options),
      watch: (prefix, options) => store.watch(prefix, options),
      commit: (ops) => timed(ops, store.commit(ops)),
      put: (key, value, options) => timed([{ type: 'put', key }], store.put(key, value, options)),
      delete: (key, options) =>
        timed(
          [{ type: 'delete', key, expectedModRevision: options?.expectedModRevision }],
          store.delete(key, options),
        ),
      grantLease: (ttl, options) => store.grantLease(ttl, options),
      compact: (revision) => store.compact(revision),
      close: () => store.close(),
    };
  }

  /** A write returned at `revision`. */
  written(ops: readonly WriteOp[], revision: number): void {
    const areas = new Set<WatchArea>();
    for (const op of ops) {
      // A put always makes a revision; a delete only if the key existed, which an expected
      // revision guarantees once the commit succeeded. An unconditional delete of a missing
      // key changes nothing, and no event would ever come for it.
      if (op.type === 'delete' && !op.expectedModRevision) continue;
      const area = this.options.areaOf(op.key);
      if (area) areas.add(area);
    }
    const at = this.now();
    for (const area of areas) {
      if (this.options.applied(area) >= revision) this.options.observe(area, 0);
      else this.pending.push({ area, revision, at });
    }
    const max = this.options.maxPending ?? 10_000;
    if (this.pending.length > max) this.pending.splice(0, this.pending.length - max);
  }

  /** The world applied a change in `area`: writes its watch has now reached are done. */
  onApplied(area: WatchArea): void {
    if (this.pending.length === 0) return;
    const applied = this.options.applied(area);
    const now = this.now();
    this.pending = this.pending.filter((w) => {
      if (w.area !== area || w.revision > applied) return true;
      this.options.observe(area, Math.max(0, now - w.at) / 1000);
      return false;
    });
  }

  /** Revisions between the newest write not applied yet and what its area's watch applied. */
  revisionsBehind(): number {
    let behind = 0;
    for (const w of this.pending) {
      behind = Math.max(behind, w.revision - this.options.applied(w.area));
    }
    return behind;
  }
}
