// What a match block constrains, as the route table sees it; shared by the two unreachable-rule checks.
import type { StringMatch } from '../api/common.js';
import type { HTTPMatchRequest, HTTPRoute } from '../api/virtual-service.js';
import { canonicalJson } from './catalog.js';

// Fields that name or count a match without restricting which requests it accepts.
const NON_CONDITIONS = new Set(['name', 'statPrefix', 'ignoreUriCase']);

/**
 * A match block that accepts every request on every gateway: empty, or a URI of prefix `/` or
 * regex `.*` and nothing else (ignoreUriCase cannot narrow a match that accepts every path).
 */
export function isCatchAllMatch(match: HTTPMatchRequest | undefined): boolean {
  if (!match || typeof match !== 'object') return true;
  for (const [key, value] of Object.entries(match)) {
    if (NON_CONDITIONS.has(key) || key === 'uri' || isEmpty(value)) continue;
    return false;
  }
  const uri = match.uri;
  if (!uri || isEmpty(uri)) return true;
  const kinds = Object.keys(uri).filter((k) => uri[k as keyof typeof uri] !== undefined);
  if (kinds.length !== 1) return false;
  return uri.prefix === '/' || uri.regex === '.*';
}

/** Match blocks are ORed, so one catch-all block makes the whole route a catch-all. */
export function isCatchAllRoute(route: HTTPRoute | undefined): boolean {
  const matches = route?.match;
  if (!matches || matches.length === 0) return true;
  return matches.some(isCatchAllMatch);
}

/** Index of the first catch-all http route, or -1. */
export function firstCatchAll(routes: readonly (HTTPRoute | undefined)[]): number {
  return routes.findIndex(isCatchAllRoute);
}

/** A key equal for match blocks that accept exactly the same requests when written the same way. */
export function matchKey(match: HTTPMatchRequest): string {
  const conditions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(match)) {
    if (key === 'name' || key === 'statPrefix' || isEmpty(value)) continue;
    // false is the default, so writing it changes nothing.
    if (key === 'ignoreUriCase' && value === false) continue;
    conditions[key] = value;
  }
  return canonicalJson(conditions);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/**
 * Does every string the `inner` condition accepts also satisfy `outer`? Only exact and prefix
 * logic is trusted; a regex covers only as the regex `.*` or when both are the same regex, so an
 * answer of true is always certain. `outerFold`/`innerFold` say whether the match ignores case
 * (ignoreUriCase, which only applies to the uri).
 */
export function stringMatchCovers(
  outer: StringMatch,
  inner: StringMatch,
  outerFold = false,
  innerFold = false,
): boolean {
  const o = single(outer);
  const i = single(inner);
  // A condition written as {} (or with several kinds set) is not something we can reason about.
  if (!o || !i) return false;
  if (o.kind === 'regex') {
    if (o.value === '.*') return true;
    return i.kind === 'regex' && i.value === o.value && outerFold === innerFold;
  }
  if (i.kind === 'regex') return false;
  // A case-folding inner match also accepts other spellings of its value, which a case-sensitive
  // outer match rejects unless the value has no letters whose case could change.
  if (innerFold && !outerFold && hasCase(i.value)) return false;
  const fold = (s: string) => (outerFold ? s.toLowerCase() : s);
  const ov = fold(o.value);
  const iv = fold(i.value);
  if (o.kind === 'exact') return i.kind === 'exact' && iv === ov;
  return iv.startsWith(ov);
}

/**
 * For map conditions (headers, queryParams): every key the outer block tests, the inner block
 * tests with a condition at least as narrow. An empty condition `{}` only asks for presence, which
 * any condition on the same key implies.
 */
function mapCovers(
  outer: Record<string, StringMatch | undefined> | undefined,
  inner: Record<string, StringMatch | undefined> | undefined,
): boolean {
  for (const [key, cond] of Object.entries(outer ?? {})) {
    const other = inner?.[key];
    if (other === undefined) return false;
    if (cond === undefined || isEmpty(cond)) continue;
    if (!stringMatchCovers(cond, other)) return false;
  }
  return true;
}

/**
 * Does the earlier block accept every request the later one accepts, so that the later one can
 * never be the first to match? `gatewaysOf` gives the gateways a block applies to (its own, else
 * the VirtualService's). Conservative: any condition we cannot prove implied means "no".
 */
export function matchCovers(
  earlier: HTTPMatchRequest | undefined,
  later: HTTPMatchRequest | undefined,
  gatewaysOf: (m: HTTPMatchRequest | undefined) => ReadonlySet<string>,
): boolean {
  const e = earlier ?? {};
  const l = later ?? {};
  for (const [key, value] of Object.entries(e)) {
    if (NON_CONDITIONS.has(key) || isEmpty(value)) continue;
    switch (key) {
      case 'uri':
        if (!l.uri || !stringMatchCovers(e.uri!, l.uri, !!e.ignoreUriCase, !!l.ignoreUriCase))
          return false;
        break;
      case 'scheme':
      case 'method':
      case 'authority': {
        const inner = l[key];
        if (!inner || !stringMatchCovers(e[key]!, inner)) return false;
        break;
      }
      case 'headers':
      case 'queryParams':
        if (!mapCovers(e[key], l[key])) return false;
        break;
      case 'withoutHeaders':
        // The later block must exclude at least what the earlier one excludes: its own exclusion
        // on the same header has to accept everything the earlier exclusion accepts.
        for (const [name, cond] of Object.entries(e.withoutHeaders ?? {})) {
          const other = l.withoutHeaders?.[name];
          if (!cond || !other || !stringMatchCovers(other, cond)) return false;
        }
        break;
      case 'port':
      case 'sourceNamespace':
        if (l[key] !== e[key]) return false;
        break;
      case 'sourceLabels':
        for (const [k, v] of Object.entries(e.sourceLabels ?? {}))
          if (l.sourceLabels?.[k] !== v) return false;
        break;
      case 'gateways':
        break; // compared below, together with inherited gateways
      default:
        return false;
    }
  }
  const eGateways = gatewaysOf(earlier);
  for (const g of gatewaysOf(later)) if (!eGateways.has(g)) return false;
  return true;
}

function single(m: StringMatch): { kind: 'exact' | 'prefix' | 'regex'; value: string } | undefined {
  const set = (['exact', 'prefix', 'regex'] as const).filter((k) => typeof m[k] === 'string');
  const kind = set[0];
  if (set.length !== 1 || kind === undefined) return undefined;
  return { kind, value: m[kind]! };
}

function hasCase(s: string): boolean {
  return s.toLowerCase() !== s.toUpperCase();
}
