// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  Document as _mesh_v1_Document,
  Document__Output as _mesh_v1_Document__Output,
} from '../../mesh/v1/Document.js';

export interface ApplyRequest {
  /**
   * The documents to write, all or nothing. At most one document per kind/namespace/name.
   */
  documents?: _mesh_v1_Document[];
  /**
   * Validate and check versions against the store, report outcomes, but write nothing.
   */
  dryRun?: boolean;
  /**
   * As ValidateRequest.known_hosts.
   */
  knownHosts?: string[];
}

export interface ApplyRequest__Output {
  /**
   * The documents to write, all or nothing. At most one document per kind/namespace/name.
   */
  documents: _mesh_v1_Document__Output[];
  /**
   * Validate and check versions against the store, report outcomes, but write nothing.
   */
  dryRun: boolean;
  /**
   * As ValidateRequest.known_hosts.
   */
  knownHosts: string[];
}
