// MESH-A0009. Istio: IST0132 (VirtualServiceHostNotFoundInGateway, a warning). A gateway only
// serves the intersection of its servers' hosts and the VirtualService's hosts; the rest is dropped.
import type { Gateway } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { hostsIntersect, resolveHost } from '../hosts.js';
import type { Catalog } from './catalog.js';
import { finding, nsName } from './finding.js';
import { gatewayKey, MESH_GATEWAY } from './references.js';

export function hostNotInGateway(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const vs of catalog.virtualServices) {
    const ns = vs.metadata.namespace;
    const hosts = (vs.spec?.hosts ?? [])
      .map((raw, index) => ({ raw: typeof raw === 'string' ? raw.toLowerCase() : '', index }))
      .filter((h) => h.raw !== '')
      .map((h) => ({ ...h, resolved: resolveHost(h.raw, ns) }));
    if (hosts.length === 0) continue;
    const refs = vs.spec?.gateways ?? [];
    const bound: { gateway: Gateway; index: number }[] = [];
    refs.forEach((ref, index) => {
      if (ref === MESH_GATEWAY) return;
      const gateway = catalog.gateways.get(gatewayKey(ref, ns));
      if (gateway) bound.push({ gateway, index });
    });
    if (bound.length === 0) continue;

    const exposedBy = hosts.map((h) =>
      bound.filter(({ gateway }) =>
        serverHosts(gateway, ns).some(
          (s) => hostsIntersect(s, h.raw) || hostsIntersect(s, h.resolved),
        ),
      ),
    );
    for (const { gateway, index } of bound) {
      if (exposedBy.some((gws) => gws.some((g) => g.gateway === gateway))) continue;
      out.push(
        finding(
          'MESH-A0009',
          vs,
          ['spec', 'gateways', index],
          `none of the hosts ${hosts.map((h) => `"${h.raw}"`).join(', ')} is exposed by Gateway ${nsName(gateway)} (server hosts: ${describeServerHosts(gateway)})`,
          `Add the host to a server of Gateway ${nsName(gateway)} (as <namespace>/<host> or */<host>), or bind the VirtualService to the right gateway.`,
        ),
      );
    }
    // With "mesh" bound too, a host no gateway serves is still served by the sidecars.
    if (refs.includes(MESH_GATEWAY)) continue;
    const anyExposed = exposedBy.some((gws) => gws.length > 0);
    if (!anyExposed) continue;
    hosts.forEach((h, i) => {
      if ((exposedBy[i] ?? []).length > 0) return;
      out.push(
        finding(
          'MESH-A0009',
          vs,
          ['spec', 'hosts', h.index],
          `host "${h.raw}" is not exposed by any of this VirtualService's gateways (${bound.map(({ gateway }) => nsName(gateway)).join(', ')})`,
          'Add the host to a server of one of the gateways, or remove it from spec.hosts.',
        ),
      );
    });
  }
  return out;
}

/**
 * Server hosts this VirtualService's namespace may bind to: `ns/host` limits a host to VirtualServices
 * in `ns` (`.` is the Gateway's namespace, `*` or no prefix is any namespace).
 */
function serverHosts(gateway: Gateway, vsNamespace: string): string[] {
  const out: string[] = [];
  for (const server of gateway.spec?.servers ?? []) {
    for (const entry of server?.hosts ?? []) {
      if (typeof entry !== 'string') continue;
      const slash = entry.indexOf('/');
      const ns = slash === -1 ? '*' : entry.slice(0, slash);
      const host = (slash === -1 ? entry : entry.slice(slash + 1)).toLowerCase();
      const allowed =
        ns === '*' ||
        ns === vsNamespace ||
        (ns === '.' && gateway.metadata.namespace === vsNamespace);
      if (allowed && host !== '') out.push(host);
    }
  }
  return out;
}

function describeServerHosts(gateway: Gateway): string {
  const all = (gateway.spec?.servers ?? []).flatMap((s) => s?.hosts ?? []);
  return all.length === 0 ? 'none' : all.join(', ');
}
