// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  DocumentResult as _mesh_v1_DocumentResult,
  DocumentResult__Output as _mesh_v1_DocumentResult__Output,
} from '../../mesh/v1/DocumentResult.js';
import type { Long } from '@grpc/proto-loader';

export interface DeleteResponse {
  /**
   * Outcome is always OUTCOME_DELETED.
   */
  result?: _mesh_v1_DocumentResult | null;
  /**
   * Store revision after the delete.
   */
  revision?: number | string | Long;
}

export interface DeleteResponse__Output {
  /**
   * Outcome is always OUTCOME_DELETED.
   */
  result: _mesh_v1_DocumentResult__Output | null;
  /**
   * Store revision after the delete.
   */
  revision: string;
}
