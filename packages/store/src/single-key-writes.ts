// put and delete are one-op commits in every store; writing them once keeps the stores' write
// semantics (expectations, leases, conflicts) in their commit alone.
import type { CommitOp, CommitResult } from './types.js';

export abstract class SingleKeyWrites {
  abstract commit(ops: readonly CommitOp[]): Promise<CommitResult>;

  put(
    key: string,
    value: string,
    options: { expectedModRevision?: number; lease?: string } = {},
  ): Promise<CommitResult> {
    return this.commit([{ type: 'put', key, value, ...options }]);
  }

  delete(key: string, options: { expectedModRevision?: number } = {}): Promise<CommitResult> {
    return this.commit([{ type: 'delete', key, ...options }]);
  }
}
