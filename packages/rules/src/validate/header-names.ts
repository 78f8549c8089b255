// Header names and values: which names a route may match on, and which it may rewrite.
import type { Headers } from '../api/common.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';

// RFC 7230 token characters: Istio's validHeaderNameRegex for match and CORS header names.
const TOKEN_HEADER = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
// HTTP/2 pseudo-headers Istio lets a route match on (exact spelling, lower case).
const PSEUDO_HEADERS: ReadonlySet<string> = new Set([
  ':method',
  ':scheme',
  ':authority',
  ':path',
  ':status',
]);
const JWT_CLAIM_PREFIX = '@request.auth.claims';
// Control characters other than horizontal tab break the HTTP framing Envoy writes.
// eslint-disable-next-line no-control-regex
const BAD_VALUE_CHARS = /[\u0000-\u0008\u000A-\u001F\u007F]/;

/**
 * Istio's jwt.ToRoutingClaim: the prefix is matched case-insensitively, then `.claim[.sub]` or
 * `[claim][sub]` must follow with at least one character of claim.
 */
export function isJwtClaimHeader(name: string): boolean {
  if (!name.toLowerCase().startsWith(JWT_CLAIM_PREFIX)) return false;
  const rest = name.slice(JWT_CLAIM_PREFIX.length);
  if (rest.startsWith('.')) return rest.length > 1;
  return rest.startsWith('[') && rest.endsWith(']') && rest.length > 2;
}

/** An HTTP token (RFC 7230), as CORS allowHeaders/exposeHeaders entries must be. */
export function isTokenHeaderName(name: string): boolean {
  return TOKEN_HEADER.test(name);
}

/** Names in match.headers / withoutHeaders (Istio's ValidateHTTPHeaderNameOrJwtClaimRoute). */
export function matchHeaderNameProblem(name: string): string | undefined {
  if (name === '') return 'header name must not be empty';
  if (isJwtClaimHeader(name) || PSEUDO_HEADERS.has(name)) return undefined;
  if (!isTokenHeaderName(name)) {
    return `"${name}" is not a valid header name (HTTP token characters only, a pseudo-header such as ":path", or "@request.auth.claims.<claim>")`;
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

type FormatState =
  | 'literal'
  | 'name'
  | 'array'
  | 'string'
  | 'inString'
  | 'delimiterOrEnd'
  | 'argsEnd'
  | 'variableEnd';

/**
 * Envoy header values are format strings: `%%` is a literal percent and `%NAME%` or
 * `%NAME(args)%` a substitution. This is Istio's validateHeaderValue, a port of Envoy's
 * header_parser.cc state machine: it checks the framing only, not the variable names, and
 * inside `(...)` a `%` is plain text (`%START_TIME(%s)%` is fine).
 */
export function headerValueProblem(value: string): string | undefined {
  if (BAD_VALUE_CHARS.test(value))
    return `header value ${JSON.stringify(value)} contains control characters`;
  const bad = (why: string): string =>
    `header value "${value}" is not a valid Envoy format string: ${why} (write "%%" for a literal percent)`;
  let state: FormatState = 'literal';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const space = ch === ' ';
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (i + 1 === value.length) return bad('it ends with an unescaped "%"');
        if (value[i + 1] === '%') i++;
        else state = 'name';
        break;
      case 'name':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'array';
        break;
      case 'array':
        if (ch === '[') state = 'string';
        else if (!space) state = 'inString';
        break;
      case 'delimiterOrEnd':
        if (ch === ',') state = 'string';
        else if (ch === ']') state = 'argsEnd';
        else if (!space) return bad(`expected ",", "]" or a space at "${ch}"`);
        break;
      case 'string':
        if (ch === '"') state = 'inString';
        else if (!space) return bad(`expected '"' at "${ch}"`);
        break;
      case 'inString':
        if (ch === '\\') {
          if (i + 1 === value.length) return bad('it ends inside a backslash escape');
          i++;
        } else if (ch === ')') state = 'variableEnd';
        else if (ch === '"') state = 'delimiterOrEnd';
        break;
      case 'argsEnd':
        if (ch === ')') state = 'variableEnd';
        else if (!space) return bad(`expected ")" at "${ch}"`);
        break;
      case 'variableEnd':
        if (ch === '%') state = 'literal';
        else if (!space) return bad(`expected "%" after ")" at "${ch}"`);
        break;
    }
  }
  if (state !== 'literal') return bad('a "%VARIABLE%" is not closed');
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
