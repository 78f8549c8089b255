// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  Severity as _mesh_v1_Severity,
  Severity__Output as _mesh_v1_Severity__Output,
} from '../../mesh/v1/Severity.js';

/**
 * A problem found in a document; the same shape as @mesh/rules' Diagnostic.
 */
export interface Diagnostic {
  /**
   * How bad it is; only ERROR blocks an Apply.
   */
  severity?: _mesh_v1_Severity;
  /**
   * Stable code, e.g. "MESH-V0003" (validation) or "MESH-A0001" (analysis); see docs/errors.md.
   */
  code?: string;
  /**
   * Kind of the resource the problem is in.
   */
  kind?: string;
  /**
   * Namespace of that resource; empty for a document that never became a resource.
   */
  namespace?: string;
  /**
   * Name of that resource (or the document's file/index when it has none).
   */
  name?: string;
  /**
   * Field path, e.g. "spec.http[1].route[0].weight"; empty for the whole resource.
   */
  path?: string;
  /**
   * What is wrong, in words, naming the value.
   */
  message?: string;
  /**
   * One line on how to fix it; empty when there is none.
   */
  hint?: string;
  /**
   * File the document came from (Document.source_file); empty when unknown.
   */
  sourceFile?: string;
  /**
   * Document index within that file (Document.source_document); absent when unknown.
   */
  sourceDocument?: number;
  _sourceDocument?: 'sourceDocument';
}

/**
 * A problem found in a document; the same shape as @mesh/rules' Diagnostic.
 */
export interface Diagnostic__Output {
  /**
   * How bad it is; only ERROR blocks an Apply.
   */
  severity: _mesh_v1_Severity__Output;
  /**
   * Stable code, e.g. "MESH-V0003" (validation) or "MESH-A0001" (analysis); see docs/errors.md.
   */
  code: string;
  /**
   * Kind of the resource the problem is in.
   */
  kind: string;
  /**
   * Namespace of that resource; empty for a document that never became a resource.
   */
  namespace: string;
  /**
   * Name of that resource (or the document's file/index when it has none).
   */
  name: string;
  /**
   * Field path, e.g. "spec.http[1].route[0].weight"; empty for the whole resource.
   */
  path: string;
  /**
   * What is wrong, in words, naming the value.
   */
  message: string;
  /**
   * One line on how to fix it; empty when there is none.
   */
  hint: string;
  /**
   * File the document came from (Document.source_file); empty when unknown.
   */
  sourceFile: string;
  /**
   * Document index within that file (Document.source_document); absent when unknown.
   */
  sourceDocument?: number;
  _sourceDocument?: 'sourceDocument';
}
