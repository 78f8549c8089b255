// One HTTPMatchRequest -> one predicate. Every condition inside a match must hold (AND); the
// route holds a list of these and any one is enough (OR). Each condition becomes one small
// closure that reads the prepared request directly: no generic getter, no per-call allocation.
import type { HTTPMatchRequest, StringMatch } from '../api/index.js';
import { fullMatchRegex } from './regex.js';
import { isEmptyStringMatch } from './string-match.js';
import type { RequestPredicate, UriMatchKind } from './types.js';

// Istio documents that these header keys are ignored inside `headers` (they have their own fields).
export const IGNORED_HEADER_KEYS: ReadonlySet<string> = new Set([
  'uri',
  'scheme',
  'method',
  'authority',
]);

export const MATCH_ALL: RequestPredicate = () => true;
const NEVER: RequestPredicate = () => false;

type Field = 'path' | 'method' | 'scheme' | 'authority';

export function compileHttpMatch(m: HTTPMatchRequest): RequestPredicate {
  const fast: RequestPredicate[] = [];
  // Conditions AND without side effects, so the RE2 ones (a native call each) are tried last.
  const slow: RequestPredicate[] = [];
  const add = (sm: StringMatch, check: RequestPredicate) =>
    (sm.regex !== undefined ? slow : fast).push(check);
  if (m.port !== undefined && m.port !== 0) {
    const port = m.port;
    fast.push((r) => r.port === port);
  }
  if (m.uri) add(m.uri, uriCheck(m.uri, m.ignoreUriCase === true));
  if (m.method) add(m.method, fieldCheck('method', m.method));
  if (m.scheme) add(m.scheme, fieldCheck('scheme', m.scheme));
  if (m.authority) add(m.authority, fieldCheck('authority', m.authority));
  for (const [rawName, sm] of Object.entries(m.headers ?? {})) {
    const name = rawName.toLowerCase();
    if (!IGNORED_HEADER_KEYS.has(name)) add(sm, headerCheck(name, sm, false));
  }
  for (const [rawName, sm] of Object.entries(m.withoutHeaders ?? {})) {
    add(sm, headerCheck(rawName.toLowerCase(), sm, true));
  }
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) add(sm, queryCheck(name, sm));
  if (m.sourceLabels) {
    const entries = Object.entries(m.sourceLabels);
    fast.push((r) => {
      for (let i = 0; i < entries.length; i++) {
        const [k, v] = entries[i]!;
        if (r.sourceLabels[k] !== v) return false;
      }
      return true;
    });
  }
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== '') {
    const ns = m.sourceNamespace;
    fast.push((r) => r.sourceNamespace === ns);
  }
  return all([...fast, ...slow]);
}

/** How the uri matched, which decides what `rewrite.uri` replaces (Envoy prefix_rewrite). */
export function uriMatchKind(m: HTTPMatchRequest | undefined): UriMatchKind {
  const uri = m?.uri;
  if (!uri || isEmptyStringMatch(uri)) return { kind: 'none' };
  if (uri.exact !== undefined) return { kind: 'exact' };
  if (uri.prefix !== undefined)
    return { kind: 'prefix', prefix: uri.prefix, ignoreCase: m?.ignoreUriCase === true };
  return { kind: 'regex' };
}

function uriCheck(uri: StringMatch, ignoreCase: boolean): RequestPredicate {
  // ignoreUriCase covers exact and prefix only; Istio documents that regex stays case-sensitive.
  if (ignoreCase && uri.regex === undefined) {
    if (uri.exact !== undefined) {
      const want = uri.exact.toLowerCase();
      return (r) => r.lowerPath() === want;
    }
    if (uri.prefix !== undefined) {
      const want = uri.prefix.toLowerCase();
      return (r) => r.lowerPath().startsWith(want);
    }
  }
  return fieldCheck('path', uri);
}

function fieldCheck(field: Field, sm: StringMatch): RequestPredicate {
  if (sm.exact !== undefined) {
    const want = sm.exact;
    return (r) => r[field] === want;
  }
  if (sm.prefix !== undefined) {
    const want = sm.prefix;
    return (r) => r[field].startsWith(want);
  }
  if (sm.regex !== undefined) {
    const re = fullMatchRegex(sm.regex);
    return re ? (r) => re.test(r[field]) : NEVER;
  }
  return MATCH_ALL;
}

/** Header values as Envoy compares them; `{}` is a presence check; `without` is Envoy's invert_match. */
function headerCheck(name: string, sm: StringMatch, without: boolean): RequestPredicate {
  let test: (v: string) => boolean;
  if (sm.exact !== undefined) {
    const want = sm.exact;
    if (!without) return (r) => r.headers[name] === want;
    test = (v) => v === want;
  } else if (sm.prefix !== undefined) {
    const want = sm.prefix;
    test = (v) => v.startsWith(want);
  } else if (sm.regex !== undefined) {
    const re = fullMatchRegex(sm.regex);
    test = re ? (v) => re.test(v) : () => false;
  } else {
    test = () => true;
  }
  // An absent header satisfies "without" whatever the matcher.
  if (without) {
    return (r) => {
      const v = r.headers[name];
      return v === undefined || !test(v);
    };
  }
  return (r) => {
    const v = r.headers[name];
    return v !== undefined && test(v);
  };
}

/**
 * Istio translates only exact and regex query matches; a prefix (or `{}`) reaches Envoy with no
 * value matcher, which Envoy treats as "parameter present".
 */
function queryCheck(name: string, sm: StringMatch): RequestPredicate {
  if (sm.exact !== undefined) {
    const want = sm.exact;
    return (r) => r.queryParam(name) === want;
  }
  if (sm.regex !== undefined) {
    const re = fullMatchRegex(sm.regex);
    if (!re) return NEVER;
    return (r) => {
      const v = r.queryParam(name);
      return v !== undefined && re.test(v);
    };
  }
  return (r) => r.queryParam(name) !== undefined;
}

function all(checks: readonly RequestPredicate[]): RequestPredicate {
  const [a, b, c] = checks;
  if (!a) return MATCH_ALL;
  if (!b) return a;
  if (!c) return (r) => a(r) && b(r);
  if (checks.length === 3) return (r) => a(r) && b(r) && c(r);
  return (r) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(r)) return false;
    return true;
  };
}
