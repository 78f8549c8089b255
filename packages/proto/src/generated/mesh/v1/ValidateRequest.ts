// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  Document as _mesh_v1_Document,
  Document__Output as _mesh_v1_Document__Output,
} from '../../mesh/v1/Document.js';

export interface ValidateRequest {
  /**
   * The documents to check together (cross-resource analysis sees all of them plus the store).
   */
  documents?: _mesh_v1_Document[];
  /**
   * Hosts the client knows exist although they are not stored (the Kubernetes Services in the
   * files it read), as FQDNs; analysis does not report routes to them as unknown.
   */
  knownHosts?: string[];
}

export interface ValidateRequest__Output {
  /**
   * The documents to check together (cross-resource analysis sees all of them plus the store).
   */
  documents: _mesh_v1_Document__Output[];
  /**
   * Hosts the client knows exist although they are not stored (the Kubernetes Services in the
   * files it read), as FQDNs; analysis does not report routes to them as unknown.
   */
  knownHosts: string[];
}
