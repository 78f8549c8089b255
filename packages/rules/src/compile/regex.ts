// Regexes as Envoy's safe_regex runs them: RE2 (linear time) and matched against the WHOLE value,
// so `/api` as a regex does not match `/api/v1` — a classic surprise for users of PCRE-style tools.
import RE2 from 're2';

export function fullMatchRegex(pattern: string, ignoreCase = false): RE2 | undefined {
  try {
    return new RE2(`^(?:${pattern})$`, ignoreCase ? 'i' : '');
  } catch {
    // Validation rejects bad patterns; compile must not throw on what slipped through.
    return undefined;
  }
}

/**
 * Istio's uriRegexRewrite is Envoy's regex_rewrite: every match is substituted (RE2 GlobalReplace)
 * and `\1`..`\9` in the substitution name capture groups.
 */
export function compileRegexRewrite(
  match: string,
  rewrite: string,
): { apply(path: string): string } | undefined {
  let re: RE2;
  try {
    re = new RE2(match, 'g');
  } catch {
    return undefined;
  }
  const replacement = rewrite.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
  return Object.freeze({ apply: (path: string) => path.replace(re, replacement) });
}
