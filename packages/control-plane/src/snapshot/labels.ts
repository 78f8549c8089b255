// Label selection as Istio does it: every selector label must be present with the same value, so
// an empty selector selects everything.
export type Labels = Readonly<Record<string, string>>;

export function selects(selector: Labels | undefined, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return true;
}

/**
 * Labels with their keys sorted. Proxies send labels as a protobuf map, whose order is not
 * stable across reconnects; without sorting an unchanged workload could change content hashes.
 */
export function sortedLabels(labels: Labels | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels ?? {}).sort()) out[key] = labels?.[key] ?? '';
  return out;
}
