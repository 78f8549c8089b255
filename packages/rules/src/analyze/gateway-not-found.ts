// MESH-A0008. Istio: IST0101 (ReferencedResourceNotFound, "gateway"); Kiali: KIA1102. A
// VirtualService bound to a missing Gateway configures nothing on that gateway.
import type { VirtualService } from '../api/resources.js';
import type { Diagnostic, PathSegment } from '../diagnostics.js';
import type { Catalog } from './catalog.js';
import { finding } from './finding.js';
import { gatewayKey, MESH_GATEWAY } from './references.js';

export function gatewayNotFound(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const vs of catalog.virtualServices) {
    for (const { ref, path } of gatewayRefs(vs)) {
      if (ref === MESH_GATEWAY) continue;
      const key = gatewayKey(ref, vs.metadata.namespace);
      if (catalog.gateways.has(key)) continue;
      out.push(
        finding(
          'MESH-A0008',
          vs,
          path,
          `Gateway "${ref}" (${key}) not found`,
          `Create Gateway ${key}, or reference an existing one as <namespace>/<name> ("mesh" means the sidecars).`,
        ),
      );
    }
  }
  return out;
}

/** Every gateway name a VirtualService mentions: spec.gateways and each route match's gateways. */
function gatewayRefs(vs: VirtualService): { ref: string; path: PathSegment[] }[] {
  const refs: { ref: string; path: PathSegment[] }[] = [];
  const spec = vs.spec ?? {};
  (spec.gateways ?? []).forEach((ref, i) => {
    if (typeof ref === 'string' && ref !== '') refs.push({ ref, path: ['spec', 'gateways', i] });
  });
  for (const protocol of ['http', 'tls', 'tcp'] as const) {
    (spec[protocol] ?? []).forEach((route, i) => {
      (route?.match ?? []).forEach((match, j) => {
        (match?.gateways ?? []).forEach((ref, k) => {
          if (typeof ref === 'string' && ref !== '') {
            refs.push({ ref, path: ['spec', protocol, i, 'match', j, 'gateways', k] });
          }
        });
      });
    });
  }
  return refs;
}
