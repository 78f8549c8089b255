// The access-log line of access-log.ts written as UTF-8 straight into the log's batch buffer, byte
// by byte in JS: the same bytes as Buffer.from(accessLogLine(info)), without the ~40 strings the
// template builds, their flattening and the copy (2.6 KB of garbage per request, collected at
// saturation every few milliseconds). Literal pieces are encoded once and copied with
// TypedArray#set; strings are short, and a JS loop beat a native write call per piece (an earlier
// version called latin1Write per piece: 2.4 µs a line against 1.3 for the string).
import { isoSecondPrefix } from './access-log.js';
import { formatFlags, type StreamInfo } from './stream-info.js';

const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

const K = {
  start: latin1('{"start_time":"'),
  direction: latin1('","direction":"'),
  method: latin1('","method":'),
  authority: latin1(',"authority":'),
  path: latin1(',"path":'),
  protocol: latin1(',"protocol":'),
  code: latin1(',"response_code":'),
  flags: latin1(',"response_flags":"'),
  details: latin1('","response_code_details":'),
  host: latin1(',"upstream_host":'),
  cluster: latin1(',"upstream_cluster":'),
  duration: latin1(',"duration":'),
  upstreamTime: latin1(',"upstream_service_time":'),
  received: latin1(',"bytes_received":'),
  sent: latin1(',"bytes_sent":'),
  requestId: latin1(',"request_id":'),
  attempts: latin1(',"attempts":'),
  route: latin1(',"route_name":'),
  remote: latin1(',"downstream_remote_address":'),
  generation: latin1(',"config_generation":'),
  trace: latin1(',"trace_id":'),
  null: latin1('null'),
} as const;

const LITERAL_BYTES = Object.values(K).reduce((n, k) => n + k.length, 0);
/** Widest a number is written: -1.7976931348623157e+308. */
const NUMBER_BYTES = 24;
const NUMBERS = 8;
/** `\uXXXX` for one UTF-16 unit is the widest a character gets (UTF-8 takes at most 3). */
const PER_UNIT = 6;

/** Bytes writeAccessLogLine may write for `info`, at most; its trailing newline included. */
export function accessLogLineBound(info: StreamInfo, flags: string): number {
  const strings =
    info.direction.length +
    info.method.length +
    info.authority.length +
    info.path.length +
    info.protocol.length +
    (info.details?.length ?? 0) +
    (info.upstreamHost?.length ?? 0) +
    (info.upstreamCluster?.length ?? 0) +
    info.requestId.length +
    (info.routeName?.length ?? 0) +
    (info.downstreamAddress?.length ?? 0) +
    (info.span?.traceId.length ?? 0) +
    flags.length +
    // the start time, and the quotes around each string
    24 +
    2 * 13;
  return LITERAL_BYTES + NUMBERS * NUMBER_BYTES + strings * PER_UNIT + 2;
}

/**
 * Writes the line of `info` (accessLogLine's text, UTF-8) and a newline into `buf` at `at`, which
 * must have accessLogLineBound() bytes of room; returns where it ended.
 */
export function writeAccessLogLine(
  buf: Uint8Array,
  at: number,
  info: StreamInfo,
  now: number,
  flags: string = formatFlags(info.flags),
): number {
  const up = info.upstreamResponseAt;
  let p = lit(buf, at, K.start);
  p = isoTime(buf, p, info.startTime);
  p = lit(buf, p, K.direction);
  p = raw(buf, p, info.direction);
  p = lit(buf, p, K.method);
  p = text(buf, p, info.method);
  p = lit(buf, p, K.authority);
  p = text(buf, p, info.authority);
  p = lit(buf, p, K.path);
  p = text(buf, p, info.path);
  p = lit(buf, p, K.protocol);
  p = str(buf, p, info.protocol);
  p = lit(buf, p, K.code);
  p = num(buf, p, info.status);
  p = lit(buf, p, K.flags);
  p = raw(buf, p, flags);
  p = lit(buf, p, K.details);
  p = opt(buf, p, info.details);
  p = lit(buf, p, K.host);
  p = opt(buf, p, info.upstreamHost);
  p = lit(buf, p, K.cluster);
  p = opt(buf, p, info.upstreamCluster);
  p = lit(buf, p, K.duration);
  p = num(buf, p, Math.max(0, Math.round(now - info.startedAt)));
  p = lit(buf, p, K.upstreamTime);
  p =
    up === undefined
      ? lit(buf, p, K.null)
      : num(buf, p, Math.max(0, Math.round(up - info.startedAt)));
  p = lit(buf, p, K.received);
  p = num(buf, p, info.bytesReceived);
  p = lit(buf, p, K.sent);
  p = num(buf, p, info.bytesSent);
  p = lit(buf, p, K.requestId);
  p = text(buf, p, info.requestId);
  p = lit(buf, p, K.attempts);
  p = num(buf, p, info.attempts);
  p = lit(buf, p, K.route);
  p = opt(buf, p, info.routeName);
  p = lit(buf, p, K.remote);
  p = opt(buf, p, info.downstreamAddress);
  p = lit(buf, p, K.generation);
  p = info.generation === undefined ? lit(buf, p, K.null) : num(buf, p, info.generation);
  p = lit(buf, p, K.trace);
  p = opt(buf, p, info.span?.traceId);
  buf[p++] = 0x7d; // }
  buf[p++] = 0x0a;
  return p;
}

