// From two scrapes of each proxy to rows: counter deltas over the window (a counter that went
// down was reset, by a restarted proxy, and its current value is the delta), then success rate,
// requests per second and latency quantiles per destination workload, or per service version.
//
// Inbound view, as Istio's dashboards: each row counts what the destination's own proxy reported
// (reporter="destination"). A destination that no scraped proxy reports for (no sidecar, or its
// proxy not among the targets) is counted from its callers' proxies (reporter="source") instead.
import type { Sample } from './prometheus-text.js';
import { histogramQuantile, type Bucket } from './quantile.js';
import type { StatKind } from './options.js';

/** Istio's standard metric names (packages/telemetry/src/istio-metrics.ts serves them). */
export const REQUESTS_TOTAL = 'istio_requests_total';
export const DURATION_BUCKET = 'istio_request_duration_milliseconds_bucket';
/** The only families stat reads. */
export const STAT_METRICS: ReadonlySet<string> = new Set([REQUESTS_TOTAL, DURATION_BUCKET]);

/** Istio's value for a label it does not know. */
const UNKNOWN = 'unknown';

export type Reporter = 'destination' | 'source';

export interface Scrape {
  /** When it was read, epoch milliseconds. */
  readonly at: number;
  readonly samples: readonly Sample[];
}

/** One proxy, read at the start and at the end of the window. */
export interface TargetWindow {
  readonly before: Scrape;
  readonly after: Scrape;
}

export interface StatFilter {
  readonly kind: StatKind;
  /** A workload (`reviews-v2`, `reviews-v2.bookinfo`) or a service (`reviews`, `reviews.bookinfo`, its FQDN). */
  readonly name?: string;
  readonly namespace?: string;
}

export interface Latency {
  /** Milliseconds; null when there were no requests. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface StatRow {
  readonly namespace: string;
  /** The workload, or the service's short name. */
  readonly name: string;
  /** Service rows: the destination version (`v1`), `unknown` when the workload has no version label. */
  readonly version?: string;
  /** Service rows: the service's FQDN, e.g. `reviews.bookinfo.svc.cluster.local`. */
  readonly service?: string;
  /** Whose reports the row counts. */
  readonly reporter: Reporter;
  /** Requests in the window. */
  readonly requests: number;
  /** Share of the requests that got no 5xx (Istio's success: response_code !~ "5.*"); null without requests. */
  readonly successRate: number | null;
  /** Requests per second over the window. */
  readonly rps: number;
  /** Service rows: this version's share of the service's requests; null when the service had none. */
  readonly traffic?: number | null;
  readonly latencyMs: Latency;
}

interface Key {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly version?: string;
  readonly service?: string;
}

interface Accumulator {
  readonly key: Key;
  readonly reporter: Reporter;
  requests: number;
  successes: number;
  rps: number;
  readonly buckets: Map<number, number>;
}

/** Rows for `filter`, sorted by namespace, name and version. */
export function aggregate(windows: readonly TargetWindow[], filter: StatFilter): StatRow[] {
  const keyOf = filter.kind === 'workload' ? workloadKey : serviceKey;
  // Destinations whose own proxy reports them: the rest are counted from the callers' side.
  const reportedInbound = new Set<string>();
  for (const w of windows)
    for (const s of w.after.samples)
      if (s.name === REQUESTS_TOTAL && s.labels.reporter === 'destination')
        reportedInbound.add(keyOf(s.labels).id);

  const rows = new Map<string, Accumulator>();
  /** The row a series counts in, or undefined when it is filtered out or the other reporter's. */
  const rowFor = (labels: Readonly<Record<string, string>>): Accumulator | undefined => {
    const key = keyOf(labels);
    const reporter: Reporter = reportedInbound.has(key.id) ? 'destination' : 'source';
    if (labels.reporter !== reporter || !matches(filter, key, labels)) return undefined;
    let row = rows.get(key.id);
    if (!row) {
      row = { key, reporter, requests: 0, successes: 0, rps: 0, buckets: new Map() };
      rows.set(key.id, row);
    }
    return row;
  };

  for (const w of windows) {
    const seconds = Math.max((w.after.at - w.before.at) / 1000, 1e-3);
    for (const { labels, delta } of counterDeltas(w, REQUESTS_TOTAL)) {
      const row = rowFor(labels);
      if (!row) continue;
      row.requests += delta;
      if (!(labels.response_code ?? '').startsWith('5')) row.successes += delta;
      row.rps += delta / seconds;
    }
    for (const { labels, delta } of bucketDeltas(w)) {
      const le = bound(labels.le);
      const row = le === undefined ? undefined : rowFor(labels);
      if (!row || le === undefined) continue;
      row.buckets.set(le, (row.buckets.get(le) ?? 0) + delta);
    }
  }

  const finished = [...rows.values()].map(finish).sort(byKey);
  return filter.kind === 'service' ? withTraffic(finished) : finished;
}

