// MESH-A0005 and MESH-A0006: several VirtualServices claiming one host on one gateway.
// On the mesh gateway (sidecars) Istio keeps only one of them: IST0109
// ConflictingMeshGatewayVirtualServiceHosts, an error. On a named gateway Istio merges their
// routes in creation order, which is supported but makes the order implicit: Kiali KIA1106 flags
// both; we report the gateway case as info.
import type { VirtualService } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { resolveHost } from '../hosts.js';
import { pushTo, type Catalog } from './catalog.js';
import { finding, nsName } from './finding.js';
import {
  gatewayKey,
  MESH_GATEWAY,
  visibility,
  visibleTogether,
  type Visibility,
} from './references.js';

interface Claim {
  vs: VirtualService;
  hostIndex: number;
  visibility: Visibility;
}

export function sharedHost(catalog: Catalog): Diagnostic[] {
  const claims = new Map<string, Claim[]>();
  for (const vs of catalog.virtualServices) {
    const ns = vs.metadata.namespace;
    const declared = vs.spec?.gateways ?? [];
    const gateways = new Set(
      (declared.length > 0 ? declared : [MESH_GATEWAY]).map((g) =>
        g === MESH_GATEWAY ? g : gatewayKey(g, ns),
      ),
    );
    const vis = visibility(vs.spec?.exportTo, ns);
    const hosts = new Set<string>();
    (vs.spec?.hosts ?? []).forEach((raw, hostIndex) => {
      if (typeof raw !== 'string' || raw === '') return;
      const host = resolveHost(raw, ns);
      if (hosts.has(host)) return;
      hosts.add(host);
      for (const gw of gateways)
        pushTo(claims, `${gw}\u0000${host}`, { vs, hostIndex, visibility: vis });
    });
  }

  const out: Diagnostic[] = [];
  for (const [key, group] of claims) {
    if (group.length < 2) continue;
    const [gw = '', host = ''] = key.split('\u0000');
    if (gw === MESH_GATEWAY) {
      for (const claim of group) {
        const rivals = group.filter(
          (o) => o.vs !== claim.vs && visibleTogether(o.visibility, claim.visibility),
        );
        if (rivals.length === 0) continue;
        out.push(
          finding(
            'MESH-A0005',
            claim.vs,
            ['spec', 'hosts', claim.hostIndex],
            `host "${host}" on the mesh gateway is also defined by VirtualService ${rivals.map((o) => nsName(o.vs)).join(', ')}; sidecars apply only one of them (the oldest), so the others' routes are ignored`,
            'Merge these VirtualServices into one, or separate them with exportTo so no namespace sees both.',
          ),
        );
      }
      continue;
    }
    // A gateway only picks up VirtualServices exported to its own namespace.
    const gwNamespace = gw.split('/')[0] ?? '';
    const visible = group.filter(
      (c) => c.visibility.all || c.visibility.namespaces.has(gwNamespace),
    );
    if (visible.length < 2) continue;
    for (const claim of visible) {
      const rivals = visible.filter((o) => o.vs !== claim.vs);
      out.push(
        finding(
          'MESH-A0006',
          claim.vs,
          ['spec', 'hosts', claim.hostIndex],
          `host "${host}" on Gateway ${gw} is also defined by VirtualService ${rivals.map((o) => nsName(o.vs)).join(', ')}; Istio merges their routes in creation order, so a broad match in one can shadow the other's routes`,
          'Fine if intended; otherwise merge them into one VirtualService so the route order is explicit.',
        ),
      );
    }
  }
  return out;
}
