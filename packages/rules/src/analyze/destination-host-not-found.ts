// MESH-A0002. Istio: IST0101 (ReferencedResourceNotFound, "host"), an error in istioctl analyze;
// Kiali: KIA1101. Without a Service or ServiceEntry there is no cluster to send to.
import type { Diagnostic } from '../diagnostics.js';
import type { Catalog } from './catalog.js';
import { closest } from '../suggest.js';
import { finding } from './finding.js';

const LIVE_HINT =
  'Start the workloads of this host (a workload belongs to the service named by its service.mesh.dev/name or app label), create a ServiceEntry for it, or fix the host name.';

export function destinationHostNotFound(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  let known: string[] | undefined;
  // Against a live registry, "known" means a registered workload forms the host's service.
  const live = catalog.registry !== undefined;
  for (const d of catalog.destinations) {
    if (catalog.isKnownHost(d.host, d.vs.metadata.namespace)) continue;
    known ??= catalog.exactKnownHosts();
    const guess = closest(d.host, known);
    // A ServiceEntry hidden by exportTo is the likelier cause, so say so.
    const hidden = catalog.isKnownHost(d.host);
    out.push(
      finding(
        'MESH-A0002',
        d.vs,
        [...d.path, 'host'],
        hidden
          ? `destination host "${d.host}" is only defined by a ServiceEntry not exported to namespace "${d.vs.metadata.namespace}"`
          : `destination host "${d.host}" ${live ? 'has no registered workload and no ServiceEntry' : 'is not a Kubernetes Service or ServiceEntry host known to the analysis'}${guess ? `; did you mean "${guess}"?` : ''}`,
        hidden
          ? `Add "${d.vs.metadata.namespace}" (or "*") to the ServiceEntry's exportTo, or define the host where the VirtualService can see it.`
          : live
            ? LIVE_HINT
            : 'Create the Service or a ServiceEntry for this host, fix the host name, or include the Service manifest in the input.',
      ),
    );
  }
  return out;
}
