// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

export interface GetRequest {
  /**
   * Resource kind, e.g. "DestinationRule". Required.
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
}

export interface GetRequest__Output {
  /**
   * Resource kind, e.g. "DestinationRule". Required.
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
}
