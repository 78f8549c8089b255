// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  Outcome as _mesh_v1_Outcome,
  Outcome__Output as _mesh_v1_Outcome__Output,
} from '../../mesh/v1/Outcome.js';

/**
 * The result for one document of an Apply or Delete.
 */
export interface DocumentResult {
  /**
   * Kind of the resource.
   */
  kind?: string;
  /**
   * Namespace of the resource (after defaulting).
   */
  namespace?: string;
  /**
   * Name of the resource.
   */
  name?: string;
  /**
   * What happened to it.
   */
  outcome?: _mesh_v1_Outcome;
  /**
   * Its resource_version after the call (for deleted: the version that was removed). With
   * dry_run: the current version, unchanged.
   */
  resourceVersion?: string;
}

/**
 * The result for one document of an Apply or Delete.
 */
export interface DocumentResult__Output {
  /**
   * Kind of the resource.
   */
  kind: string;
  /**
   * Namespace of the resource (after defaulting).
   */
  namespace: string;
  /**
   * Name of the resource.
   */
  name: string;
  /**
   * What happened to it.
   */
  outcome: _mesh_v1_Outcome__Output;
  /**
   * Its resource_version after the call (for deleted: the version that was removed). With
   * dry_run: the current version, unchanged.
   */
  resourceVersion: string;
}
