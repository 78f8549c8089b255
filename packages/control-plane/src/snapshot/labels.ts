// Labels as the snapshot carries them: key order made stable for content hashes. Selection is
// @mesh/rules' `selects`.
import type { Labels } from '@mesh/rules';

/**
 * Labels with their keys sorted. Proxies send labels as a protobuf map, whose order is not
 * stable across reconnects; without sorting an unchanged workload could change content hashes.
 */
export function sortedLabels(labels: Labels | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels ?? {}).sort()) out[key] = labels?.[key] ?? '';
  return out;
}
