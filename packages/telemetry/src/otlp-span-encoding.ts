// Spans as OTLP protobuf bytes. The SDK's path kept each sampled request's span as a ReadableSpan
// graph (~25 attribute properties, contexts, hrtime pairs) in the BatchSpanProcessor's queue
// until a batch filled, up to 2,048 of them, copied through young-generation collections and
// promoted; then serialized it at export. Here a span is held only until 32 have come
// (otlp-span-queue.ts), then written as ~700 bytes into a reused batch buffer. The messages and
// field numbers are opentelemetry-proto's trace/v1 and common/v1, written as the SDK's own
// serializer writes them (@opentelemetry/otlp-transformer), so a collector sees the same bytes
// either way; the transport (retries, headers, gzip, TLS) stays the SDK's.
import { createTraceState, type Attributes, type AttributeValue } from '@opentelemetry/api';
import type { HttpRequestEvent, ProxySpan } from './events.js';
import {
  addHrTime,
  isErrorResponse,
  msToHrTime,
  spanAttributes,
  type NodeTags,
} from './tracing-span.js';

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

// W3C trace flags (always sampled here) and OTLP's "has is_remote" / "is_remote" bits.
const SAMPLED = 0x01;
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

// OTLP's enums: SpanKind (SERVER 2, CLIENT 3) and StatusCode (UNSET 0, ERROR 2).
const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

const NANOS_PER_SECOND = 1_000_000_000n;

/** Protobuf wire format into one growable Buffer. Lengths of nested messages are back-filled. */
export class ProtoBuffer {
  private buf: Buffer;
  pos = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** The bytes written so far (a view: valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A non-negative integer below 2^53. */
  varint(v: number): void {
    this.ensure(8);
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.pos++] = v;
  }

  /** int64 as protobuf writes it: negative numbers as their 64-bit two's complement. */
  int64(v: number): void {
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) return this.varint(v);
    let u = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(v >>> 0, this.pos);
  }

  /** Epoch time [seconds, nanoseconds] as fixed64 nanoseconds. */
  fixed64Time(time: readonly [number, number]): void {
    this.ensure(8);
    const nanos = BigInt(time[0]) * NANOS_PER_SECOND + BigInt(time[1]);
    this.pos = this.buf.writeBigUInt64LE(BigInt.asUintN(64, nanos), this.pos);
  }

  double(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(v, this.pos);
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  /** Lowercase hex (trace and span ids) as its bytes. */
  hexBytes(hex: string): void {
    const n = hex.length >> 1;
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(hex, this.pos, n, 'hex');
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Starts a length-delimited field; pass the result to end(). */
  begin(field: number): number {
    this.tag(field, LEN);
    this.ensure(1);
    // One byte is reserved for the length: most nested messages here are under 128 bytes.
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    this.pos += extra;
    const end = this.pos;
    this.pos = start;
    this.varint(length);
    this.pos = end;
  }

  /**
   * The ExportTraceServiceRequest of one resource and one scope around the spans written since
   * `spansStart`, as a copy; the buffer can then be reused from `spansStart`. The request's
   * prefix is written into the room left before `spansStart` (requestRoom()), so the spans are
   * copied once.
   */
  takeRequest(spansStart: number, resource: Buffer, scope: Buffer): Buffer {
    const end = this.pos;
    const scopeSpans = scope.length + (end - spansStart);
    const resourceSpans = resource.length + 1 + varintSize(scopeSpans) + scopeSpans;
    const prefix =
      1 + varintSize(resourceSpans) + resource.length + 1 + varintSize(scopeSpans) + scope.length;
    const start = spansStart - prefix;
    if (start < 0) throw new Error('no room for the request prefix');
    this.pos = start;
    this.tag(1, LEN);
    this.varint(resourceSpans);
    this.raw(resource);
    this.tag(2, LEN);
    this.varint(scopeSpans);
    this.raw(scope);
    const request = Buffer.from(this.buf.subarray(start, end));
    this.pos = spansStart;
    return request;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

export function varintSize(v: number): number {
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    size++;
  }
  return size;
}

/** Attributes as repeated KeyValue in `field`, in the object's key order. */
export function writeAttributes(w: ProtoBuffer, attributes: Attributes, field: number): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    const kv = w.begin(field);
    w.tag(1, LEN);
    w.string(key);
    const any = w.begin(2);
    writeAnyValue(w, value);
    w.end(any);
    w.end(kv);
  }
}

function writeAnyValue(w: ProtoBuffer, value: AttributeValue): void {
  if (typeof value === 'string') {
    w.tag(1, LEN);
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.tag(2, VARINT);
    w.varint(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
      w.tag(3, VARINT);
      w.int64(value);
    } else {
      w.tag(4, I64);
      w.double(value);
    }
  } else if (Array.isArray(value)) {
    const array = w.begin(5);
    for (const item of value) {
      const any = w.begin(1);
      if (item !== null && item !== undefined) writeAnyValue(w, item);
      w.end(any);
    }
    w.end(array);
  }
}

/**
 * Appends one span as a ScopeSpans `spans` entry (field 2): a batch of them, concatenated, is the
 * tail of a ScopeSpans message (ProtoBuffer.takeRequest()).
 */
export function writeSpan(
  w: ProtoBuffer,
  event: HttpRequestEvent,
  span: ProxySpan,
  node: NodeTags,
): void {
  const start = msToHrTime(span.startTimeUnixMs);
  const error = isErrorResponse(event.responseCode);
  const s = w.begin(2);
  w.tag(1, LEN);
  w.hexBytes(span.traceId);
  w.tag(2, LEN);
  w.hexBytes(span.spanId);
  const traceState = span.traceState ? createTraceState(span.traceState).serialize() : '';
  if (traceState) {
    w.tag(3, LEN);
    w.string(traceState);
  }
  if (span.parentSpanId) {
    w.tag(4, LEN);
    w.hexBytes(span.parentSpanId);
  }
  w.tag(5, LEN);
  w.string(span.name);
  w.tag(6, VARINT);
  w.varint(span.kind === 'client' ? KIND_CLIENT : KIND_SERVER);
  w.tag(7, I64);
  w.fixed64Time(start);
  w.tag(8, I64);
  w.fixed64Time(addHrTime(start, msToHrTime(event.durationMs)));
  writeAttributes(w, spanAttributes(event, span, node, error), 9);
  const status = w.begin(15);
  w.tag(3, VARINT);
  w.varint(error ? STATUS_ERROR : STATUS_UNSET);
  w.end(status);
  w.tag(16, I32);
  // The parent, when there is one, is the caller's span: remote.
  w.fixed32(SAMPLED | HAS_IS_REMOTE | (span.parentSpanId ? IS_REMOTE : 0));
  w.end(s);
}

/** A Resource or InstrumentationScope message, with its tag, encoded once per exporter. */
export function resourceField(attributes: Attributes): Buffer {
  const w = new ProtoBuffer(1024);
  const r = w.begin(1);
  writeAttributes(w, attributes, 1);
  w.end(r);
  return Buffer.from(w.bytes());
}

export function scopeField(scope: { readonly name: string; readonly version?: string }): Buffer {
  const w = new ProtoBuffer(256);
  const s = w.begin(1);
  w.tag(1, LEN);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, LEN);
    w.string(scope.version);
  }
  w.end(s);
  return Buffer.from(w.bytes());
}

/** Room takeRequest() needs before the spans: two tags with lengths, the resource, the scope. */
export function requestRoom(resource: Buffer, scope: Buffer): number {
  return 2 * (1 + 5) + resource.length + scope.length;
}
