// How `meshctl stat` shows its rows: a kubectl-style table whose columns follow `linkerd viz stat`
// (SUCCESS, RPS, LATENCY_P50/P95/P99), or the same facts as one JSON/YAML document.
import { renderTable } from '../table.js';
import type { StatRow } from './aggregate.js';
import type { StatKind } from './options.js';

/** What a frame was measured over. */
export interface FrameInfo {
  /** Epoch milliseconds of the first and the second scrape. */
  readonly start: number;
  readonly end: number;
  /** Proxies that answered both scrapes, of those asked. */
  readonly proxiesRead: number;
  readonly proxies: number;
}

const NO_VALUE = '-';

export function renderStatTable(kind: StatKind, rows: readonly StatRow[]): string {
  const measures = (r: StatRow) => [
    percent(r.successRate),
    formatRps(r.rps),
    formatMs(r.latencyMs.p50),
    formatMs(r.latencyMs.p95),
    formatMs(r.latencyMs.p99),
    String(Math.round(r.requests)),
  ];
  const tail = ['SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'REQUESTS'];
  if (kind === 'workload')
    return renderTable(
      ['NAMESPACE', 'WORKLOAD', ...tail],
      rows.map((r) => [r.namespace, r.name, ...measures(r)]),
    );
  return renderTable(
    ['NAMESPACE', 'SERVICE', 'VERSION', 'TRAFFIC', ...tail],
    rows.map((r) => [
      r.namespace,
      r.name,
      r.version ?? NO_VALUE,
      percent(r.traffic ?? null, 1),
      ...measures(r),
    ]),
  );
}

/** `-o json|yaml`: the window, how many proxies answered, and the rows. */
export function statDocument(kind: StatKind, rows: readonly StatRow[], info: FrameInfo): object {
  return {
    kind,
    window: {
      start: new Date(info.start).toISOString(),
      end: new Date(info.end).toISOString(),
      seconds: round((info.end - info.start) / 1000, 3),
    },
    proxies: { read: info.proxiesRead, total: info.proxies },
    rows: rows.map((r) => ({
      namespace: r.namespace,
      ...(kind === 'workload'
        ? { workload: r.name }
        : {
            service: r.name,
            host: r.service,
            version: r.version,
            traffic: roundOrNull(r.traffic ?? null, 4),
          }),
      requests: r.requests,
      successRate: roundOrNull(r.successRate, 4),
      rps: round(r.rps, 3),
      latencyMs: {
        p50: roundOrNull(r.latencyMs.p50, 3),
        p95: roundOrNull(r.latencyMs.p95, 3),
        p99: roundOrNull(r.latencyMs.p99, 3),
      },
      reporter: r.reporter,
    })),
  };
}

/** The line above each table of `--watch`: when, over how long, from how many proxies. */
export function frameHeading(info: FrameInfo): string {
  const seconds = ((info.end - info.start) / 1000).toFixed(1);
  const when = new Date(info.end).toISOString().replace(/\.\d+Z$/, 'Z');
  return `${when}  window ${seconds}s  ${info.proxiesRead}/${info.proxies} proxies`;
}

/** `98.50%`; `-` for no requests. */
export function percent(ratio: number | null, digits = 2): string {
  return ratio === null ? NO_VALUE : `${(ratio * 100).toFixed(digits)}%`;
}

/** One decimal, as linkerd; two significant digits below 0.1 so a trickle is not shown as 0. */
export function formatRps(rps: number): string {
  if (rps === 0 || rps >= 0.1) return rps.toFixed(1);
  return String(Number(rps.toPrecision(2)));
}

/** `4.2ms` below 10 ms, whole milliseconds above; `-` for no requests. */
export function formatMs(ms: number | null): string {
  if (ms === null) return NO_VALUE;
  const tenths = ms.toFixed(1);
  return Number(tenths) < 10 ? `${tenths}ms` : `${Math.round(ms)}ms`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function roundOrNull(value: number | null, digits: number): number | null {
  return value === null ? null : round(value, digits);
}
