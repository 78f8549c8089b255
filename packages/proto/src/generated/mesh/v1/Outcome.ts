// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

/**
 * What Apply or Delete did (or, with dry_run, would do) to one resource.
 */
export const Outcome = {
  /**
   * Never sent.
   */
  OUTCOME_UNSPECIFIED: 'OUTCOME_UNSPECIFIED',
  /**
   * The resource did not exist and was created.
   */
  OUTCOME_CREATED: 'OUTCOME_CREATED',
  /**
   * The resource existed and its content changed.
   */
  OUTCOME_CONFIGURED: 'OUTCOME_CONFIGURED',
  /**
   * The resource existed with the same content; nothing was written.
   */
  OUTCOME_UNCHANGED: 'OUTCOME_UNCHANGED',
  /**
   * The resource was removed.
   */
  OUTCOME_DELETED: 'OUTCOME_DELETED',
} as const;

/**
 * What Apply or Delete did (or, with dry_run, would do) to one resource.
 */
export type Outcome =
  /**
   * Never sent.
   */
  | 'OUTCOME_UNSPECIFIED'
  | 0
  /**
   * The resource did not exist and was created.
   */
  | 'OUTCOME_CREATED'
  | 1
  /**
   * The resource existed and its content changed.
   */
  | 'OUTCOME_CONFIGURED'
  | 2
  /**
   * The resource existed with the same content; nothing was written.
   */
  | 'OUTCOME_UNCHANGED'
  | 3
  /**
   * The resource was removed.
   */
  | 'OUTCOME_DELETED'
  | 4;

/**
 * What Apply or Delete did (or, with dry_run, would do) to one resource.
 */
export type Outcome__Output = (typeof Outcome)[keyof typeof Outcome];
