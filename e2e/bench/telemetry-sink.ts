// The collector side of the proxy benchmark's telemetry-on paths, as one small process the bench
// starts pinned to the load CPU (never the proxies' CPU) for one measurement:
//   - an OTLP/HTTP sink: POST /v1/traces (and /v1/metrics, counted apart) answered 200 with an
//     empty body, spans counted from the protobuf (or JSON) body, as a collector would accept them
//   - a Prometheus-like scraper: GET <target> every --scrape-seconds (5 s), one scrape per target
//     at a time, 4 s timeout, the sum of istio_requests_total's samples kept per target
//   - control: PUT /targets (a JSON array of URLs, replacing the set), GET /counters (JSON)
// Bounded: it exits by itself after --max-seconds, or within a second of its parent going.
//
//   node telemetry-sink.js --max-seconds 300 [--scrape-seconds 5]
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

export interface ScrapeCounters {
  scrapes: number;
  errors: number;
  bytes: number;
  /** Sum of the istio_requests_total samples of the last good scrape; absent: none seen. */
  istioRequestsTotal?: number;
  lastError?: string;
}

export interface SinkCounters {
  traceExports: number;
  spans: number;
  traceBytes: number;
  /** OTLP metric pushes (none expected: metrics are scraped). */
  metricExports: number;
  /** Bodies it could not count spans in. */
  undecoded: number;
  targets: Record<string, ScrapeCounters>;
}

/** The wire type and payload bounds of each field of a protobuf message. */
function* protoFields(
  buf: Buffer,
  start: number,
  end: number,
): Generator<{ field: number; from: number; to: number }> {
  let at = start;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (at >= end) throw new Error('truncated varint');
      const b = buf[at++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (at < end) {
    const key = varint();
    const wire = key & 7;
    const field = Math.floor(key / 8);
    if (wire === 0) {
      varint();
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else if (wire === 2) {
      const len = varint();
      yield { field, from: at, to: at + len };
      at += len;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
    if (at > end) throw new Error('truncated field');
  }
}

/** ExportTraceServiceRequest: resource_spans = 1 -> scope_spans = 2 -> spans = 2. */
export function countSpansProto(buf: Buffer): number {
  let n = 0;
  for (const rs of protoFields(buf, 0, buf.length)) {
    if (rs.field !== 1) continue;
    for (const ss of protoFields(buf, rs.from, rs.to)) {
      if (ss.field !== 2) continue;
      for (const span of protoFields(buf, ss.from, ss.to)) if (span.field === 2) n++;
    }
  }
  return n;
}

function countSpansJson(text: string): number {
  const doc = JSON.parse(text) as {
    resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
  };
  let n = 0;
  for (const rs of doc.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  return n;
}

/** Sum of the samples of istio_requests_total in a Prometheus text exposition. */
export function istioRequestsTotal(text: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!/^istio_requests_total[{ ]/.test(line)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum = (sum ?? 0) + v;
  }
  return sum;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      'max-seconds': { type: 'string', default: '300' },
      'scrape-seconds': { type: 'string', default: '5' },
    },
  });
  const maxSeconds = Number(values['max-seconds']);
  const scrapeSeconds = Number(values['scrape-seconds']);
  if (!(maxSeconds > 0) || !(scrapeSeconds > 0)) {
    process.stderr.write('usage: telemetry-sink.js --max-seconds N [--scrape-seconds S]\n');
    process.exit(2);
  }
  const counters: SinkCounters = {
    traceExports: 0,
    spans: 0,
    traceBytes: 0,
    metricExports: 0,
    undecoded: 0,
    targets: {},
  };
  const inFlight = new Set<string>();

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method === 'POST' && req.url === '/v1/traces') {
        counters.traceExports++;
        counters.traceBytes += body.length;
        try {
          const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
          const json = (req.headers['content-type'] ?? '').includes('json');
          counters.spans += json ? countSpansJson(raw.toString('utf8')) : countSpansProto(raw);
        } catch {
          counters.undecoded++;
        }
        const json = (req.headers['content-type'] ?? '').includes('json');
        res.writeHead(200, {
          'content-type': json ? 'application/json' : 'application/x-protobuf',
        });
        res.end(json ? '{}' : '');
      } else if (req.method === 'POST' && req.url === '/v1/metrics') {
        counters.metricExports++;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      } else if (req.method === 'PUT' && req.url === '/targets') {
        const urls = JSON.parse(body.toString('utf8')) as string[];
        for (const url of urls) counters.targets[url] ??= { scrapes: 0, errors: 0, bytes: 0 };
        for (const url of Object.keys(counters.targets))
          if (!urls.includes(url)) delete counters.targets[url];
        res.writeHead(204).end();
      } else if (req.method === 'GET' && req.url === '/counters') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(counters));
      } else {
        res.writeHead(404).end();
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(400);
      res.end((err as Error).message);
    });
  });

  const scrape = async (url: string) => {
    if (inFlight.has(url)) return;
    inFlight.add(url);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(4_000) });
      const text = await res.text();
      const c = counters.targets[url];
      if (!c) return;
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      c.scrapes++;
      c.bytes += Buffer.byteLength(text);
      const total = istioRequestsTotal(text);
      if (total !== undefined) c.istioRequestsTotal = total;
    } catch (err) {
      const c = counters.targets[url];
      if (c) {
        c.errors++;
        c.lastError = (err as Error).message;
      }
    } finally {
      inFlight.delete(url);
    }
  };
  setInterval(() => {
    for (const url of Object.keys(counters.targets)) void scrape(url);
  }, scrapeSeconds * 1000);

  // Bounded whatever the bench does: a deadline, and the parent's exit.
  const parent = process.ppid;
  setTimeout(() => {
    process.stderr.write(`telemetry-sink: ${maxSeconds} s are up, exiting\n`);
    process.exit(0);
  }, maxSeconds * 1000);
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1_000);
  process.on('SIGTERM', () => process.exit(0));

  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`telemetry-sink listening 127.0.0.1:${port}\n`);
  });
}

// Run as a program (the bench imports only its types and helpers).
if (process.argv[1] === fileURLToPath(import.meta.url)) main();