function lit(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  buf.set(bytes, p);
  return p + bytes.length;
}

/** A field the entry writes as `v || null`. */
function text(buf: Uint8Array, p: number, v: string): number {
  return v ? str(buf, p, v) : lit(buf, p, K.null);
}

/** A field the entry writes as `v ?? null`. */
function opt(buf: Uint8Array, p: number, v: string | undefined): number {
  return v === undefined ? lit(buf, p, K.null) : str(buf, p, v);
}

/** Characters the proxy itself wrote (direction, flags): never escaped. */
function raw(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
  return p;
}

const HEX = latin1('0123456789abcdef');

/** JSON.stringify(s) as UTF-8. */
function str(buf: Uint8Array, p: number, s: string): number {
  buf[p++] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x80) {
      if (c === 0x22 || c === 0x5c) buf[p++] = 0x5c;
      buf[p++] = c;
    } else if (c < 0x20) {
      p = control(buf, p, c);
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        buf[p++] = 0xf0 | (cp >> 18);
        buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[p++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        // A lone surrogate: JSON.stringify writes it escaped (well-formed JSON.stringify).
        p = unicodeEscape(buf, p, c);
      }
    } else {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  buf[p++] = 0x22;
  return p;
}

/** JSON.stringify's escapes for characters below U+0020. */
function control(buf: Uint8Array, p: number, c: number): number {
  const short =
    c === 0x08
      ? 0x62
      : c === 0x09
        ? 0x74
        : c === 0x0a
          ? 0x6e
          : c === 0x0c
            ? 0x66
            : c === 0x0d
              ? 0x72
              : 0;
  if (short === 0) return unicodeEscape(buf, p, c);
  buf[p++] = 0x5c;
  buf[p++] = short;
  return p;
}

function unicodeEscape(buf: Uint8Array, p: number, c: number): number {
  buf[p++] = 0x5c;
  buf[p++] = 0x75;
  buf[p++] = HEX[(c >> 12) & 0xf]!;
  buf[p++] = HEX[(c >> 8) & 0xf]!;
  buf[p++] = HEX[(c >> 4) & 0xf]!;
  buf[p++] = HEX[c & 0xf]!;
  return p;
}

/** A number as the template writes it: digits for safe non-negative integers, else String(n). */
function num(buf: Uint8Array, p: number, n: number): number {
  if (!(Number.isSafeInteger(n) && n >= 0)) return raw(buf, p, String(n));
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let q = p + digits;
  const end = q;
  let x = n;
  do {
    const next = Math.floor(x / 10);
    buf[--q] = 0x30 + (x - next * 10);
    x = next;
  } while (x > 0);
  return end;
}

/** access-log.ts's isoTime, as bytes. */
function isoTime(buf: Uint8Array, p: number, ms: number): number {
  const whole = Math.floor(ms);
  const s = Math.floor(whole / 1000);
  p = raw(buf, p, isoSecondPrefix(s));
  const milli = whole - s * 1000;
  buf[p++] = 0x30 + Math.floor(milli / 100);
  buf[p++] = 0x30 + (Math.floor(milli / 10) % 10);
  buf[p++] = 0x30 + (milli % 10);
  buf[p++] = 0x5a; // Z
  return p;
}
