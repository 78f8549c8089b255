// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

export interface DeleteRequest {
  /**
   * Resource kind. Required.
   */
  kind?: string;
  /**
   * Namespace; empty means "default".
   */
  namespace?: string;
  /**
   * Resource name. Required.
   */
  name?: string;
  /**
   * Version the caller read; empty means delete whatever is stored. Stale -> ABORTED.
   */
  resourceVersion?: string;
}

export interface DeleteRequest__Output {
  /**
   * Resource kind. Required.
   */
  kind: string;
  /**
   * Namespace; empty means "default".
   */
  namespace: string;
  /**
   * Resource name. Required.
   */
  name: string;
  /**
   * Version the caller read; empty means delete whatever is stored. Stale -> ABORTED.
   */
  resourceVersion: string;
}
