// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  Document as _mesh_v1_Document,
  Document__Output as _mesh_v1_Document__Output,
} from '../../mesh/v1/Document.js';
import type { Long } from '@grpc/proto-loader';

export interface GetResponse {
  /**
   * The stored resource; text is JSON.
   */
  document?: _mesh_v1_Document | null;
  /**
   * Store revision the read was served at.
   */
  revision?: number | string | Long;
}

export interface GetResponse__Output {
  /**
   * The stored resource; text is JSON.
   */
  document: _mesh_v1_Document__Output | null;
  /**
   * Store revision the read was served at.
   */
  revision: string;
}
