// POSTs for the sidecar's own telemetry (OTLP span exports) over the same HTTP/1.1 pool code as
// its traffic. node:http's client, used every few seconds next to the proxy's hot path, passed
// objects of other shapes through the same core stream functions and deoptimized them;
// @mesh/telemetry's otlp-post-transport.ts has the measurement. One keep-alive pool per origin.
import type { HttpPost as TelemetryPost, PostRequest, PostResponse } from '@mesh/telemetry/tracing';
import { H1Pool } from './h1-pool.js';

/** The POST span export takes (@mesh/telemetry's contract; types only, the SDK stays unloaded). */
export type HttpPost = TelemetryPost & {
  /** Closes the pools; later posts reject. */
  close(): Promise<void>;
};

/** The largest response body read, as OpenTelemetry's exporter caps it. */
export const MAX_POST_RESPONSE_BYTES = 4 * 1024 * 1024;

export function createHttpPost(): HttpPost {
  const pools = new Map<string, H1Pool>();
  let closed = false;
  const poolOf = (url: URL): H1Pool => {
    if (closed) throw new Error(`${url.href}: the sidecar's telemetry connections are closed`);
    if (url.protocol !== 'http:') throw new Error(`${url.href}: only http: is posted this way`);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : 80;
    const key = `${host} ${port}`;
    let pool = pools.get(key);
    if (!pool) {
      // Exports come every few seconds: a connection idle longer than a collector's usual
      // keep-alive would likely be closed under the next one.
      pool = new H1Pool(host, port, { connectTimeoutMs: 10_000, keepAliveTimeoutMs: 4_000 });
      pools.set(key, pool);
    }
    return pool;
  };
  const post = async (request: PostRequest): Promise<PostResponse> => {
    const headers: Record<string, string> = { host: request.url.host };
    for (const [name, value] of Object.entries(request.headers))
      headers[name.toLowerCase()] = value;
    const res = await poolOf(request.url).request({
      method: 'POST',
      path: `${request.url.pathname}${request.url.search}`,
      headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    let body: Buffer;
    if (Buffer.isBuffer(res.body)) {
      body = res.body;
    } else {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_POST_RESPONSE_BYTES) {
          res.body.destroy();
          throw new Error(
            `${request.url.href}: response body over ${MAX_POST_RESPONSE_BYTES} bytes`,
          );
        }
        chunks.push(chunk);
      }
      body = Buffer.concat(chunks);
    }
    return { statusCode: res.statusCode, headers: res.headers, body };
  };
  return Object.assign(post, {
    async close() {
      closed = true;
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.close()));
    },
  });
}
