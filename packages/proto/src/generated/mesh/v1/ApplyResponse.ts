// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  DocumentResult as _mesh_v1_DocumentResult,
  DocumentResult__Output as _mesh_v1_DocumentResult__Output,
} from '../../mesh/v1/DocumentResult.js';
import type {
  Diagnostic as _mesh_v1_Diagnostic,
  Diagnostic__Output as _mesh_v1_Diagnostic__Output,
} from '../../mesh/v1/Diagnostic.js';
import type { Long } from '@grpc/proto-loader';

export interface ApplyResponse {
  /**
   * One result per document, in request order.
   */
  results?: _mesh_v1_DocumentResult[];
  /**
   * Warnings and infos (errors fail the call instead).
   */
  diagnostics?: _mesh_v1_Diagnostic[];
  /**
   * Store revision after the write; with dry_run or when nothing changed, the current one.
   * An etcd revision; Watch from it to see later changes only.
   */
  revision?: number | string | Long;
}

export interface ApplyResponse__Output {
  /**
   * One result per document, in request order.
   */
  results: _mesh_v1_DocumentResult__Output[];
  /**
   * Warnings and infos (errors fail the call instead).
   */
  diagnostics: _mesh_v1_Diagnostic__Output[];
  /**
   * Store revision after the write; with dry_run or when nothing changed, the current one.
   * An etcd revision; Watch from it to see later changes only.
   */
  revision: string;
}
