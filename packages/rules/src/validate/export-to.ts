// exportTo: "." (this namespace), "*" (all), a namespace name, or "~" (no one, ServiceEntry only).
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { isIstioDnsLabel } from './names.js';

export interface ExportToRules {
  allowNone?: boolean;
  /** DestinationRules with a workloadSelector only apply in their own namespace. */
  localOnly?: boolean;
}

export function checkExportTo(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  exportTo: readonly string[] | undefined,
  rules: ExportToRules = {},
): void {
  if (!exportTo || exportTo.length === 0) return;
  const namespace = ctx.resource.metadata.namespace;
  const seen = new Set<string>();
  exportTo.forEach((entry, i) => {
    const where = [...path, i];
    // "." and the resource's own namespace name are the same entry.
    const key = entry === '.' ? namespace : entry;
    if (seen.has(key)) {
      const viaDot = key === namespace && exportTo.includes('.') && exportTo.includes(namespace);
      ctx.error(
        where,
        viaDot
          ? `"." and "${namespace}" both name the current namespace`
          : `duplicate exportTo entry "${entry}"`,
      );
      return;
    }
    seen.add(key);
    if (entry === '~') {
      if (!rules.allowNone)
        ctx.error(where, '"~" (export to no one) is only allowed on ServiceEntry');
    } else if (entry !== '.' && entry !== '*' && !isIstioDnsLabel(entry)) {
      ctx.error(where, `"${entry}" is not ".", "*" or a namespace name`);
    }
  });
  if (seen.has('*') && exportTo.length > 1)
    ctx.error(path, '"*" exports to every namespace and cannot be combined with other entries');
  if (seen.has('~') && exportTo.length > 1)
    ctx.error(path, '"~" exports to no one and cannot be combined with other entries');
  if (rules.localOnly && [...seen].some((k) => k !== namespace)) {
    ctx.error(
      path,
      'a DestinationRule with a workloadSelector can only be exported to its own namespace (".")',
    );
  }
}
