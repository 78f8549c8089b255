// HTTPRoute.mirror / mirrors as Envoy's router shadows requests (request_mirror_policies, which
// Istio fills from each mirror's cluster and percentage; absent means 100). Per request and per
// mirror, a draw against the percentage; on a hit a copy of the request goes to the mirror
// cluster, to an endpoint its balancer picks, fire and forget:
// - the copy's Host is the request's with Envoy's `-shadow` suffix on the host part
//   (`reviews:9080` -> `reviews-shadow:9080`, `[::1]:80` -> `[::1]-shadow:80`);
// - its response is read and dropped, its failure only counted: nothing about it can fail, delay
//   or change the main request or response;
// - it is bounded by the route timeout, or 15 s when the route has none;
// - it carries the request body, so it goes out once the body is complete and buffered. Bodies
//   up to the retry buffer (1 MiB) are copied from the stream the main request's attempt reads;
//   past that the copy is abandoned and counted, as Envoy's retry_or_shadow_abandoned;
// - a mirror cluster the table lacks is skipped, logged once per cluster.
// The layer sits inside the header operations (the copy gets the route's request headers, as
// Envoy's shadow copies the router's finalized request) and outside the route timeout and
// retries (one copy per request, not per attempt).
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { headerValue } from './headers.js';
import { RequestBody } from './request-body.js';
import { timeoutReply, untilAborted } from './settle.js';
import { createStreamInfo } from './stream-info.js';
import type { Handler, HttpContext, Layer, ProxyResponse } from './types.js';
import { UpstreamTimeout } from './types.js';
import { RequestSignal, type AbortSignalLike } from '../abort.js';

/** The bound on a copy when the route has no timeout. */
export const DEFAULT_MIRROR_TIMEOUT_MS = 15_000;

/** Counters for the admin /stats; one per outbound listener (or shared). */
export class MirrorStats {
  /** Copies sent to a mirror cluster. */
  sent = 0;
  /** Copies that got no usable response: no endpoint, connection failure, timeout, reset. */
  failed = 0;
  /** Requests not mirrored because their body outgrew the buffer (retry_or_shadow_abandoned). */
  bodyTooLarge = 0;
  /** Requests not mirrored because their body never completed (the client went away). */
  bodyIncomplete = 0;
  /** Mirrors skipped because the table has no such cluster. */
  noCluster = 0;
  private readonly missing = new Set<string>();

  /** Counts a skip for a missing cluster; true the first time this cluster is missing. */
  missingCluster(cluster: string): boolean {
    this.noCluster++;
    if (this.missing.has(cluster)) return false;
    this.missing.add(cluster);
    return true;
  }

  /** Name -> value, in the admin /stats style. */
  counters(): Record<string, number> {
    return {
      'http.outbound.mirror.sent': this.sent,
      'http.outbound.mirror.failed': this.failed,
      'http.outbound.mirror.body_too_large': this.bodyTooLarge,
      'http.outbound.mirror.body_incomplete': this.bodyIncomplete,
      'http.outbound.mirror.no_cluster': this.noCluster,
    };
  }
}

export interface MirrorTarget {
  /** The mirror's cluster name, for messages. */
  readonly cluster: string;
  /** 0-100 with fractions. */
  readonly percentage: number;
  /** Endpoint pick and forward for that cluster; undefined when the table lacks the cluster. */
  readonly send: Handler | undefined;
}

export interface MirrorLayerOptions {
  readonly targets: readonly MirrorTarget[];
  /** The route timeout; the copy is bounded by it, or by 15 s when undefined. */
  readonly timeoutMs: number | undefined;
  /** Bodies larger than this are not mirrored (the retry buffer, 1 MiB by default). */
  readonly bufferBytes: number;
  readonly stats: MirrorStats;
  /** Operational messages (a missing mirror cluster, once per cluster). */
  readonly warn?: ((message: string) => void) | undefined;
}

export function mirrorLayer(options: MirrorLayerOptions): Layer | undefined {
  if (options.targets.length === 0) return undefined;
  const { stats } = options;
  return (next: Handler): Handler =>
    async (ctx) => {
      const picked: (MirrorTarget & { send: Handler })[] = [];
      for (const target of options.targets) {
        if (!hits(ctx.rng, target.percentage)) continue;
        if (target.send) picked.push({ ...target, send: target.send });
        else if (stats.missingCluster(target.cluster))
          options.warn?.(
            `mirror cluster ${target.cluster} is not in this proxy's config: requests are not mirrored to it`,
          );
      }
      if (picked.length === 0) return next(ctx);
      const fire = (body: readonly Buffer[] | undefined) => {
        for (const target of picked) void sendCopy(target, ctx, body, options);
      };
      if (!ctx.body) {
        fire(undefined);
        return next(ctx);
      }
      const declared = Number(headerValue(ctx.headers, 'content-length'));
      if (declared > options.bufferBytes) {
        stats.bodyTooLarge++;
        return next(ctx);
      }
      const capture = new BodyCapture(ctx.body, options.bufferBytes, (outcome) => {
        if (outcome === 'too-large') stats.bodyTooLarge++;
        else if (outcome === 'incomplete') stats.bodyIncomplete++;
        else fire(outcome);
      });
      try {
        return await next({ ...ctx, body: capture.body });
      } finally {
        capture.mainDone();
      }
    };
}

