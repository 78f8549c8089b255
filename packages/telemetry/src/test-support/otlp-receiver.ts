// A real OTLP/HTTP trace receiver for tests: what a collector would get, decoded from the bytes on
// the wire (protobuf or JSON, gzip or not), so a test pins the exporter's actual output rather than
// what we handed the SDK. The schema is the subset of opentelemetry-proto's trace and common
// protos the decoder needs; field numbers and types are the spec's.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const RequestType = protobuf
  .parse(OTLP_TRACE_PROTO, { keepCase: false })
  .root.lookupType('otlp.ExportTraceServiceRequest');

export type OtlpValue = string | number | boolean | readonly OtlpValue[];
export type OtlpAttributes = Record<string, OtlpValue>;

/** OTLP's SpanKind enum, by name. */
export type OtlpSpanKind =
  'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
const KINDS: readonly OtlpSpanKind[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
/** OTLP's StatusCode enum, by name. */
export type OtlpStatusCode = 'unset' | 'ok' | 'error';
const STATUS_CODES: readonly OtlpStatusCode[] = ['unset', 'ok', 'error'];

export interface ReceivedSpan {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  /** 16 lowercase hex digits, or `''` for a root span. */
  readonly parentSpanId: string;
  readonly traceState: string;
  /** OTLP span flags: W3C trace flags in bits 0-7, the parent's is-remote in bits 8-9. */
  readonly flags: number;
  readonly name: string;
  readonly kind: OtlpSpanKind;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: OtlpAttributes;
  readonly status: { readonly code: OtlpStatusCode; readonly message: string };
  readonly resource: OtlpAttributes;
  readonly scope: { readonly name: string; readonly version: string };
}

export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
  readonly headers: IncomingMessage['headers'];
  /** Set when the body could not be decoded; the receiver answered 400. */
  readonly error?: string;
}

