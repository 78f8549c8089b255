// MESH-A0011, MESH-A0012 and MESH-A0015: http[].delegate references. istiod only treats a VirtualService
// without hosts as a delegate; when none is found under the referenced name, the root route is
// dropped. Kiali reports missing delegates too; istioctl analyze has no equivalent.
import type { VirtualService } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { pushTo, type Catalog } from './catalog.js';
import { finding, nsName } from './finding.js';
import { visibility } from './references.js';

export function delegates(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  const referrers = new Map<VirtualService, string[]>();
  for (const vs of catalog.virtualServices) {
    (vs.spec?.http ?? []).forEach((route, i) => {
      const name = route?.delegate?.name;
      if (typeof name !== 'string' || name === '') return;
      const namespace = route?.delegate?.namespace || vs.metadata.namespace;
      const key = `${namespace}/${name}`;
      const target = catalog.virtualServicesByName.get(key);
      if (!target) {
        out.push(
          finding(
            'MESH-A0011',
            vs,
            ['spec', 'http', i, 'delegate'],
            `delegate VirtualService ${key} not found; Istio drops this route`,
            `Create VirtualService ${key} without hosts, or fix delegate.name/delegate.namespace.`,
          ),
        );
        return;
      }
      // istiod merges a delegate only if it is exported to the root's namespace.
      const vis = visibility(target.spec?.exportTo, target.metadata.namespace);
      if (!vis.all && !vis.namespaces.has(vs.metadata.namespace)) {
        out.push(
          finding(
            'MESH-A0015',
            vs,
            ['spec', 'http', i, 'delegate'],
            `delegate VirtualService ${key} is not exported to namespace "${vs.metadata.namespace}" (exportTo: ${JSON.stringify(target.spec?.exportTo ?? [])}); Istio drops this route`,
            `Add "${vs.metadata.namespace}" (or "*") to the exportTo of VirtualService ${key}.`,
          ),
        );
      }
      pushTo(referrers, target, `${nsName(vs)} (spec.http[${i}].delegate)`);
    });
  }
  for (const [target, from] of referrers) {
    if ((target.spec?.hosts ?? []).length === 0) continue;
    out.push(
      finding(
        'MESH-A0012',
        target,
        ['spec', 'hosts'],
        `used as a delegate by ${from.join(', ')} but has hosts; Istio only delegates to VirtualServices without hosts, so the delegating routes are dropped`,
        'Remove spec.hosts (and spec.gateways) from the delegate; the root VirtualService supplies them.',
      ),
    );
  }
  return out;
}
