// Typed errors with stable codes, so callers (and the control plane's API) can map them to
// responses without parsing messages.

/** An expectation in a commit failed; nothing in the batch was written (like a Kubernetes 409). */
export class ConflictError extends Error {
  readonly code = 'MESH_ERR_CONFLICT';
  constructor(
    readonly key: string,
    readonly expectedModRevision: number,
    /** 0 when the key does not exist. */
    readonly actualModRevision: number,
  ) {
    super(
      expectedModRevision === 0
        ? `conflict on ${key}: expected it not to exist, but it exists at revision ${actualModRevision}`
        : `conflict on ${key}: expected revision ${expectedModRevision}, found ${
            actualModRevision === 0 ? 'no such key' : `revision ${actualModRevision}`
          }`,
    );
    this.name = 'ConflictError';
  }
}

/** The backend could not be reached in time. */
export class StoreUnavailableError extends Error {
  readonly code = 'MESH_ERR_STORE_UNAVAILABLE';
  constructor(
    readonly endpoints: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`config store unavailable: cannot reach etcd at ${endpoints.join(', ')}`, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The requested revision is older than the store's retained history. */
export class CompactedError extends Error {
  readonly code = 'MESH_ERR_COMPACTED';
  constructor(
    readonly revision: number,
    /** Where the retained history starts, when the backend says so (etcd does not). */
    readonly compactRevision?: number,
  ) {
    super(
      `revision ${revision} has been compacted` +
        (compactRevision === undefined ? '' : ` (history starts after ${compactRevision})`),
    );
    this.name = 'CompactedError';
  }
}

/** The store was closed; no further operations are possible. */
export class StoreClosedError extends Error {
  readonly code = 'MESH_ERR_STORE_CLOSED';
  constructor() {
    super('config store is closed');
    this.name = 'StoreClosedError';
  }
}
