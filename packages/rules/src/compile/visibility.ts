// exportTo as Istio reads it: "." is the resource's own namespace, "*" everyone, "~" nobody, other
// entries are namespace names. Absent exportTo means "*" (Istio's default, meshConfig aside).
export function visibleNamespaces(
  exportTo: readonly string[] | undefined,
  ownNamespace: string,
): readonly string[] | null {
  if (!exportTo || exportTo.length === 0 || exportTo.includes('*')) return null;
  // Istio's initVirtualServices: `*` wins, else `~` hides the resource whatever else is listed.
  if (exportTo.includes('~')) return Object.freeze([]);
  const out = new Set<string>();
  for (const e of exportTo) out.add(e === '.' ? ownNamespace : e);
  return Object.freeze([...out]);
}

/**
 * Istio's virtualServiceIndex order for a proxy in `namespace` (push_context.go
 * VirtualServicesForGateway): VirtualServices of that namespace exported to it ("." or its name)
 * first, then those other namespaces export to it by name, then public ones (exportTo absent or
 * `*`); creation order inside each group. -1: not visible.
 */
export function visibilityRank(
  visibleTo: readonly string[] | null,
  ownNamespace: string,
  namespace: string,
): number {
  if (visibleTo === null) return 2;
  if (!visibleTo.includes(namespace)) return -1;
  return ownNamespace === namespace ? 0 : 1;
}

export function isVisible(visibleTo: readonly string[] | null, namespace: string): boolean {
  return visibleTo === null || visibleTo.includes(namespace);
}
