// MESH-A0024 and MESH-A0025, live mesh only: destination ports against the ports the host's
// registered workloads serve (the registry service's ports are their union). The registry's
// counterpart of MESH-A0016/A0017, which judge ServiceEntry ports; hosts a ServiceEntry defines
// are left to those. Istio: IST0101 ("host:port") and IST0112, both errors.
// - A0024: `port.number` that no registered workload of the host serves: no cluster, 503 NC.
// - A0025: no `port` while the workloads serve several: the route names no cluster, 503 NC.
// Workloads that register no ports (clients, gateways) give nothing to compare against.
import type { Diagnostic } from '../diagnostics.js';
import { serviceEntriesFor, type Catalog } from './catalog.js';
import { finding } from './finding.js';

export function registryPort(catalog: Catalog): Diagnostic[] {
  const registry = catalog.registry;
  if (!registry) return [];
  const out: Diagnostic[] = [];
  for (const d of catalog.destinations) {
    const workloads = registry.byHost.get(d.host);
    if (!workloads) continue;
    if (serviceEntriesFor(catalog, d.host, d.vs.metadata.namespace).length > 0) continue;
    const ports = new Set(workloads.flatMap((w) => w.ports.map((p) => p.number)));
    if (ports.size === 0) continue;
    const list = [...ports].sort((a, b) => a - b).join(', ');
    if (d.port === undefined) {
      if (ports.size < 2) continue;
      out.push(
        finding(
          'MESH-A0025',
          d.vs,
          d.path,
          `destination host "${d.host}" has no port, but its registered workloads serve several (${list}), so the route names no cluster and requests get 503 (NC)`,
          `Set port.number to one of ${list}.`,
        ),
      );
    } else if (!ports.has(d.port)) {
      out.push(
        finding(
          'MESH-A0024',
          d.vs,
          [...d.path, 'port', 'number'],
          `destination "${d.host}:${d.port}": ${serving(workloads.length)} only port${ports.size === 1 ? '' : 's'} ${list}, so requests get 503 (NC)`,
          `Use port ${ports.size === 1 ? list : `one of ${list}`}, or register the workloads with port ${d.port}.`,
        ),
      );
    }
  }
  return out;
}

/** `its 1 registered workload serves` / `its 3 registered workloads serve`. */
function serving(n: number): string {
  return n === 1 ? 'its 1 registered workload serves' : `its ${n} registered workloads serve`;
}
