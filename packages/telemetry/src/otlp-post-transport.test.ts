// The transport against a real HTTP server on 127.0.0.1 that answers from a script, posting with
// fetch (the sidecar hands in its own pool; any real POST exercises the same contract).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import { createPostTransport, retryAfterMs, type HttpPost } from './otlp-post-transport.js';
import { fetchPost } from './test-support/fetch-post.js';

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

interface Scripted {
  readonly url: URL;
  readonly seen: { headers: IncomingHttpHeaders; body: Buffer }[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** Answers each POST with the next answer of the script (the last one repeats). */
async function scripted(answers: Answer[]): Promise<Scripted> {
  const seen: Scripted['seen'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const a = answers[Math.min(seen.length - 1, answers.length - 1)]!;
      res.writeHead(a.status, a.headers).end(a.body ?? '');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/v1/traces`),
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function transport(url: URL, post: HttpPost = fetchPost, waits: number[] = []) {
  return createPostTransport(post, {
    url,
    headers: () => Promise.resolve({ 'Content-Type': 'application/x-protobuf', 'x-tenant': 'a' }),
    userAgent: 'mesh-proxy',
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
}

const BODY = new Uint8Array([10, 0, 1, 2, 3]);

describe('createPostTransport', () => {
  it('posts the body with the configured headers and returns the answer as success', async () => {
    const s = await scripted([{ status: 200, body: 'ok' }]);
    const result = await transport(s.url).send(BODY, 5000);
    expect(result).toEqual({ status: 'success', data: Buffer.from('ok') });
    expect(s.seen).toHaveLength(1);
    expect(s.seen[0]!.body).toEqual(Buffer.from(BODY));
    expect(s.seen[0]!.headers).toMatchObject({
      'content-type': 'application/x-protobuf',
      'x-tenant': 'a',
      'user-agent': 'mesh-proxy',
    });
  });

  it.each([429, 502, 503, 504])('retries a %i, waiting what Retry-After says', async (status) => {
    const s = await scripted([{ status, headers: { 'retry-after': '2' } }, { status: 200 }]);
    const waits: number[] = [];
    const result = await transport(s.url, fetchPost, waits).send(BODY, 10_000);
    expect(result.status).toBe('success');
    expect(s.seen).toHaveLength(2);
    expect(waits).toEqual([2000]);
  });

  it('gives up after five retries with growing backoff, reporting the last answer', async () => {
    const s = await scripted([{ status: 503 }]);
    const waits: number[] = [];
    const result = await transport(s.url, fetchPost, waits).send(BODY, 60_000);
    expect(result.status).toBe('retryable');
    expect(s.seen).toHaveLength(6);
    // 1 s, then x1.5 each time, +-20% jitter, capped at 5 s.
    const nominal = [1000, 1500, 2250, 3375, 5000];
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(Math.min(nominal[i]! * 0.8, 5000));
      expect(w).toBeLessThanOrEqual(Math.min(nominal[i]! * 1.2, 5000));
    });
  });

  it('does not wait past the export timeout', async () => {
    const s = await scripted([{ status: 503, headers: { 'retry-after': '30' } }]);
    const waits: number[] = [];
    const result = await transport(s.url, fetchPost, waits).send(BODY, 5000);
    expect(result.status).toBe('retryable');
    expect(s.seen).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('fails at once on any other status, with the code and the collector body', async () => {
    const s = await scripted([{ status: 400, body: 'bad span' }]);
    const result = await transport(s.url).send(BODY, 5000);
    expect(s.seen).toHaveLength(1);
    if (result.status !== 'failure') throw new Error(`expected a failure, got ${result.status}`);
    expect(result.error).toBeInstanceOf(OTLPExporterError);
    expect(result.error).toMatchObject({ code: 400, data: 'bad span' });
  });

  it('retries a collector that is not there yet', async () => {
    const s = await scripted([{ status: 200 }]);
    await s.close();
    let calls = 0;
    const counting: HttpPost = (r) => {
      calls++;
      return fetchPost(r);
    };
    const result = await transport(s.url, counting).send(BODY, 60_000);
    expect(result.status).toBe('retryable');
    expect(calls).toBe(6);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and ignores what is neither', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(['0'])).toBe(0);
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfterMs(inTwoSeconds)).toBeGreaterThan(500);
    expect(retryAfterMs(inTwoSeconds)).toBeLessThanOrEqual(2000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
