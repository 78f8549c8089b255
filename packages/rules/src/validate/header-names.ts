// Header names and values: which names a route may match on, and which it may rewrite.
import type { Headers } from '../api/common.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';

// Istio's match rule is stricter than the HTTP token grammar: letters, digits, '-' and '_'.
const MATCHABLE_HEADER = /^[-_A-Za-z0-9]+$/;
const JWT_CLAIM_HEADER = /^@request\.auth\.claims(\.|\[)/;
// Control characters other than horizontal tab break the HTTP framing Envoy writes.
// eslint-disable-next-line no-control-regex
const BAD_VALUE_CHARS = /[\u0000-\u0008\u000A-\u001F\u007F]/;

export function isJwtClaimHeader(name: string): boolean {
  return JWT_CLAIM_HEADER.test(name);
}

/** Names in match.headers / withoutHeaders; JWT claim routing (`@request.auth.claims.x`) too. */
export function matchHeaderNameProblem(name: string): string | undefined {
  if (name === '') return 'header name must not be empty';
  if (isJwtClaimHeader(name)) return undefined;
  if (!MATCHABLE_HEADER.test(name)) {
    return `"${name}" is not a header name Istio can match (letters, digits, '-' and '_'; use the authority/method/scheme matches for pseudo-headers)`;
  }
  return undefined;
}

export function isAuthorityHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n === ':authority' || n === 'host';
}

/** Request add/set may rewrite the authority (checked elsewhere) but no other pseudo-header. */
function requestSetProblem(name: string): string | undefined {
  if (name === '') return 'header name must not be empty';
  if (name.startsWith(':') && !isAuthorityHeader(name))
    return `"${name}" cannot be set: pseudo-headers (":...") are managed by the proxy`;
  return undefined;
}

/** Request remove and all response operations: no Host, no pseudo-headers. */
function fixedHeaderProblem(name: string): string | undefined {
  if (name === '') return 'header name must not be empty';
  if (name.toLowerCase() === 'host') return `"${name}" cannot be changed here`;
  if (name.startsWith(':'))
    return `"${name}" cannot be changed: pseudo-headers (":...") are managed by the proxy`;
  return undefined;
}

/**
 * Envoy header values are format strings: `%%` is a literal percent and `%NAME%` or
 * `%NAME(arg)%` a substitution; a lone `%` makes Envoy reject the whole route.
 */
export function headerValueProblem(value: string): string | undefined {
  if (BAD_VALUE_CHARS.test(value))
    return `header value ${JSON.stringify(value)} contains control characters`;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '%') continue;
    if (value[i + 1] === '%') {
      i++;
      continue;
    }
    const end = value.indexOf('%', i + 1);
    if (end === -1)
      return `header value "${value}" has an unterminated "%" (write "%%" for a literal percent)`;
    const variable = value.slice(i + 1, end);
    if (!/^[A-Z][A-Z0-9_]*(\(.*\))?(:\d+)?$/.test(variable)) {
      return `header value "${value}" has an invalid variable "%${variable}%" (write "%%" for a literal percent)`;
    }
    i = end;
  }
  return undefined;
}

export function checkHeaderOperations(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  headers: Headers | undefined,
): void {
  if (!headers) return;
  const groups = [
    ['request', headers.request, requestSetProblem, fixedHeaderProblem],
    ['response', headers.response, fixedHeaderProblem, fixedHeaderProblem],
  ] as const;
  for (const [side, ops, setProblem, removeProblem] of groups) {
    if (!ops) continue;
    for (const op of ['set', 'add'] as const) {
      for (const [name, value] of Object.entries(ops[op] ?? {})) {
        const where = [...path, side, op, name];
        const problem = setProblem(name) ?? headerValueProblem(value);
        if (problem) ctx.error(where, problem);
      }
    }
    (ops.remove ?? []).forEach((name, i) => {
      const problem = removeProblem(name);
      if (problem) ctx.error([...path, side, 'remove', i], problem);
    });
  }
}
