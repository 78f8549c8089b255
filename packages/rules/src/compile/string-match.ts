// Helpers on Istio's StringMatch.
import type { StringMatch } from '../api/index.js';

/** `{}`: no exact, prefix or regex. */
export function isEmptyStringMatch(m: StringMatch): boolean {
  return m.exact === undefined && m.prefix === undefined && m.regex === undefined;
}

/**
 * Istio's canBeConvertedToPresentMatch (pilot/pkg/networking/core/route/route.go): `{}` and the
 * regex `*` (not valid RE2; istio/istio#20629) reach Envoy as present_match, for headers,
 * withoutHeaders and queryParams alike.
 */
export function isPresenceMatch(m: StringMatch): boolean {
  return (
    isEmptyStringMatch(m) || (m.exact === undefined && m.prefix === undefined && m.regex === '*')
  );
}
