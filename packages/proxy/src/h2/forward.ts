// The terminal handler for HTTP/2 upstreams: one stream on the endpoint's shared h2c session,
// request body streamed in, response body and trailers streamed back. Failures before the
// response headers become local replies in Envoy's words (UF connect failure, UC reset), marked
// retriable for the retry layer; a stream the upstream refused (REFUSED_STREAM, or above a
// GOAWAY's last stream id) never reached the app, so it counts as a connect failure.
import { performance } from 'node:perf_hooks';
import { PEER_HEADER } from '../telemetry/peer-header.js';
import { receivePeer } from '../telemetry/propagation.js';
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import { localReply } from '../http/local-reply.js';
import { abortedReply } from '../http/settle.js';
import type {
  FreshHeaderMap,
  Handler,
  HeaderMap,
  ProxyResponse,
  UpstreamTarget,
} from '../http/types.js';
import { headersFromH2, toH2Headers, wantsTrailers } from './headers.js';
import type { H2SessionPool } from './sessions.js';
import type { AbortSignalLike } from '../abort.js';

/** Envoy's prefix for failures before response headers. */
const RESET_BEFORE_HEADERS = 'upstream connect error or disconnect/reset before headers.';

/** Trailers of a proxied body, filled in when the upstream sends them (before the body ends). */
export interface TrailerSlot {
  value: HeaderMap | undefined;
}

const trailerSlots = new WeakMap<Readable, TrailerSlot>();

/** The trailers slot of a response body streamed from an HTTP/2 upstream, if it is one. */
export function trailersOf(body: Readable): TrailerSlot | undefined {
  return trailerSlots.get(body);
}

export function h2ForwardHandler(sessions: H2SessionPool): Handler {
  return async (ctx) => {
    const target = ctx.upstream;
    if (!target) throw new Error('h2 forward handler reached without an upstream target');
    if (ctx.signal.aborted) return abortedReply(ctx.signal.reason);
    let upstream;
    try {
      upstream = sessions.get(target);
      await raceAbort(upstream.ready, ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) return abortedReply(ctx.signal.reason);
      return connectFailure(messageOf(err), target);
    }
    const headers = toH2Headers(ctx.headers);
    headers[':method'] = ctx.method;
    headers[':path'] = ctx.path;
    headers[':authority'] = ctx.authority;
    headers[':scheme'] = 'http';
    if (ctx.attemptCount !== undefined) headers['x-envoy-attempt-count'] = String(ctx.attemptCount);
    if (ctx.peerHeader !== undefined && target.sidecar) headers[PEER_HEADER] = ctx.peerHeader;
    if (wantsTrailers(ctx.headers)) headers['te'] = 'trailers';
    let stream: ClientHttp2Stream;
    let body: Readable | undefined;
    try {
      body = ctx.body?.open();
      stream = upstream.session.request(headers, { endStream: body === undefined });
      upstream.opened();
    } catch (err) {
      body?.destroy();
      return connectFailure(messageOf(err), target);
    }
    stream.on('error', () => undefined);
    if (body) {
      const source = body;
      source.on('error', () => stream.close(constants.NGHTTP2_CANCEL));
      source.pipe(stream);
      stream.once('close', () => {
        if (!source.readableEnded) source.destroy();
      });
    }
    return new Promise<ProxyResponse>((resolve) => {
      let settled = false;
      const onAbort = () => {
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
        if (!settled) {
          settled = true;
          resolve(abortedReply(ctx.signal.reason));
        }
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => ctx.signal.removeEventListener('abort', onAbort));
      stream.once('response', (responseHeaders: IncomingHttpHeaders, flags: number) => {
        ctx.info.upstreamResponseAt = performance.now();
        if (settled) return;
        settled = true;
        const response = responseOf(stream, responseHeaders, flags);
        receivePeer(response.headers as FreshHeaderMap, target.sidecar === true, ctx.info);
        resolve(response);
      });
      stream.once('close', () => {
        if (settled) return;
        settled = true;
        const code = stream.rstCode ?? constants.NGHTTP2_NO_ERROR;
        // Never processed by the upstream: safe to retry anywhere, as Envoy's refused-stream.
        if (code === constants.NGHTTP2_REFUSED_STREAM)
          resolve(connectFailure('stream refused by the upstream (REFUSED_STREAM)', target));
        else
          resolve(
            localReply(
              503,
              'UC',
              `${RESET_BEFORE_HEADERS} reset reason: connection termination: HTTP/2 stream closed with ${rstName(code)} (upstream ${target.id} of ${target.cluster})`,
              'reset',
            ),
          );
      });
    });
  };
}

function responseOf(
  stream: ClientHttp2Stream,
  responseHeaders: IncomingHttpHeaders,
  flags: number,
): ProxyResponse {
  const status = Number(responseHeaders[':status']);
  const headers = headersFromH2(responseHeaders);
  // Trailers-only (gRPC errors): the header block ended the stream; keep it that way.
  if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
    stream.resume();
    return { status, headers, body: undefined };
  }
  const slot: TrailerSlot = { value: undefined };
  stream.once('trailers', (trailers: IncomingHttpHeaders) => {
    slot.value = headersFromH2(trailers);
  });
  trailerSlots.set(stream, slot);
  return { status, headers, body: stream };
}

function connectFailure(detail: string, target: UpstreamTarget): ProxyResponse {
  return localReply(
    503,
    'UF',
    `${RESET_BEFORE_HEADERS} reset reason: connection failure, transport failure reason: ${detail} (upstream ${target.id} of ${target.cluster})`,
    'connect-failure',
  );
}

const RST_NAMES: Readonly<Record<number, string>> = {
  0: 'NO_ERROR',
  1: 'PROTOCOL_ERROR',
  2: 'INTERNAL_ERROR',
  3: 'FLOW_CONTROL_ERROR',
  5: 'STREAM_CLOSED',
  6: 'FRAME_SIZE_ERROR',
  7: 'REFUSED_STREAM',
  8: 'CANCEL',
  9: 'COMPRESSION_ERROR',
  11: 'ENHANCE_YOUR_CALM',
};

function rstName(code: number): string {
  return RST_NAMES[code] ?? `error code ${code}`;
}

function raceAbort(ready: Promise<void>, signal: AbortSignalLike): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    ready.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  const code = (err as { code?: unknown } | null)?.code;
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