/** One data point of an OTLP/JSON metrics export, flattened: a sum's or gauge's value, a histogram's count and sum. */
export interface ReceivedMetricPoint {
  readonly metric: string;
  readonly attributes: OtlpAttributes;
  readonly resource: OtlpAttributes;
  /** Sum or gauge value; undefined for histograms. */
  readonly value?: number;
  /** Histogram count and sum; undefined for sums and gauges. */
  readonly count?: number;
  readonly sum?: number;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: an `OTEL_EXPORTER_OTLP_ENDPOINT` (traces go to `/v1/traces`). */
  readonly url: string;
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** Every request received so far, decodable or not. */
  requests(): ReceivedRequest[];
  /** Metric points of every OTLP/JSON metrics export so far (protobuf metrics are refused: 400). */
  metricPoints(): ReceivedMetricPoint[];
  /** Resolves once at least `n` spans have arrived; rejects after `timeoutMs`, saying how many did. */
  waitForSpans(n: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const points: ReceivedMetricPoint[] = [];
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });

  function handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const contentType = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim() ?? '';
    const request = { path, contentType, headers: req.headers };
    if (req.method === 'POST' && path === '/v1/metrics') {
      try {
        if (contentType !== 'application/json')
          throw new Error('this receiver decodes OTLP/JSON metrics only');
        const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
        points.push(...metricsFromJson(JSON.parse(raw.toString('utf8')) as Obj));
        requests.push(request);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        requests.push({ ...request, error: String(err) });
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
      }
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/traces') {
      requests.push({ ...request, error: `${req.method} ${path}: not an OTLP trace export` });
      res.writeHead(404).end();
      return;
    }
    const json = contentType === 'application/json';
    try {
      const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      const spans = json ? fromJson(JSON.parse(raw.toString('utf8'))) : fromProtobuf(raw);
      requests.push(request);
      received.push(...spans);
    } catch (err) {
      requests.push({ ...request, error: String(err) });
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
      return;
    }
    // An empty ExportTraceServiceResponse: full success.
    if (json) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    for (const wake of [...waiters]) wake();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    requests: () => [...requests],
    metricPoints: () => [...points],
    waitForSpans(n, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...received]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const errors = requests.flatMap((r) => (r.error ? [r.error] : []));
          reject(
            new Error(
              `OTLP receiver: ${received.length} of ${n} spans after ${timeoutMs} ms` +
                (errors.length ? `; errors: ${errors.join('; ')}` : ''),
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

// ---- protobuf ----

type Obj = Record<string, unknown>;

function fromProtobuf(body: Buffer): ReceivedSpan[] {
  const message = RequestType.decode(body);
  // longs as strings keep 64-bit nanoseconds exact; bytes stay buffers for hex.
  const request = RequestType.toObject(message, { longs: String, arrays: true, defaults: true });
  return collect(request, {
    id: (v) => Buffer.from(v as Uint8Array).toString('hex'),
    value: protoValue,
  });
}

function protoValue(v: Obj | undefined): OtlpValue {
  if (!v) return '';
  if (v['stringValue'] !== undefined) return v['stringValue'] as string;
  if (v['boolValue'] !== undefined) return v['boolValue'] as boolean;
  if (v['intValue'] !== undefined) return Number(v['intValue']);
  if (v['doubleValue'] !== undefined) return v['doubleValue'] as number;
  if (v['bytesValue'] !== undefined)
    return Buffer.from(v['bytesValue'] as Uint8Array).toString('hex');
  const array = v['arrayValue'] as { values?: Obj[] } | undefined;
  if (array) return (array.values ?? []).map(protoValue);
  const kvlist = v['kvlistValue'] as { values?: Obj[] } | undefined;
  if (kvlist) return JSON.stringify(attributes(kvlist.values, protoValue));
  return '';
}

// ---- JSON (OTLP/JSON: ids are hex strings, 64-bit ints may be strings, enums are integers) ----

function fromJson(request: Obj): ReceivedSpan[] {
  return collect(request, { id: (v) => String(v ?? '').toLowerCase(), value: jsonValue });
}

function jsonValue(v: Obj | undefined): OtlpValue {
  if (!v) return '';
  if (v['stringValue'] !== undefined) return String(v['stringValue']);
  if (v['boolValue'] !== undefined) return Boolean(v['boolValue']);
  if (v['intValue'] !== undefined) return Number(v['intValue']);
  if (v['doubleValue'] !== undefined) return Number(v['doubleValue']);
  if (v['bytesValue'] !== undefined) {
    return Buffer.from(String(v['bytesValue']), 'base64').toString('hex');
  }
  const array = v['arrayValue'] as { values?: Obj[] } | undefined;
  if (array) return (array.values ?? []).map(jsonValue);
  const kvlist = v['kvlistValue'] as { values?: Obj[] } | undefined;
  if (kvlist) return JSON.stringify(attributes(kvlist.values, jsonValue));
  return '';
}

// ---- shared walk (protobufjs' toObject and OTLP/JSON use the same camelCase field names) ----

interface Codec {
  id(value: unknown): string;
  value(value: Obj | undefined): OtlpValue;
}

function collect(request: Obj, codec: Codec): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of list(request['resourceSpans'])) {
    const resource = attributes(
      list((rs['resource'] as Obj | undefined)?.['attributes']),
      codec.value,
    );
    for (const ss of list(rs['scopeSpans'])) {
      const scopeObj = (ss['scope'] as Obj | undefined) ?? {};
      const scope = {
        name: String(scopeObj['name'] ?? ''),
        version: String(scopeObj['version'] ?? ''),
      };
      for (const s of list(ss['spans'])) {
        const status = (s['status'] as Obj | undefined) ?? {};
        out.push({
          traceId: codec.id(s['traceId']),
          spanId: codec.id(s['spanId']),
          parentSpanId: codec.id(s['parentSpanId']),
          traceState: String(s['traceState'] ?? ''),
          flags: Number(s['flags'] ?? 0),
          name: String(s['name'] ?? ''),
          kind: KINDS[Number(s['kind'] ?? 0)] ?? 'unspecified',
          startTimeUnixNano: BigInt(String(s['startTimeUnixNano'] ?? 0)),
          endTimeUnixNano: BigInt(String(s['endTimeUnixNano'] ?? 0)),
          attributes: attributes(list(s['attributes']), codec.value),
          status: {
            code: STATUS_CODES[Number(status['code'] ?? 0)] ?? 'unset',
            message: String(status['message'] ?? ''),
          },
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? (value as Obj[]) : [];
}

function attributes(
  kvs: Obj[] | undefined,
  value: (v: Obj | undefined) => OtlpValue,
): OtlpAttributes {
  const out: OtlpAttributes = {};
  for (const kv of kvs ?? []) out[String(kv['key'])] = value(kv['value'] as Obj | undefined);
  return out;
}

// ---- metrics (OTLP/JSON) ----

function metricsFromJson(request: Obj): ReceivedMetricPoint[] {
  const out: ReceivedMetricPoint[] = [];
  for (const rm of (request['resourceMetrics'] as Obj[] | undefined) ?? []) {
    const resource = attributes(
      ((rm['resource'] as Obj | undefined)?.['attributes'] as Obj[] | undefined) ?? [],
      jsonValue,
    );
    for (const sm of (rm['scopeMetrics'] as Obj[] | undefined) ?? []) {
      for (const m of (sm['metrics'] as Obj[] | undefined) ?? []) {
        const metric = String(m['name']);
        for (const kind of ['sum', 'gauge', 'histogram'] as const) {
          const data = m[kind] as { dataPoints?: Obj[] } | undefined;
          for (const p of data?.dataPoints ?? []) {
            const attrs = attributes((p['attributes'] as Obj[] | undefined) ?? [], jsonValue);
            out.push(
              kind === 'histogram'
                ? {
                    metric,
                    attributes: attrs,
                    resource,
                    count: Number(p['count']),
                    sum: Number(p['sum']),
                  }
                : {
                    metric,
                    attributes: attrs,
                    resource,
                    value: Number(p['asInt'] ?? p['asDouble']),
                  },
            );
          }
        }
      }
    }
  }
  return out;
}
