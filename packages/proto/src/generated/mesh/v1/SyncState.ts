// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

/**
 * Whether a proxy holds the config the control plane wants it to hold, for one type URL.
 */
export const SyncState = {
  /**
   * Never sent.
   */
  SYNC_STATE_UNSPECIFIED: 'SYNC_STATE_UNSPECIFIED',
  /**
   * The last response sent was ACKed.
   */
  SYNC_STATE_SYNCED: 'SYNC_STATE_SYNCED',
  /**
   * A response was sent and neither ACKed nor NACKed yet, or newer config awaits sending.
   */
  SYNC_STATE_STALE: 'SYNC_STATE_STALE',
  /**
   * Nothing of this type was sent yet.
   */
  SYNC_STATE_NOT_SENT: 'SYNC_STATE_NOT_SENT',
  /**
   * The last response sent was NACKed; last_error says why.
   */
  SYNC_STATE_ERROR: 'SYNC_STATE_ERROR',
} as const;

/**
 * Whether a proxy holds the config the control plane wants it to hold, for one type URL.
 */
export type SyncState =
  /**
   * Never sent.
   */
  | 'SYNC_STATE_UNSPECIFIED'
  | 0
  /**
   * The last response sent was ACKed.
   */
  | 'SYNC_STATE_SYNCED'
  | 1
  /**
   * A response was sent and neither ACKed nor NACKed yet, or newer config awaits sending.
   */
  | 'SYNC_STATE_STALE'
  | 2
  /**
   * Nothing of this type was sent yet.
   */
  | 'SYNC_STATE_NOT_SENT'
  | 3
  /**
   * The last response sent was NACKed; last_error says why.
   */
  | 'SYNC_STATE_ERROR'
  | 4;

/**
 * Whether a proxy holds the config the control plane wants it to hold, for one type URL.
 */
export type SyncState__Output = (typeof SyncState)[keyof typeof SyncState];
