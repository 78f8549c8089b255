// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/discovery.proto

import type {
  Node as _mesh_v1_Node,
  Node__Output as _mesh_v1_Node__Output,
} from '../../mesh/v1/Node.js';
import type {
  Status as _mesh_v1_Status,
  Status__Output as _mesh_v1_Status__Output,
} from '../../mesh/v1/Status.js';

/**
 * Proxy -> control plane: a subscription, an ACK, or a NACK, for one type URL.
 */
export interface DiscoveryRequest {
  /**
   * The sending proxy. Required on every request.
   */
  node?: _mesh_v1_Node | null;
  /**
   * The resource type this request is about; one of the TYPE_URL constants (see README).
   */
  typeUrl?: string;
  /**
   * The version_info of the last response of this type the proxy applied; empty before the
   * first one. On a NACK it stays the last version that was applied, not the rejected one.
   */
  versionInfo?: string;
  /**
   * The nonce of the response this request answers; empty on the first request for a type
   * (a subscription), including after a reconnect.
   */
  responseNonce?: string;
  /**
   * Set only on a NACK: why the response named by response_nonce was rejected. Absent on an
   * ACK or a subscription.
   */
  errorDetail?: _mesh_v1_Status | null;
  /**
   * Names of the resources wanted. Empty means all of this type (the only mode served today);
   * reserved for on-demand subscriptions later.
   */
  resourceNames?: string[];
}

/**
 * Proxy -> control plane: a subscription, an ACK, or a NACK, for one type URL.
 */
export interface DiscoveryRequest__Output {
  /**
   * The sending proxy. Required on every request.
   */
  node: _mesh_v1_Node__Output | null;
  /**
   * The resource type this request is about; one of the TYPE_URL constants (see README).
   */
  typeUrl: string;
  /**
   * The version_info of the last response of this type the proxy applied; empty before the
   * first one. On a NACK it stays the last version that was applied, not the rejected one.
   */
  versionInfo: string;
  /**
   * The nonce of the response this request answers; empty on the first request for a type
   * (a subscription), including after a reconnect.
   */
  responseNonce: string;
  /**
   * Set only on a NACK: why the response named by response_nonce was rejected. Absent on an
   * ACK or a subscription.
   */
  errorDetail: _mesh_v1_Status__Output | null;
  /**
   * Names of the resources wanted. Empty means all of this type (the only mode served today);
   * reserved for on-demand subscriptions later.
   */
  resourceNames: string[];
}
