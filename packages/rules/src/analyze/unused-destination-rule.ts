// MESH-A0007. Kiali: KIA0202 ("no matching entry in the service registry"), a warning; istioctl
// analyze has no equivalent. Not an error: if the Service exists outside the input, the mesh still
// applies the rule to traffic that reaches the host directly, without a VirtualService.
import type { Diagnostic } from '../diagnostics.js';
import { isWildcard, resolveHost } from '../hosts.js';
import type { Catalog } from './catalog.js';
import { finding } from './finding.js';

export function unusedDestinationRule(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const dr of catalog.destinationRules) {
    const raw = dr.spec?.host;
    if (typeof raw !== 'string' || raw === '') continue;
    const host = resolveHost(raw, dr.metadata.namespace);
    // A wildcard rule is a policy for whatever hosts come along, not a reference to one.
    if (isWildcard(host) || catalog.isKnownHost(host) || catalog.routedHosts.has(host)) continue;
    out.push(
      finding(
        'MESH-A0007',
        dr,
        ['spec', 'host'],
        catalog.registry
          ? `host "${host}" has no registered workload and no ServiceEntry, and no VirtualService routes to it`
          : `host "${host}" is neither a Service or ServiceEntry host known to the analysis nor a destination of any VirtualService`,
        catalog.registry
          ? 'Fix the host name (short names are relative to the DestinationRule namespace), start its workloads, or delete the rule if the service is gone.'
          : 'Fix the host name (short names are relative to the DestinationRule namespace), or include the Service or ServiceEntry in the input.',
      ),
    );
  }
  return out;
}
