// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/discovery.proto

/**
 * One named resource. The body is JSON of the @mesh/rules domain type for this type URL (see
 * proto/README.md for why not a protobuf schema per type).
 */
export interface Resource {
  /**
   * Name unique within the type, e.g. a route table's "mesh" or "80", a cluster's
   * "outbound|9080|v1|reviews.default.svc.cluster.local". Required.
   */
  name?: string;
  /**
   * Hash of body: equal versions mean equal bodies, so a proxy can skip unchanged resources.
   */
  version?: string;
  /**
   * The resource, serialized as content_type says.
   */
  body?: Buffer | Uint8Array | string;
  /**
   * Media type of body. Only "application/json" (UTF-8) is defined.
   */
  contentType?: string;
}

/**
 * One named resource. The body is JSON of the @mesh/rules domain type for this type URL (see
 * proto/README.md for why not a protobuf schema per type).
 */
export interface Resource__Output {
  /**
   * Name unique within the type, e.g. a route table's "mesh" or "80", a cluster's
   * "outbound|9080|v1|reviews.default.svc.cluster.local". Required.
   */
  name: string;
  /**
   * Hash of body: equal versions mean equal bodies, so a proxy can skip unchanged resources.
   */
  version: string;
  /**
   * The resource, serialized as content_type says.
   */
  body: Buffer;
  /**
   * Media type of body. Only "application/json" (UTF-8) is defined.
   */
  contentType: string;
}
