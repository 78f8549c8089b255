// Labels and workload selectors, as Istio validates them.
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { checkLabelKey, checkLabelValue } from './names.js';

export function checkLabels(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  labels: Record<string, string> | undefined,
): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const problem = checkLabelKey(key) ?? checkLabelValue(value);
    if (problem) ctx.error([...path, key], problem);
  }
}

/** Selectors match labels exactly: no empty keys, no wildcards; an empty selector selects all. */
export function checkWorkloadSelector(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  labels: Record<string, string> | undefined,
): void {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) {
    ctx.warn(
      path,
      'workload selector has no labels, so it selects every workload in the namespace',
    );
    return;
  }
  for (const [key, value] of entries) {
    if (key === '') ctx.error([...path, key], 'selector label key must not be empty');
    else if (key.includes('*') || value.includes('*'))
      ctx.error([...path, key], `wildcards are not supported in selectors ("${key}=${value}")`);
  }
}
