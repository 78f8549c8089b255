// MESH-A0021, live mesh only: a route to a DestinationRule subset whose labels select none of the
// host's registered endpoints. The control plane sends that subset's cluster with no endpoints,
// so every request on the route gets 503 UH. Istio: IST0101 (ReferencedResourceNotFound) checks
// only that the subset exists (MESH-A0001 here); Kiali: KIA0203 flags the subset itself.
// Only routes count (weight not 0, mirrors excepted: a lost mirror copy fails no request): a
// subset nothing routes to is harmless, and Istio's own Bookinfo rules declare several (ratings
// v2, v2-mysql, details v2) that no Bookinfo workload carries.
// Hosts whose endpoints are not known here (no registered workload, a DNS ServiceEntry without
// endpoints) are skipped: MESH-A0002 and MESH-A0007 speak about hosts that do not exist.
import type { DestinationRule } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { selects, type Labels } from '../workloads.js';
import { destinationRulesFor, type Catalog } from './catalog.js';
import { finding, nsName } from './finding.js';
import {
  countEndpoints,
  describeCandidates,
  endpointsOfHost,
  formatLabels,
  hasLabels,
  type EndpointLabels,
} from './registry.js';

export function emptySubset(catalog: Catalog): Diagnostic[] {
  const registry = catalog.registry;
  if (!registry) return [];
  const endpointsByHost = new Map<string, EndpointLabels[]>();
  const endpointsOf = (host: string): EndpointLabels[] => {
    let endpoints = endpointsByHost.get(host);
    if (!endpoints) {
      const entries = new Set((catalog.serviceEntriesByHost.get(host) ?? []).map((e) => e.se));
      endpoints = endpointsOfHost(host, registry, [...entries], catalog.workloadEntries);
      endpointsByHost.set(host, endpoints);
    }
    return endpoints;
  };
  const out: Diagnostic[] = [];
  for (const d of catalog.destinations) {
    if (d.subset === undefined || d.weight === 0) continue;
    if (d.path.includes('mirror') || d.path.includes('mirrors')) continue;
    const rules = destinationRulesFor(catalog, d.host, d.vs.metadata.namespace);
    const defining = rules.find((dr) => subsetLabels(dr, d.subset) !== undefined);
    const labels = defining && subsetLabels(defining, d.subset);
    // An undefined subset is MESH-A0001; one without labels selects every endpoint.
    if (!defining || !hasLabels(labels)) continue;
    const endpoints = endpointsOf(d.host);
    if (endpoints.length === 0 || endpoints.some((e) => selects(labels, e.labels))) continue;
    const alive = new Set(
      rules
        .flatMap((dr) => dr.spec?.subsets ?? [])
        .filter((s) => typeof s?.name === 'string' && s.name !== d.subset)
        .filter((s) => endpoints.some((e) => selects(s.labels, e.labels)))
        .map((s) => `"${s.name}"`),
    );
    out.push(
      finding(
        'MESH-A0021',
        d.vs,
        [...d.path, 'subset'],
        `subset "${d.subset}" of ${d.host} selects no endpoints: DestinationRule ${nsName(defining)} gives it ${formatLabels(labels)}, and the host's ${countEndpoints(endpoints)} have ${describeCandidates(
          labels,
          endpoints.map((e) => e.labels),
        )}; requests on this route get 503 (UH)`,
        alive.size > 0
          ? `Route to a subset that has endpoints (${[...alive].join(', ')}), or start workloads labelled ${formatLabels(labels)}.`
          : `Start workloads labelled ${formatLabels(labels)}, or fix the subset's labels in DestinationRule ${nsName(defining)}.`,
      ),
    );
  }
  return out;
}

function subsetLabels(dr: DestinationRule, name: string | undefined): Labels | undefined {
  const subset = (dr.spec?.subsets ?? []).find((s) => s?.name === name);
  return subset ? (subset.labels ?? {}) : undefined;
}
