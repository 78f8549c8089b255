// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

/**
 * Severity of a Diagnostic.
 */
export const Severity = {
  /**
   * Never sent; a decoder treats it as a malformed message.
   */
  SEVERITY_UNSPECIFIED: 'SEVERITY_UNSPECIFIED',
  /**
   * Blocks Apply.
   */
  SEVERITY_ERROR: 'SEVERITY_ERROR',
  /**
   * Applied, but probably not what the user meant.
   */
  SEVERITY_WARNING: 'SEVERITY_WARNING',
  /**
   * For information, e.g. a skipped non-Istio object.
   */
  SEVERITY_INFO: 'SEVERITY_INFO',
} as const;

/**
 * Severity of a Diagnostic.
 */
export type Severity =
  /**
   * Never sent; a decoder treats it as a malformed message.
   */
  | 'SEVERITY_UNSPECIFIED'
  | 0
  /**
   * Blocks Apply.
   */
  | 'SEVERITY_ERROR'
  | 1
  /**
   * Applied, but probably not what the user meant.
   */
  | 'SEVERITY_WARNING'
  | 2
  /**
   * For information, e.g. a skipped non-Istio object.
   */
  | 'SEVERITY_INFO'
  | 3;

/**
 * Severity of a Diagnostic.
 */
export type Severity__Output = (typeof Severity)[keyof typeof Severity];
