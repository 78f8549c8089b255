// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  EventType as _mesh_v1_EventType,
  EventType__Output as _mesh_v1_EventType__Output,
} from '../../mesh/v1/EventType.js';
import type {
  Document as _mesh_v1_Document,
  Document__Output as _mesh_v1_Document__Output,
} from '../../mesh/v1/Document.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One change in the store.
 */
export interface ConfigEvent {
  /**
   * Put or delete.
   */
  type?: _mesh_v1_EventType;
  /**
   * The resource after the change (for a delete: before it); text is JSON.
   */
  document?: _mesh_v1_Document | null;
  /**
   * Store revision of the change; strictly increasing along a Watch.
   */
  revision?: number | string | Long;
}

/**
 * One change in the store.
 */
export interface ConfigEvent__Output {
  /**
   * Put or delete.
   */
  type: _mesh_v1_EventType__Output;
  /**
   * The resource after the change (for a delete: before it); text is JSON.
   */
  document: _mesh_v1_Document__Output | null;
  /**
   * Store revision of the change; strictly increasing along a Watch.
   */
  revision: string;
}
