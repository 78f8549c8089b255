// An OTLP/HTTP transport over a POST function the process hands in, instead of the exporter's own
// node:http client. The sidecar hands in its upstream connection pool: the exporter's ClientRequest
// and its sockets went through the same core stream functions as the proxy's traffic with objects
// of other shapes, and each export (every 5 s) deoptimized them. Measured side by side at 5,000
// req/s, exporting 1% of spans cost 3.2% more CPU per request with node:http and 0.5-1.3% with the
// pool (docs/benchmarks.md). Responses are read as the SDK's transport reads them and retried as
// its retrying transport does (OTLP/HTTP spec: 429, 502, 503, 504 and network errors, with
// exponential backoff or Retry-After, within the export's timeout).
import { STATUS_CODES } from 'node:http';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base';

export interface PostRequest {
  readonly url: URL;
  /** Header names as the exporter configuration gives them; content-type included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** The whole exchange, connecting included. */
  readonly timeoutMs: number;
}

export interface PostResponse {
  readonly statusCode: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer;
}

/** One HTTP/1.1 POST; rejects on network errors and timeouts. */
export type HttpPost = (request: PostRequest) => Promise<PostResponse>;

const MAX_ATTEMPTS = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

export interface PostTransportOptions {
  readonly url: URL;
  /** The exporter configuration's headers (OTEL_EXPORTER_OTLP_*HEADERS), read per export. */
  readonly headers: () => Promise<Record<string, string>>;
  readonly userAgent: string;
  /** Waits between retries; tests shorten it. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export function createPostTransport(
  post: HttpPost,
  options: PostTransportOptions,
): IExporterTransport {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms).unref()));
  const once = async (body: Uint8Array, timeoutMs: number): Promise<ExportResponse> => {
    let res: PostResponse;
    try {
      const headers = { ...(await options.headers()), 'User-Agent': options.userAgent };
      res = await post({ url: options.url, headers, body, timeoutMs });
    } catch (err) {
      // Connection refused, reset, timed out: the collector may be back soon.
      return { status: 'retryable', error: err instanceof Error ? err : new Error(String(err)) };
    }
    if (res.statusCode >= 200 && res.statusCode <= 299)
      return { status: 'success', data: res.body };
    if (retryableStatus(res.statusCode)) {
      const retryInMillis = retryAfterMs(res.headers['retry-after']);
      return retryInMillis === undefined
        ? { status: 'retryable' }
        : { status: 'retryable', retryInMillis };
    }
    return {
      status: 'failure',
      error: new OTLPExporterError(
        STATUS_CODES[res.statusCode] ?? `HTTP ${res.statusCode}`,
        res.statusCode,
        res.body.toString(),
      ),
    };
  };
  return {
    async send(data, timeoutMillis) {
      const deadline = Date.now() + timeoutMillis;
      let backoff = INITIAL_BACKOFF_MS;
      let result = await once(data, timeoutMillis);
      for (let retries = 0; result.status === 'retryable' && retries < MAX_ATTEMPTS; retries++) {
        const jittered = Math.min(backoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS);
        backoff *= BACKOFF_MULTIPLIER;
        const wait = Math.max(0, result.retryInMillis ?? jittered);
        const remaining = deadline - Date.now();
        if (wait > remaining) break;
        await sleep(wait);
        result = await once(data, deadline - Date.now());
      }
      return result;
    },
    shutdown() {},
  };
}

/** The OTLP/HTTP specification's retryable responses. */
function retryableStatus(code: number): boolean {
  return code === 429 || code === 502 || code === 503 || code === 504;
}

/** Retry-After in seconds or as an HTTP date, as milliseconds from now; undefined if unusable. */
export function retryAfterMs(value: string | readonly string[] | undefined): number | undefined {
  const v = typeof value === 'string' ? value : value?.[0];
  if (v === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