function workloadKey(labels: Readonly<Record<string, string>>): Key {
  const namespace = labels.destination_workload_namespace || UNKNOWN;
  const name = labels.destination_workload || UNKNOWN;
  return { id: `${namespace}\u0000${name}`, namespace, name };
}

function serviceKey(labels: Readonly<Record<string, string>>): Key {
  const namespace = labels.destination_service_namespace || UNKNOWN;
  const name = labels.destination_service_name || UNKNOWN;
  const version = labels.destination_version || UNKNOWN;
  const service = labels.destination_service || UNKNOWN;
  return { id: `${namespace}\u0000${name}\u0000${version}`, namespace, name, version, service };
}

function matches(filter: StatFilter, key: Key, labels: Readonly<Record<string, string>>): boolean {
  if (filter.namespace !== undefined && key.namespace !== filter.namespace) return false;
  const wanted = filter.name;
  if (wanted === undefined) return true;
  const { name, namespace } = key;
  const names =
    filter.kind === 'workload'
      ? [name, `${name}.${namespace}`]
      : [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, labels.destination_service];
  return names.includes(wanted);
}

interface Delta {
  readonly labels: Readonly<Record<string, string>>;
  readonly delta: number;
}

/** Increase of each series of counter `name` over the window; a series new in it counts whole. */
export function counterDeltas(w: TargetWindow, name: string): Delta[] {
  const before = new Map<string, number>();
  for (const s of w.before.samples) if (s.name === name) before.set(seriesId(s.labels), s.value);
  const out: Delta[] = [];
  for (const s of w.after.samples) {
    if (s.name !== name) continue;
    const was = before.get(seriesId(s.labels)) ?? 0;
    out.push({ labels: s.labels, delta: s.value >= was ? s.value - was : s.value });
  }
  return out;
}

/**
 * Increase of each duration bucket. A histogram is reset as a whole (its proxy restarted), so one
 * bucket that went down makes every bucket of that series count its current value.
 */
export function bucketDeltas(w: TargetWindow): Delta[] {
  const before = new Map<string, number>();
  for (const s of w.before.samples)
    if (s.name === DURATION_BUCKET) before.set(seriesId(s.labels), s.value);
  const after = w.after.samples.filter((s) => s.name === DURATION_BUCKET);
  const reset = new Set<string>();
  for (const s of after)
    if (s.value < (before.get(seriesId(s.labels)) ?? 0)) reset.add(seriesId(s.labels, 'le'));
  return after.map((s) => ({
    labels: s.labels,
    delta: reset.has(seriesId(s.labels, 'le'))
      ? s.value
      : s.value - (before.get(seriesId(s.labels)) ?? 0),
  }));
}

/** A series' identity: its labels in name order, less `without`. */
function seriesId(labels: Readonly<Record<string, string>>, without?: string): string {
  return Object.keys(labels)
    .filter((k) => k !== without)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

function bound(le: string | undefined): number | undefined {
  if (le === undefined) return undefined;
  if (le === '+Inf') return Infinity;
  const n = Number(le);
  return le.trim() !== '' && !Number.isNaN(n) ? n : undefined;
}

function finish(row: Accumulator): StatRow {
  const buckets: Bucket[] = [...row.buckets].map(([le, count]) => ({ le, count }));
  const quantile = (q: number) => {
    const v = histogramQuantile(q, buckets);
    return Number.isFinite(v) ? v : null;
  };
  const { namespace, name, version, service } = row.key;
  return {
    namespace,
    name,
    ...(version !== undefined && { version }),
    ...(service !== undefined && { service }),
    reporter: row.reporter,
    requests: row.requests,
    successRate: row.requests > 0 ? row.successes / row.requests : null,
    rps: row.rps,
    latencyMs: { p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99) },
  };
}

function byKey(a: StatRow, b: StatRow): number {
  return (
    compare(a.namespace, b.namespace) ||
    compare(a.name, b.name) ||
    compare(a.version ?? '', b.version ?? '')
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Each version's share of its service's requests. */
function withTraffic(rows: readonly StatRow[]): StatRow[] {
  const totals = new Map<string, number>();
  const service = (r: StatRow) => `${r.namespace}\u0000${r.name}`;
  for (const r of rows) totals.set(service(r), (totals.get(service(r)) ?? 0) + r.requests);
  return rows.map((r) => {
    const total = totals.get(service(r)) ?? 0;
    return { ...r, traffic: total > 0 ? r.requests / total : null };
  });
}
