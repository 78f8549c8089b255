// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

/**
 * Kind of change in a ConfigEvent.
 */
export const EventType = {
  /**
   * Never sent.
   */
  EVENT_TYPE_UNSPECIFIED: 'EVENT_TYPE_UNSPECIFIED',
  /**
   * Created or updated; document holds the new content.
   */
  EVENT_TYPE_PUT: 'EVENT_TYPE_PUT',
  /**
   * Removed; document holds the last content.
   */
  EVENT_TYPE_DELETE: 'EVENT_TYPE_DELETE',
} as const;

/**
 * Kind of change in a ConfigEvent.
 */
export type EventType =
  /**
   * Never sent.
   */
  | 'EVENT_TYPE_UNSPECIFIED'
  | 0
  /**
   * Created or updated; document holds the new content.
   */
  | 'EVENT_TYPE_PUT'
  | 1
  /**
   * Removed; document holds the last content.
   */
  | 'EVENT_TYPE_DELETE'
  | 2;

/**
 * Kind of change in a ConfigEvent.
 */
export type EventType__Output = (typeof EventType)[keyof typeof EventType];
