// MESH-A0001. Istio: IST0101 (ReferencedResourceNotFound, "host+subset in destinationrule");
// Kiali: KIA1107. A route to an undefined subset has no cluster behind it: requests get 503 NR.
import type { Diagnostic } from '../diagnostics.js';
import { formatPath } from '../diagnostics.js';
import { destinationRulesFor, type Catalog } from './catalog.js';
import { finding, nsName } from './finding.js';

export function subsetNotFound(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of catalog.destinations) {
    if (d.subset === undefined) continue;
    const rules = destinationRulesFor(catalog, d.host);
    const defined = rules.flatMap((dr) =>
      (dr.spec?.subsets ?? []).map((s) => s?.name).filter(isString),
    );
    if (defined.includes(d.subset)) continue;
    const where =
      rules.length === 0
        ? `no DestinationRule defines subsets for host "${d.host}"`
        : `DestinationRule ${rules.map(nsName).join(', ')} for host "${d.host}" defines ${
            defined.length === 0 ? 'no subsets' : `only ${defined.map((s) => `"${s}"`).join(', ')}`
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
