// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  SyncState as _mesh_v1_SyncState,
  SyncState__Output as _mesh_v1_SyncState__Output,
} from '../../mesh/v1/SyncState.js';

/**
 * Per-type sync status of one proxy.
 */
export interface TypeSyncStatus {
  /**
   * The type URL, e.g. "type.mesh.dev/mesh.v1.Cluster".
   */
  typeUrl?: string;
  /**
   * Its state.
   */
  state?: _mesh_v1_SyncState;
  /**
   * version_info of the last response sent; empty if none.
   */
  sentVersion?: string;
  /**
   * nonce of the last response sent; empty if none.
   */
  sentNonce?: string;
  /**
   * version_info the proxy last ACKed; empty if none.
   */
  ackedVersion?: string;
  /**
   * error_detail.message of the last NACK; empty after a later ACK.
   */
  lastError?: string;
}

/**
 * Per-type sync status of one proxy.
 */
export interface TypeSyncStatus__Output {
  /**
   * The type URL, e.g. "type.mesh.dev/mesh.v1.Cluster".
   */
  typeUrl: string;
  /**
   * Its state.
   */
  state: _mesh_v1_SyncState__Output;
  /**
   * version_info of the last response sent; empty if none.
   */
  sentVersion: string;
  /**
   * nonce of the last response sent; empty if none.
   */
  sentNonce: string;
  /**
   * version_info the proxy last ACKed; empty if none.
   */
  ackedVersion: string;
  /**
   * error_detail.message of the last NACK; empty after a later ACK.
   */
  lastError: string;
}
