// MESH-A0023, live mesh only: a VirtualService bound to a Gateway that no proxy serves it on.
// A gateway proxy applies the VirtualServices bound to a Gateway that selects it and exported to
// the proxy's own namespace (Istio's rule, which the control plane follows in
// snapshot/routes.ts). Two ways that fails, known only from the registry:
// - the Gateway's workloads all run in namespaces the VirtualService's exportTo leaves out (the
//   classic `exportTo: ["."]` VirtualService in `default` bound to an ingress in istio-system):
//   reported on that spec.gateways entry;
// - every Gateway it is bound to selects no registered workload and "mesh" is not bound: the
//   VirtualService can never be reached. Reported once on spec.gateways; each Gateway itself gets
//   MESH-A0022, so a VirtualService that still has a served binding is not repeated here.
// Missing Gateways are MESH-A0008, hosts a Gateway does not expose MESH-A0009. Istio has no
// analyzer for either case.
import type { Gateway, VirtualService } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { selects } from '../workloads.js';
import { visibleIn, type Catalog } from './catalog.js';
import { finding, nsName } from './finding.js';
import { gatewayKey, MESH_GATEWAY, visibility } from './references.js';
import { hasLabels, type RegisteredWorkload, type RegistryIndex } from './registry.js';

export function gatewayUnserved(catalog: Catalog): Diagnostic[] {
  const registry = catalog.registry;
  if (!registry) return [];
  const workloadsOf = new Map<Gateway, RegisteredWorkload[]>();
  const selected = (g: Gateway): RegisteredWorkload[] => {
    let list = workloadsOf.get(g);
    if (!list) {
      list = gatewayWorkloads(g, registry);
      workloadsOf.set(g, list);
    }
    return list;
  };
  return catalog.virtualServices.flatMap((vs) => checkVirtualService(vs, catalog, selected));
}

function gatewayWorkloads(gateway: Gateway, registry: RegistryIndex): RegisteredWorkload[] {
  const selector = gateway.spec?.selector;
  return hasLabels(selector) ? registry.workloads.filter((w) => selects(selector, w.labels)) : [];
}

function checkVirtualService(
  vs: VirtualService,
  catalog: Catalog,
  selected: (g: Gateway) => RegisteredWorkload[],
): Diagnostic[] {
  const ns = vs.metadata.namespace;
  // Without hosts it is a delegate, served wherever its root is.
  if ((vs.spec?.hosts ?? []).length === 0) return [];
  const refs = vs.spec?.gateways ?? [];
  if (refs.length === 0 || refs.includes(MESH_GATEWAY)) return [];
  const vis = visibility(vs.spec?.exportTo, ns);
  const out: Diagnostic[] = [];
  const unselected: Gateway[] = [];
  let served = false;
  refs.forEach((ref, i) => {
    const gateway = catalog.gateways.get(gatewayKey(ref, ns));
    if (!gateway) return;
    const workloads = selected(gateway);
    if (workloads.length === 0) {
      unselected.push(gateway);
      return;
    }
    if (workloads.some((w) => visibleIn(vis, vs, w.namespace))) {
      served = true;
      return;
    }
    const namespaces = [...new Set(workloads.map((w) => w.namespace))].sort();
    const exportTo = (vs.spec?.exportTo ?? []).map((e) => `"${e}"`).join(', ');
    out.push(
      finding(
        'MESH-A0023',
        vs,
        ['spec', 'gateways', i],
        `Gateway ${nsName(gateway)} is served by proxies in namespace ${namespaces.map((n) => `"${n}"`).join(', ')} (${workloads.map((w) => w.id).join(', ')}), and exportTo [${exportTo}] does not export this VirtualService there, so they never apply it`,
        `Add ${namespaces.map((n) => `"${n}"`).join(', ')} (or "*") to spec.exportTo.`,
      ),
    );
  });
  if (!served && out.length === 0 && unselected.length > 0) {
    out.push(
      finding(
        'MESH-A0023',
        vs,
        ['spec', 'gateways'],
        `can never be reached: Gateway ${unselected.map(nsName).join(', ')} selects no registered workload, and the VirtualService is not bound to "mesh"`,
        'Start the gateway proxy the Gateway selects, bind the VirtualService to a Gateway that has one, or add "mesh" to spec.gateways to serve it from the sidecars.',
      ),
    );
  }
  return out;
}
