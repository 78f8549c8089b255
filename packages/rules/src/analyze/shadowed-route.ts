// MESH-A0014. Istio: IST0130 (VirtualServiceUnreachableRule) reports only routes after a catch-all
// (our MESH-A0003); Kiali has no equivalent. Routes are tried in order and the first match wins,
// so a route whose every match block is implied by a block of an earlier route is never used,
// e.g. `prefix: /api/v1` after `prefix: /api`. Blocks are ORed, hence "every".
import type { VirtualService } from '../api/resources.js';
import type { HTTPMatchRequest } from '../api/virtual-service.js';
import type { Diagnostic } from '../diagnostics.js';
import type { Catalog } from './catalog.js';
import { finding } from './finding.js';
import { firstCatchAll, matchCovers, matchKey } from './http-matches.js';
import { gatewayKey, MESH_GATEWAY } from './references.js';

export function shadowedRoute(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const vs of catalog.virtualServices) {
    const routes = vs.spec?.http ?? [];
    const catchAll = firstCatchAll(routes);
    // Routes after a catch-all are already reported by MESH-A0003.
    const last = catchAll === -1 ? routes.length - 1 : catchAll;
    const gatewaysOf = gatewayResolver(vs);
    const earlier: { match: HTTPMatchRequest | undefined; where: string }[] = [];
    const seenKeys = new Set<string>();
    for (let i = 0; i <= last; i++) {
      const route = routes[i];
      const matches = route?.match ?? [];
      const shadows: string[] = [];
      // Blocks equal to an earlier one are MESH-A0004's; report the route only if some block is
      // hidden by a broader block, which that check cannot see.
      let onlyDuplicates = true;
      for (const [j, match] of matches.entries()) {
        const key = match ? matchKey(match) : '{}';
        if (!seenKeys.has(key)) onlyDuplicates = false;
        const by = earlier.find((e) => matchCovers(e.match, match, gatewaysOf));
        if (by) shadows.push(`match[${j}] by ${by.where}`);
      }
      if (matches.length > 0 && shadows.length === matches.length && !onlyDuplicates) {
        const label = route?.name ? ` ("${route.name}")` : '';
        out.push(
          finding(
            'MESH-A0014',
            vs,
            ['spec', 'http', i],
            `route spec.http[${i}]${label} is never used: every request it matches is matched first by an earlier route (${shadows.join(', ')})`,
            'Move the more specific route before the broader one, or narrow the earlier match.',
          ),
        );
      }
      const name = route?.name ? ` ("${route.name}")` : '';
      matches.forEach((match, j) => {
        earlier.push({ match, where: `spec.http[${i}]${name}.match[${j}]` });
        seenKeys.add(match ? matchKey(match) : '{}');
      });
    }
  }
  return out;
}

/** The gateways a match block applies to: its own `gateways`, else the VirtualService's (or mesh). */
function gatewayResolver(vs: VirtualService): (m: HTTPMatchRequest | undefined) => Set<string> {
  const ns = vs.metadata.namespace;
  const norm = (refs: readonly string[]) =>
    new Set(refs.map((g) => (g === MESH_GATEWAY ? g : gatewayKey(g, ns))));
  const declared = vs.spec?.gateways ?? [];
  const inherited = norm(declared.length > 0 ? declared : [MESH_GATEWAY]);
  return (m) => (m?.gateways && m.gateways.length > 0 ? norm(m.gateways) : inherited);
}
