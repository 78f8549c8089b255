// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

export interface ListRequest {
  /**
   * Resource kind; empty means every Istio kind.
   */
  kind?: string;
  /**
   * Namespace; empty means "default". Ignored when all_namespaces is set.
   */
  namespace?: string;
  /**
   * List across every namespace.
   */
  allNamespaces?: boolean;
}

export interface ListRequest__Output {
  /**
   * Resource kind; empty means every Istio kind.
   */
  kind: string;
  /**
   * Namespace; empty means "default". Ignored when all_namespaces is set.
   */
  namespace: string;
  /**
   * List across every namespace.
   */
  allNamespaces: boolean;
}
