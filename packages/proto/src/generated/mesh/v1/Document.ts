// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

/**
 * One config document: a single Istio resource as text plus the fields that name it.
 */
export interface Document {
  /**
   * Resource kind, e.g. "VirtualService". Required; must match the text.
   */
  kind?: string;
  /**
   * Namespace; empty means "default" on Apply. Must match the text when the text names one.
   */
  namespace?: string;
  /**
   * Resource name. Required; must match the text.
   */
  name?: string;
  /**
   * On Apply and Delete: the resource_version the caller read. Empty means no precondition
   * (last writer wins, as `kubectl apply` without a version); otherwise the write fails with
   * ABORTED unless the stored resource still has this version. On Get/List/Watch: the stored
   * version.
   */
  resourceVersion?: string;
  /**
   * The resource as YAML or JSON text (JSON is YAML), one document. Get/List/Watch return JSON.
   */
  text?: string;
  /**
   * Where the text came from, e.g. "samples/bookinfo/virtual-service-all-v1.yaml"; copied into
   * diagnostics. Empty when unknown.
   */
  sourceFile?: string;
  /**
   * Index of this document within source_file, from 0; copied into diagnostics.
   */
  sourceDocument?: number;
  _sourceDocument?: 'sourceDocument';
}

/**
 * One config document: a single Istio resource as text plus the fields that name it.
 */
export interface Document__Output {
  /**
   * Resource kind, e.g. "VirtualService". Required; must match the text.
   */
  kind: string;
  /**
   * Namespace; empty means "default" on Apply. Must match the text when the text names one.
   */
  namespace: string;
  /**
   * Resource name. Required; must match the text.
   */
  name: string;
  /**
   * On Apply and Delete: the resource_version the caller read. Empty means no precondition
   * (last writer wins, as `kubectl apply` without a version); otherwise the write fails with
   * ABORTED unless the stored resource still has this version. On Get/List/Watch: the stored
   * version.
   */
  resourceVersion: string;
  /**
   * The resource as YAML or JSON text (JSON is YAML), one document. Get/List/Watch return JSON.
   */
  text: string;
  /**
   * Where the text came from, e.g. "samples/bookinfo/virtual-service-all-v1.yaml"; copied into
   * diagnostics. Empty when unknown.
   */
  sourceFile: string;
  /**
   * Index of this document within source_file, from 0; copied into diagnostics.
   */
  sourceDocument?: number;
  _sourceDocument?: 'sourceDocument';
}
