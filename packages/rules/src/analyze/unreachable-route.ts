// MESH-A0003. Istio: IST0130 (VirtualServiceUnreachableRule, a warning). Routes are tried in order
// and the first match wins, so nothing after a route that accepts every request is ever used.
import type { Diagnostic } from '../diagnostics.js';
import type { Catalog } from './catalog.js';
import { finding } from './finding.js';
import { firstCatchAll } from './http-matches.js';

export function unreachableRoute(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const vs of catalog.virtualServices) {
    const routes = vs.spec?.http ?? [];
    const catchAll = firstCatchAll(routes);
    if (catchAll === -1) continue;
    for (let i = catchAll + 1; i < routes.length; i++) {
      const label = routes[i]?.name ? ` ("${routes[i]?.name}")` : '';
      out.push(
        finding(
          'MESH-A0003',
          vs,
          ['spec', 'http', i],
          `route spec.http[${i}]${label} is never used: spec.http[${catchAll}] before it matches every request`,
          `Move the catch-all route spec.http[${catchAll}] to the end, or give it a narrower match.`,
        ),
      );
    }
  }
  return out;
}
