// OpenTelemetry's HrTime ([seconds, nanoseconds]) from the wall clock, for metric points.
export type HrTime = [number, number];

export function hrNow(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
