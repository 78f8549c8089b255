// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  Diagnostic as _mesh_v1_Diagnostic,
  Diagnostic__Output as _mesh_v1_Diagnostic__Output,
} from '../../mesh/v1/Diagnostic.js';

/**
 * Diagnostics of a failed call, serialized into the "mesh-diagnostics-bin" trailing metadata of
 * an INVALID_ARGUMENT status.
 */
export interface DiagnosticList {
  /**
   * All diagnostics of the call, errors first.
   */
  diagnostics?: _mesh_v1_Diagnostic[];
}

/**
 * Diagnostics of a failed call, serialized into the "mesh-diagnostics-bin" trailing metadata of
 * an INVALID_ARGUMENT status.
 */
export interface DiagnosticList__Output {
  /**
   * All diagnostics of the call, errors first.
   */
  diagnostics: _mesh_v1_Diagnostic__Output[];
}
