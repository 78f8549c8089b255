// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  TypeSyncStatus as _mesh_v1_TypeSyncStatus,
  TypeSyncStatus__Output as _mesh_v1_TypeSyncStatus__Output,
} from '../../mesh/v1/TypeSyncStatus.js';

/**
 * One connected proxy, as one control-plane replica sees it.
 */
export interface ProxyStatusRow {
  /**
   * Node.id of the proxy.
   */
  proxyId?: string;
  /**
   * Node.workload_name of the proxy.
   */
  workload?: string;
  /**
   * Node.namespace of the proxy.
   */
  namespace?: string;
  /**
   * Name of the control-plane replica the proxy is connected to, e.g. "control-plane-0".
   */
  controlPlane?: string;
  /**
   * One entry per type URL the proxy subscribed to (or should have), ordered by type URL.
   */
  types?: _mesh_v1_TypeSyncStatus[];
}

/**
 * One connected proxy, as one control-plane replica sees it.
 */
export interface ProxyStatusRow__Output {
  /**
   * Node.id of the proxy.
   */
  proxyId: string;
  /**
   * Node.workload_name of the proxy.
   */
  workload: string;
  /**
   * Node.namespace of the proxy.
   */
  namespace: string;
  /**
   * Name of the control-plane replica the proxy is connected to, e.g. "control-plane-0".
   */
  controlPlane: string;
  /**
   * One entry per type URL the proxy subscribed to (or should have), ordered by type URL.
   */
  types: _mesh_v1_TypeSyncStatus__Output[];
}
