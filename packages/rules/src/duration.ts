// Durations as Istio's CRDs take them: Go's time.ParseDuration syntax ("1h2m3.5s", "100ms",
// "0.5s"), which is also what CEL's duration() in the CRD schema accepts.
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds, or undefined when the text is not a duration. "0" alone is zero, as in Go. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0 || text.startsWith('-') || text.startsWith('+')) return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== start) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return total;
}

/** Renders milliseconds the way Istio prints them back ("1.5s", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms < 1000) return `${ms}ms`;
  return `${ms / 1000}s`;
}
