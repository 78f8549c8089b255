// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  Document as _mesh_v1_Document,
  Document__Output as _mesh_v1_Document__Output,
} from '../../mesh/v1/Document.js';
import type { Long } from '@grpc/proto-loader';

export interface ListResponse {
  /**
   * The stored resources, ordered by kind, namespace, name; texts are JSON.
   */
  documents?: _mesh_v1_Document[];
  /**
   * Store revision the list was served at; Watch from it to follow changes without a gap.
   */
  revision?: number | string | Long;
}

export interface ListResponse__Output {
  /**
   * The stored resources, ordered by kind, namespace, name; texts are JSON.
   */
  documents: _mesh_v1_Document__Output[];
  /**
   * Store revision the list was served at; Watch from it to follow changes without a gap.
   */
  revision: string;
}
