// The services one proxy gets clusters for.
import { exportedTo } from './export-to.js';
import type { MeshService } from './services.js';
import { scopeAdmits, type EgressScope } from './sidecar-scope.js';

/**
 * Services exported to `namespace` and imported by its Sidecar scope (or named as a destination
 * by one of its VirtualServices, which Istio imports regardless of egress hosts). One cluster per
 * host: a declaration in the proxy's own namespace wins, else the first in precedence order, as
 * Istio's sidecar scope prefers the proxy's namespace for hosts declared in several.
 */
export function servicesForProxy(
  services: readonly MeshService[],
  namespace: string,
  egress: EgressScope | undefined,
  referenced: ReadonlySet<string>,
): MeshService[] {
  const byHost = new Map<string, MeshService>();
  for (const s of services) {
    if (!exportedTo(s.exportTo, s.namespace, namespace)) continue;
    if (!referenced.has(s.host) && !scopeAdmits(egress, s.namespace, [s.host])) continue;
    const current = byHost.get(s.host);
    if (!current || (current.namespace !== namespace && s.namespace === namespace))
      byHost.set(s.host, s);
  }
  return [...byHost.values()];
}
