// MESH-A0016 and MESH-A0017: destination ports against the ServiceEntry that defines the host.
// Istio: IST0101 (ReferencedResourceNotFound, "host:port") and IST0112
// (VirtualServiceDestinationPortSelectorRequired), both errors. Only ServiceEntries carry ports in
// our input; hosts also known as Kubernetes Services (knownHosts, names only) are not checked.
import type { Diagnostic } from '../diagnostics.js';
import { serviceEntriesFor, type Catalog } from './catalog.js';
import { finding, nsName } from './finding.js';

export function destinationPort(catalog: Catalog, knownHosts: ReadonlySet<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of catalog.destinations) {
    if (knownHosts.has(d.host)) continue;
    const entries = serviceEntriesFor(catalog, d.host, d.vs.metadata.namespace);
    const ports = new Set<number>();
    for (const e of entries)
      for (const p of e.se.spec?.ports ?? [])
        if (typeof p?.number === 'number') ports.add(p.number);
    // No declared ports: nothing to compare against (Istio would reject the entry anyway).
    if (ports.size === 0) continue;
    const list = [...ports].sort((a, b) => a - b).join(', ');
    const ses = [...new Set(entries.map((e) => nsName(e.se)))].join(', ');
    if (d.port === undefined) {
      if (ports.size < 2) continue;
      out.push(
        finding(
          'MESH-A0017',
          d.vs,
          d.path,
          `destination host "${d.host}" has no port, but ServiceEntry ${ses} declares several (${list}), so Istio cannot tell which one to use`,
          `Set port.number to one of ${list}.`,
        ),
      );
    } else if (!ports.has(d.port)) {
      out.push(
        finding(
          'MESH-A0016',
          d.vs,
          [...d.path, 'port', 'number'],
          `destination "${d.host}:${d.port}": ServiceEntry ${ses} declares only port(s) ${list}`,
          `Use one of ports ${list}, or add port ${d.port} to the ServiceEntry.`,
        ),
      );
    }
  }
  return out;
}
