// MESH-A0004. Istio: IST0131 (VirtualServiceIneffectiveMatch; Istio rates it info, we warn because
// the block is dead config that usually hides a typo). A block equal to an earlier one never wins.
import type { Diagnostic } from '../diagnostics.js';
import type { Catalog } from './catalog.js';
import { finding } from './finding.js';
import { firstCatchAll, matchKey } from './http-matches.js';

export function duplicateMatch(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const vs of catalog.virtualServices) {
    const routes = vs.spec?.http ?? [];
    const catchAll = firstCatchAll(routes);
    // Routes after a catch-all are already reported whole (MESH-A0003).
    const last = catchAll === -1 ? routes.length - 1 : catchAll;
    const seen = new Map<string, string>();
    for (let i = 0; i <= last; i++) {
      (routes[i]?.match ?? []).forEach((match, j) => {
        if (!match) return;
        const key = matchKey(match);
        const here = `spec.http[${i}].match[${j}]`;
        const earlier = seen.get(key);
        if (earlier === undefined) {
          seen.set(key, here);
          return;
        }
        out.push(
          finding(
            'MESH-A0004',
            vs,
            ['spec', 'http', i, 'match', j],
            `match block ${here} is identical to ${earlier}, which is tried first, so it never matches`,
            'Remove the duplicate match block, or change its conditions to what was intended.',
          ),
        );
      });
    }
  }
  return out;
}
