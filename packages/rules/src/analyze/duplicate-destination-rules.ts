// MESH-A0010. Kiali: KIA0201 (a warning). Istio merges DestinationRules for one host within one
// namespace: the first top-level trafficPolicy wins and a later subset reusing a name is dropped, so
// which settings apply depends on creation order. Rules in different namespaces do not merge (the
// client's namespace takes precedence), and rules with different workload selectors apply to
// different workloads, so neither is reported.
import type { DestinationRule } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { resolveHost } from '../hosts.js';
import { canonicalJson, pushTo, type Catalog } from './catalog.js';
import { finding, nsName } from './finding.js';

export function duplicateDestinationRules(catalog: Catalog): Diagnostic[] {
  const byKey = new Map<string, DestinationRule[]>();
  const hostOf = new Map<string, string>();
  for (const dr of catalog.destinationRules) {
    const raw = dr.spec?.host;
    if (typeof raw !== 'string' || raw === '') continue;
    const host = resolveHost(raw, dr.metadata.namespace);
    const selector = canonicalJson(dr.spec?.workloadSelector?.matchLabels ?? {});
    const key = `${dr.metadata.namespace}\u0000${host}\u0000${selector}`;
    pushTo(byKey, key, dr);
    hostOf.set(key, host);
  }

  const out: Diagnostic[] = [];
  for (const [key, rules] of byKey) {
    if (rules.length < 2) continue;
    const host = hostOf.get(key) ?? '';
    for (const dr of rules) {
      const others = rules.filter((o) => o !== dr).map(nsName);
      out.push(
        finding(
          'MESH-A0010',
          dr,
          ['spec', 'host'],
          `host "${host}" is also configured by DestinationRule ${others.join(', ')} with the same workload selector; Istio merges them in creation order (first top-level trafficPolicy wins, later duplicate subset names are dropped)`,
          'Merge these DestinationRules into one, or give them distinct workloadSelectors.',
        ),
      );
    }
  }
  return out;
}
