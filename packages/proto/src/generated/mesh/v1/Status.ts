// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/discovery.proto

/**
 * Status of a rejected response, carried in a NACK. Mirrors google.rpc.Status without its
 * details so this contract imports nothing.
 */
export interface Status {
  /**
   * gRPC status code (google.rpc.Code); never 0 (OK) in a NACK. INVALID_ARGUMENT (3) when a
   * resource failed the proxy's checks: the control plane never resends that version. Any other
   * code means "could not apply it now" (INTERNAL, UNAVAILABLE): the control plane offers the
   * version again once another type of that proxy moves on.
   */
  code?: number;
  /**
   * What was wrong, for humans: which resource and field; shown by `meshctl proxy-status`.
   */
  message?: string;
}

/**
 * Status of a rejected response, carried in a NACK. Mirrors google.rpc.Status without its
 * details so this contract imports nothing.
 */
export interface Status__Output {
  /**
   * gRPC status code (google.rpc.Code); never 0 (OK) in a NACK. INVALID_ARGUMENT (3) when a
   * resource failed the proxy's checks: the control plane never resends that version. Any other
   * code means "could not apply it now" (INTERNAL, UNAVAILABLE): the control plane offers the
   * version again once another type of that proxy moves on.
   */
  code: number;
  /**
   * What was wrong, for humans: which resource and field; shown by `meshctl proxy-status`.
   */
  message: string;
}
