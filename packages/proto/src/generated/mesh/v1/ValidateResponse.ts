// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  Diagnostic as _mesh_v1_Diagnostic,
  Diagnostic__Output as _mesh_v1_Diagnostic__Output,
} from '../../mesh/v1/Diagnostic.js';

export interface ValidateResponse {
  /**
   * True when no diagnostic has severity ERROR.
   */
  valid?: boolean;
  /**
   * Every problem found, errors first.
   */
  diagnostics?: _mesh_v1_Diagnostic[];
}

export interface ValidateResponse__Output {
  /**
   * True when no diagnostic has severity ERROR.
   */
  valid: boolean;
  /**
   * Every problem found, errors first.
   */
  diagnostics: _mesh_v1_Diagnostic__Output[];
}
