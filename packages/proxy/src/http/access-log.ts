// One entry per request, written when the exchange is over. Field names follow Istio's default
// JSON access log format (meshConfig.accessLogEncoding: JSON) so operators' queries carry over;
// `attempts` is Envoy's %UPSTREAM_REQUEST_ATTEMPT_COUNT%, `direction` and `config_generation` are
// ours. Absent values are null, as Istio prints them.
import { performance } from 'node:perf_hooks';
import { formatFlags, type StreamInfo } from './stream-info.js';

export interface AccessLogEntry {
  readonly start_time: string;
  readonly direction: 'outbound' | 'inbound';
  readonly method: string | null;
  readonly authority: string | null;
  readonly path: string | null;
  readonly protocol: string;
  readonly response_code: number;
  /** Envoy's %RESPONSE_FLAGS%: `-`, or flags such as `UF,URX`. */
  readonly response_flags: string;
  /** The reason of a local reply (what x-mesh-error says), else null. */
  readonly response_code_details: string | null;
  readonly upstream_host: string | null;
  readonly upstream_cluster: string | null;
  /** Milliseconds from the first request byte to the last response byte. */
  readonly duration: number;
  /**
   * Milliseconds from the first request byte to the upstream's response headers (Envoy's
   * %RESPONSE_DURATION%, Istio's `upstream_service_time`); null when no upstream answered.
   */
  readonly upstream_service_time: number | null;
  readonly bytes_received: number;
  readonly bytes_sent: number;
  readonly request_id: string | null;
  readonly attempts: number;
  readonly route_name: string | null;
  readonly downstream_remote_address: string | null;
  readonly config_generation: number | null;
  /** The W3C trace id of the request when tracing is on (sampled or not), else null. */
  readonly trace_id: string | null;
}

/**
 * Takes one entry per finished request. A recorder (telemetry/request-recorder.ts) also has
 * `finish`, which gets the request's whole StreamInfo instead, for the metrics and spans an entry
 * does not carry; plain loggers (tests, tools) get entries.
 */
export type AccessLogger = ((entry: AccessLogEntry) => void) & {
  readonly finish?: (info: StreamInfo) => void;
};

export function accessLogEntry(info: StreamInfo, now: number = performance.now()): AccessLogEntry {
  return {
    start_time: isoTime(info.startTime),
    direction: info.direction,
    method: info.method || null,
    authority: info.authority || null,
    path: info.path || null,
    protocol: info.protocol,
    response_code: info.status,
    response_flags: formatFlags(info.flags),
    response_code_details: info.details ?? null,
    upstream_host: info.upstreamHost ?? null,
    upstream_cluster: info.upstreamCluster ?? null,
    duration: Math.max(0, Math.round(now - info.startedAt)),
    upstream_service_time:
      info.upstreamResponseAt === undefined
        ? null
        : Math.max(0, Math.round(info.upstreamResponseAt - info.startedAt)),
    bytes_received: info.bytesReceived,
    bytes_sent: info.bytesSent,
    request_id: info.requestId || null,
    attempts: info.attempts,
    route_name: info.routeName ?? null,
    downstream_remote_address: info.downstreamAddress ?? null,
    config_generation: info.generation ?? null,
    trace_id: info.span?.traceId ?? null,
  };
}

/**
 * The entry of `info` as its JSON line, the same text as JSON.stringify(accessLogEntry(info)),
 * written field by field: no entry object per request, which at saturation was garbage the
 * collector paid for. The order of fields is the entry's; access-log.test.ts pins the equality.
 */
export function accessLogLine(info: StreamInfo, now: number = performance.now()): string {
  const up = info.upstreamResponseAt;
  return (
    `{"start_time":"${isoTime(info.startTime)}","direction":"${info.direction}"` +
    `,"method":${text(info.method)},"authority":${text(info.authority)},"path":${text(info.path)}` +
    `,"protocol":${jsonString(info.protocol)},"response_code":${info.status}` +
    `,"response_flags":"${formatFlags(info.flags)}","response_code_details":${opt(info.details)}` +
    `,"upstream_host":${opt(info.upstreamHost)},"upstream_cluster":${opt(info.upstreamCluster)}` +
    `,"duration":${Math.max(0, Math.round(now - info.startedAt))}` +
    `,"upstream_service_time":${up === undefined ? 'null' : Math.max(0, Math.round(up - info.startedAt))}` +
    `,"bytes_received":${info.bytesReceived},"bytes_sent":${info.bytesSent}` +
    `,"request_id":${text(info.requestId)},"attempts":${info.attempts}` +
    `,"route_name":${opt(info.routeName)},"downstream_remote_address":${opt(info.downstreamAddress)}` +
    `,"config_generation":${info.generation ?? 'null'},"trace_id":${opt(info.span?.traceId)}}`
  );
}

/** A field the entry writes as `v || null`: JSON-escaped, or null when absent or empty. */
function text(v: string | undefined): string {
  return v ? jsonString(v) : 'null';
}

/** A field the entry writes as `v ?? null`: null only when absent. */
function opt(v: string | undefined): string {
  return v === undefined ? 'null' : jsonString(v);
}

// What JSON.stringify escapes in a string: quote, backslash, controls and lone surrogates (a
// paired one is written as it is, so a string with any surrogate goes the slow way).
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(v), without its cost for the usual string that needs no escaping. */
export function jsonString(v: string): string {
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}

// toISOString per request cost ~0.5 µs, and requests finishing together started in different
// milliseconds, so a per-millisecond cache missed: the date and time up to the second are
// formatted once a second, the milliseconds appended.
let second = Number.NaN;
let secondPrefix = '';

/** `YYYY-MM-DDTHH:mm:ss.` of the second `s` (since the epoch), formatted once per second. */
export function isoSecondPrefix(s: number): string {
  if (s !== second) {
    second = s;
    secondPrefix = new Date(s * 1000).toISOString().slice(0, 20);
  }
  return secondPrefix;
}

/** new Date(ms).toISOString() for ms since the epoch, in years 0-9999. */
export function isoTime(ms: number): string {
  const whole = Math.floor(ms);
  const s = Math.floor(whole / 1000);
  const milli = whole - s * 1000;
  return `${isoSecondPrefix(s)}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Entries as JSON lines; `write` gets each line without its trailing newline. */
export function createJsonAccessLog(write: (line: string) => void): AccessLogger {
  return (entry) => write(JSON.stringify(entry));
}

/** The logger of a proxy with no access log: requests skip building their entry. */
export const NO_ACCESS_LOG: AccessLogger = () => undefined;

/** Logging must never fail a request: a throwing sink loses the line, not the response. */
export function safeLog(log: AccessLogger, info: StreamInfo): void {
  if (log === NO_ACCESS_LOG) return;
  try {
    if (log.finish) log.finish(info);
    else log(accessLogEntry(info));
  } catch {
    // The sink is broken; there is nowhere better to report it from the data path.
  }
}
