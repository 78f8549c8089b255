// MESH-A0001. Istio: IST0101 (ReferencedResourceNotFound, "host+subset in destinationrule");
// Kiali: KIA1107. A route to an undefined subset has no cluster behind it: requests get 503 NR.
import type { Diagnostic } from '../diagnostics.js';
import { formatPath } from '../diagnostics.js';
import {
  allDestinationRulesFor,
  destinationRulesFor,
  ROOT_NAMESPACE,
  type Catalog,
} from './catalog.js';
import { finding, nsName } from './finding.js';

export function subsetNotFound(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of catalog.destinations) {
    if (d.subset === undefined) continue;
    // The VirtualService's namespace stands for its clients: DestinationRules elsewhere count only
    // if Istio's lookup (client namespace, service namespace, root namespace) reaches them.
    const client = d.vs.metadata.namespace;
    const rules = destinationRulesFor(catalog, d.host, client);
    const defined = rules.flatMap((dr) =>
      (dr.spec?.subsets ?? []).map((s) => s?.name).filter(isString),
    );
    if (defined.includes(d.subset)) continue;
    const unseen = allDestinationRulesFor(catalog, d.host).filter((dr) => !rules.includes(dr));
    const where =
      rules.length === 0 && unseen.length > 0
        ? `DestinationRule ${unseen.map(nsName).join(', ')} for host "${d.host}" is not used by proxies in namespace "${client}" (Istio looks in the client namespace, then the service namespace, then ${ROOT_NAMESPACE}, and only at rules exported to the client)`
        : rules.length === 0
          ? `no DestinationRule defines subsets for host "${d.host}"`
          : `DestinationRule ${rules.map(nsName).join(', ')} for host "${d.host}" defines ${
              defined.length === 0
                ? 'no subsets'
                : `only ${defined.map((s) => `"${s}"`).join(', ')}`
            }`;
    out.push(
      finding(
        'MESH-A0001',
        d.vs,
        [...d.path, 'subset'],
        `subset "${d.subset}" is not defined: ${where}`,
        `Add subset "${d.subset}" to the DestinationRule for ${d.host}, or fix ${formatPath([...d.path, 'subset'])}.`,
      ),
    );
  }
  return out;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
