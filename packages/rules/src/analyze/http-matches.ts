// What a match block constrains, as the route table sees it; shared by the two unreachable-rule checks.
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
