// StringMatch and regex rules. Istio compiles regexes with Go's RE2 and Envoy with Google RE2,
// so we compile with the `re2` package: a pattern valid here is valid for both.
import RE2 from 're2';
import type { StringMatch } from '../api/common.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';

/** Istio's cap, standing in for Envoy's RE2 program-size limit. */
export const MAX_REGEX_LENGTH = 1024;

export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return `regex is ${pattern.length} characters long; Istio allows at most ${MAX_REGEX_LENGTH}`;
  }
  try {
    new RE2(pattern);
    return undefined;
  } catch (err) {
    return `"${pattern}" is not a valid RE2 regex (${(err as Error).message})`;
  }
}

export function checkRegex(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  pattern: string,
): void {
  const problem = regexProblem(pattern);
  if (problem) ctx.error(path, problem);
}

export type MatchKind =
  /** `uri`: an empty prefix is fine (it matches every path). */
  | 'uri'
  /** scheme/method/authority/headers/queryParams: Envoy rejects an empty prefix. */
  | 'value'
  /** `withoutHeaders`: regex "*" means "present", not a regex. */
  | 'without'
  /** CORS allowOrigins: the match must name something. */
  | 'origin';

const MATCH_TYPES = ['exact', 'prefix', 'regex'] as const;

/** One StringMatch; `{}` is legal (for headers it means "present"), two match types are not. */
export function checkStringMatch(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  match: StringMatch,
  kind: MatchKind,
): void {
  const set = MATCH_TYPES.filter((t) => match[t] !== undefined);
  if (set.length > 1) {
    ctx.error(path, `only one of exact, prefix or regex may be set, found ${set.join(' and ')}`);
    return;
  }
  const type = set[0];
  if (type === undefined) {
    if (kind === 'origin')
      ctx.error(path, 'an allowed origin must set one of exact, prefix or regex');
    else if (kind === 'uri')
      ctx.warn(path, 'empty match matches every value; set exact, prefix or regex');
    return;
  }
  const value = match[type]!;
  if (type === 'prefix' && value === '' && kind !== 'uri') {
    ctx.error([...path, 'prefix'], 'prefix must not be empty (omit the match to match anything)');
  } else if (type === 'regex') {
    if (kind === 'without' && value === '*') return;
    if (value === '') ctx.error([...path, 'regex'], 'regex must not be empty');
    else checkRegex(ctx, [...path, 'regex'], value);
  } else if (type === 'exact' && value === '' && kind === 'origin') {
    ctx.error([...path, 'exact'], 'an allowed origin must not be empty');
  }
}
