// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  /**
   * Send changes with a revision greater than this; 0 means from now on.
   */
  fromRevision?: number | string | Long;
  /**
   * Only this kind; empty means every kind.
   */
  kind?: string;
  /**
   * Only this namespace; empty means every namespace.
   */
  namespace?: string;
}

export interface WatchRequest__Output {
  /**
   * Send changes with a revision greater than this; 0 means from now on.
   */
  fromRevision: string;
  /**
   * Only this kind; empty means every kind.
   */
  kind: string;
  /**
   * Only this namespace; empty means every namespace.
   */
  namespace: string;
}
