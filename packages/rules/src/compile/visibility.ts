// exportTo as Istio reads it: "." is the resource's own namespace, "*" everyone, "~" nobody, other
// entries are namespace names. Absent exportTo means "*" (Istio's default, meshConfig aside).
export function visibleNamespaces(
  exportTo: readonly string[] | undefined,
  ownNamespace: string,
): readonly string[] | null {
  if (!exportTo || exportTo.length === 0 || exportTo.includes('*')) return null;
  const out = new Set<string>();
  for (const e of exportTo) {
    if (e === '~') continue;
    out.add(e === '.' ? ownNamespace : e);
  }
  return Object.freeze([...out]);
}

export function isVisible(visibleTo: readonly string[] | null, namespace: string): boolean {
  return visibleTo === null || visibleTo.includes(namespace);
}