/** Envoy's shadow host: `-shadow` after the host part, before any port (HeaderUtility::getPortStart). */
export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || authority.lastIndexOf(']') > colon) return `${authority}-shadow`;
  return `${authority.slice(0, colon)}-shadow${authority.slice(colon)}`;
}

/** Percentages are 0-100 with fractions (Istio's Percent); 0 never, 100 always. */
function hits(rng: () => number, percentage: number): boolean {
  return percentage > 0 && rng() * 100 < percentage;
}

async function sendCopy(
  target: MirrorTarget & { send: Handler },
  ctx: HttpContext,
  body: readonly Buffer[] | undefined,
  options: MirrorLayerOptions,
): Promise<void> {
  const { stats } = options;
  const timeoutMs =
    options.timeoutMs !== undefined && options.timeoutMs > 0
      ? options.timeoutMs
      : DEFAULT_MIRROR_TIMEOUT_MS;
  const timeout = new UpstreamTimeout('route', timeoutMs);
  const controller = new RequestSignal();
  const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
  timer.unref();
  stats.sent++;
  const authority = shadowAuthority(ctx.authority);
  // The copy's own record: endpoint picks write to it, and it never reaches the access log.
  const info = createStreamInfo('outbound');
  info.method = ctx.method;
  info.authority = authority;
  info.path = ctx.path;
  info.requestId = ctx.info.requestId;
  info.upstreamCluster = target.cluster;
  const copy: HttpContext = {
    method: ctx.method,
    authority,
    path: ctx.path,
    headers: ctx.headers,
    body: body ? new RequestBody(Readable.from(body, { objectMode: false })) : undefined,
    signal: controller,
    info,
    rng: ctx.rng,
    previousHosts: [],
    upstream: undefined,
  };
  try {
    const response = await untilAborted(target.send(copy), controller, () => timeoutReply(timeout));
    if (response.local) stats.failed++;
    else if (!(await drained(response, controller))) stats.failed++;
  } catch {
    stats.failed++;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads the copy's response body to its end (keeping the connection); false if it broke off. */
function drained(response: ProxyResponse, signal: AbortSignalLike): Promise<boolean> {
  const body = response.body;
  if (!(body instanceof Readable) || body.closed) return Promise.resolve(true);
  return new Promise((resolve) => {
    let ok = true;
    const stop = () => body.destroy(signal.reason as Error);
    signal.addEventListener('abort', stop, { once: true });
    body.on('error', () => (ok = false));
    body.once('close', () => {
      signal.removeEventListener('abort', stop);
      resolve(ok && body.readableEnded);
    });
    body.resume();
  });
}

type CaptureOutcome = readonly Buffer[] | 'too-large' | 'incomplete';

/**
 * Collects the request body for the copies without a second reader on the downstream: the body
 * handed down is a view of the real one whose streams (one per attempt) pass through a tap. The
 * first stream that reaches its end holds the whole body. When the main request is done without
 * any attempt having read the body through (no endpoint, connection refused), and no attempt's
 * stream is still open, the body is read here instead, replayed from the retry buffer.
 */
class BodyCapture {
  readonly body: RequestBody;
  private live = 0;
  private settled = false;
  private finished = false;
  private readItself = false;

  constructor(
    private readonly source: RequestBody,
    private readonly limit: number,
    private readonly onOutcome: (outcome: CaptureOutcome) => void,
  ) {
    // Reads (replayable, complete, bytesReceived) fall through to the real body; only open() is
    // replaced, so the retry and timeout layers see the body exactly as before.
    const view = Object.create(source) as RequestBody;
    view.open = () => this.tap(source.open());
    this.body = view;
  }

  /** The main request has its response (or failed): no attempt will open the body again. */
  mainDone(): void {
    this.finished = true;
    this.check();
  }

  private tap(stream: Readable): Readable {
    if (this.settled) return stream;
    this.live++;
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const tee = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        if (!over) {
          size += chunk.length;
          if (size > this.limit) {
            // Past the buffer the copy is abandoned at once; the attempt streams on.
            over = true;
            chunks.length = 0;
            this.settle('too-large');
          } else chunks.push(chunk);
        }
        callback(null, chunk);
      },
      flush: (callback: TransformCallback) => {
        this.settle(over ? 'too-large' : chunks);
        callback();
      },
    });
    // Destroying the tap (an attempt given up) destroys the attempt's stream, and a failing
    // downstream body fails the tap, as without it.
    pipeline(stream, tee, () => {
      this.live--;
      this.check();
    });
    return tee;
  }

  private check(): void {
    if (this.settled || !this.finished || this.live > 0) return;
    if (this.readItself || !this.source.replayable) {
      this.settle(this.readItself ? 'incomplete' : 'too-large');
      return;
    }
    this.readItself = true;
    const stream = this.tap(this.source.open());
    stream.on('error', () => undefined);
    stream.resume();
  }

  private settle(outcome: CaptureOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.onOutcome(outcome);
  }
}
