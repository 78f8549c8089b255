// Percentages: the fractional `Percent` message and the deprecated integer percent fields.
import type { Percent } from '../api/common.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';

/** Istio: 0, or within [0.0001, 100] (Envoy's fractional percent has 6 digits of precision). */
export function checkPercentage(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  p: Percent | undefined,
): void {
  if (p === undefined) return;
  const v = p.value ?? 0;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
    ctx.error([...path, 'value'], `percentage ${v} is neither 0 nor within 0.0001..100`);
  }
}

export function checkIntPercent(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  v: number | undefined,
): void {
  if (v !== undefined && (v < 0 || v > 100)) {
    ctx.error(path, `percentage ${v} is not within 0..100`);
  }
}

/**
 * Mirror percentages (mirrorPercentage, mirrors[].percentage) are only range-checked by Istio:
 * 0..100, with no 0.0001 floor.
 */
export function checkMirrorPercentage(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  p: Percent | undefined,
): void {
  const v = p?.value ?? 0;
  if (v < 0 || v > 100) ctx.error([...path, 'value'], `percentage ${v} is not within 0..100`);
}
