// Durations as Istio's webhook checks them (agent.ValidateDuration): at least 1ms, and whole
// milliseconds, because Envoy's timers have millisecond resolution.
import { parseDuration } from '../duration.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';

// Float arithmetic on "1.001s" gives 1000.9999999999999 ms; anything closer than this is whole.
const EPSILON_MS = 1e-7;

function isWhole(ms: number, unit: number): boolean {
  const q = ms / unit;
  return Math.abs(q - Math.round(q)) < EPSILON_MS;
}

export interface DurationRules {
  /** CORS maxAge is sent in whole seconds, so Istio rejects fractions. */
  wholeSeconds?: boolean;
  /**
   * tcp.idleTimeout: "0s" disables the timeout. Istio skips the check when the duration's whole
   * milliseconds are 0 (istio/istio#55409), so anything under 1ms passes too.
   */
  zeroDisables?: boolean;
}

export function checkDuration(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  text: string | undefined,
  rules: DurationRules = {},
): void {
  if (text === undefined) return;
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.error(path, `"${text}" is not a duration (use e.g. "1.5s" or "250ms")`);
  } else if (rules.zeroDisables && ms < 1 - EPSILON_MS) {
    return;
  } else if (ms < 1 - EPSILON_MS) {
    ctx.error(path, `"${text}" is shorter than 1ms, the smallest duration Istio accepts`);
  } else if (!isWhole(ms, 1)) {
    ctx.error(
      path,
      `"${text}" is not a whole number of milliseconds (Istio supports ms precision only)`,
    );
  } else if (rules.wholeSeconds && !isWhole(ms, 1000)) {
    ctx.error(
      path,
      `"${text}" is not a whole number of seconds (this field has seconds precision)`,
    );
  }
}
