// DestinationRule (Istio's ValidateDestinationRule).
import type { DestinationRule } from '../api/resources.js';
import type { ValidationContext } from './context.js';
import { checkExportTo } from './export-to.js';
import { checkWildcardHost } from './host-names.js';
import { checkIstioDnsLabel } from './names.js';
import { checkLabels, checkWorkloadSelector } from './selectors.js';
import { checkTrafficPolicy } from './traffic-policy.js';

export function validateDestinationRule(ctx: ValidationContext, dr: DestinationRule): void {
  const spec = dr.spec;
  const hostProblem = checkWildcardHost(spec.host ?? '');
  if (hostProblem) ctx.error(['spec', 'host'], spec.host ? hostProblem : 'host is required');
  if (spec.trafficPolicy) checkTrafficPolicy(ctx, ['spec', 'trafficPolicy'], spec.trafficPolicy);
  const names = new Set<string>();
  (spec.subsets ?? []).forEach((s, i) => {
    const path = ['spec', 'subsets', i];
    const name = s.name ?? '';
    if (name === '') ctx.error([...path, 'name'], 'subset name is required');
    else {
      const problem = checkIstioDnsLabel(name);
      if (problem) ctx.error([...path, 'name'], `subset name ${problem}`);
      if (names.has(name)) ctx.error([...path, 'name'], `duplicate subset name "${name}"`);
      names.add(name);
    }
    checkLabels(ctx, [...path, 'labels'], s.labels);
    if (s.trafficPolicy) checkTrafficPolicy(ctx, [...path, 'trafficPolicy'], s.trafficPolicy);
  });
  const hasSelector = spec.workloadSelector !== undefined;
  checkExportTo(ctx, ['spec', 'exportTo'], spec.exportTo, { localOnly: hasSelector });
  if (hasSelector)
    checkWorkloadSelector(
      ctx,
      ['spec', 'workloadSelector', 'matchLabels'],
      spec.workloadSelector?.matchLabels,
    );
}
