// Helpers on Istio's StringMatch.
import type { StringMatch } from '../api/index.js';

/** `{}`: no exact, prefix or regex — Istio turns it into a presence check. */
export function isEmptyStringMatch(m: StringMatch): boolean {
  return m.exact === undefined && m.prefix === undefined && m.regex === undefined;
}
