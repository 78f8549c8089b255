// What the h2c outbound and inbound sides share: a node:http2 server bounded against hostile
// clients (concurrent streams, session memory, header list size: a stream flood gets
// REFUSED_STREAM and, past node's rejected-stream budget, the flooding session is closed, while
// other sessions keep being served), the per-stream record and access log, and writing a
// ProxyResponse to an HTTP/2 stream: gRPC-aware local replies, bodies streamed with flow control,
// trailers forwarded (grpc-status, grpc-message).
import {
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { Readable } from 'node:stream';
import { safeLog, type AccessLogger } from '../http/access-log.js';
import { localReply, renderLocalReply } from '../http/local-reply.js';
import { discardResponse } from '../http/settle.js';
import { createStreamInfo, type StreamInfo } from '../http/stream-info.js';
import type { HeaderMap, LocalReply, ProxyResponse } from '../http/types.js';
import { DownstreamDisconnect, UpstreamTimeout } from '../http/types.js';
import { trailersOf } from './forward.js';
import { encodeGrpcMessage, GRPC_STATUS, grpcLocalReplyHeaders, isGrpcRequest } from './grpc.js';
import { toH2Headers } from './headers.js';
import { RequestSignal, type AbortSignalLike } from '../abort.js';

export interface H2Limits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS per client session; streams beyond are refused. */
  readonly maxConcurrentStreams: number;
  /** node:http2 maxSessionMemory (MB): a session over it gets ENHANCE_YOUR_CALM on new streams. */
  readonly maxSessionMemoryMb: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE; Envoy's default max_request_headers_kb is 60. */
  readonly maxHeaderListBytes: number;
  /** Request bodies up to this size are kept for retries; larger ones are not retried. */
  readonly retryBufferBytes: number;
}

export const DEFAULT_H2_LIMITS: H2Limits = Object.freeze({
  maxConcurrentStreams: 1000,
  maxSessionMemoryMb: 32,
  maxHeaderListBytes: 60 * 1024,
  retryBufferBytes: 1024 * 1024,
});

export function resolveH2Limits(limits: Partial<H2Limits> | undefined): H2Limits {
  return { ...DEFAULT_H2_LIMITS, ...limits };
}

/** What a stream handler gets: the request as node:http2 parsed it, plus its record. */
export interface H2Request {
  readonly stream: ServerHttp2Stream;
  readonly headers: IncomingHttpHeaders;
  /** False when the HEADERS frame ended the stream (no body). */
  readonly hasBody: boolean;
  readonly info: StreamInfo;
  readonly signal: AbortSignalLike;
}

export type H2RequestHandler = (req: H2Request) => Promise<ProxyResponse>;

export interface H2ServerOptions {
  readonly direction: 'outbound' | 'inbound';
  readonly limits: H2Limits;
  readonly log: AccessLogger;
  readonly onError?: ((err: unknown) => void) | undefined;
  readonly handle: H2RequestHandler;
}

/** An http2 server (h2c) not listening: sockets are handed to it with emit('connection'). */
export function createH2ProxyServer(options: H2ServerOptions): Http2Server {
  const { direction, limits, log, onError, handle } = options;
  const server = createServer({
    maxSessionMemory: limits.maxSessionMemoryMb,
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderListBytes,
      enablePush: false,
    },
  });
  // Peer errors are per session or stream; none may take the process down.
  server.on('sessionError', () => undefined);
  server.on('session', (session) => session.on('error', () => undefined));
  server.on('stream', (stream, headers, flags: number) => {
    const info = createStreamInfo(direction);
    info.protocol = 'HTTP/2';
    info.method = String(headers[':method'] ?? '');
    info.path = String(headers[':path'] ?? '');
    info.authority = String(headers[':authority'] ?? headers.host ?? '');
    info.downstreamAddress = stream.session?.socket?.remoteAddress;
    const grpc = isGrpcRequest(headerText(headers['content-type']));
    const downstream = new RequestSignal();
    const state: ExchangeState = { ended: undefined, finished: false };
    stream.on('error', () => undefined);
    stream.once('close', () => {
      if (!state.finished) {
        if (state.ended === undefined) {
          state.ended = 'downstream';
          info.flags.add('DC');
        }
        downstream.abort(new DownstreamDisconnect());
      }
      safeLog(log, info);
    });
    const request: H2Request = {
      stream,
      headers,
      hasBody: (flags & constants.NGHTTP2_FLAG_END_STREAM) === 0,
      info,
      signal: downstream,
    };
    handle(request).then(
      (response) => sendH2(stream, response, info, state, grpc),
      (err: unknown) => {
        onError?.(err);
        if (stream.headersSent) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        else
          sendH2(
            stream,
            localReply(500, undefined, `internal proxy error: ${messageOf(err)}`),
            info,
            state,
            grpc,
          );
      },
    );
  });
  return server;
}

interface ExchangeState {
  ended: 'downstream' | 'upstream' | undefined;
  /** The response went out whole (end of stream sent). */
  finished: boolean;
}

/** Writes `response` to `stream`; local replies to gRPC requests become trailers-only statuses. */
function sendH2(
  stream: ServerHttp2Stream,
  response: ProxyResponse,
  info: StreamInfo,
  state: ExchangeState,
  grpc: boolean,
): void {
  if (stream.destroyed || stream.closed) {
    discardResponse(response);
    return;
  }
  let { status, headers, body } = response;
  if (response.local) ({ status, headers, body } = local(response as LocalResponse, info, grpc));
  let out: OutgoingHttpHeaders;
  try {
    out = toH2Headers(headers);
    out[':status'] = status;
    info.status = status;
    // A trailers-only gRPC reply carries its status in the headers.
    const grpcStatus = headers['grpc-status'];
    if (grpcStatus !== undefined) info.grpcStatus = String(grpcStatus);
    const empty = body === undefined || (!(body instanceof Readable) && body.length === 0);
    if (empty) {
      if (body instanceof Readable) discardResponse(response);
      stream.respond(out, { endStream: true });
      complete(stream, state);
      return;
    }
    if (!(body instanceof Readable)) {
      stream.respond(out);
      info.bytesSent += body!.length;
      stream.end(body);
      stream.once('finish', () => complete(stream, state));
      return;
    }
    stream.respond(out, { waitForTrailers: true });
  } catch (err) {
    // node:http2 rejects what an upstream may send: statuses out of range, invalid header values.
    discardResponse(response);
    if (stream.headersSent) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const reply = localReply(
      502,
      'UPE',
      `upstream response cannot be forwarded: ${messageOf(err)}`,
    );
    const rendered = local(reply as LocalResponse, info, grpc);
    const fallback = toH2Headers(rendered.headers);
    fallback[':status'] = rendered.status;
    info.status = rendered.status;
    stream.respond(fallback, { endStream: rendered.body === undefined });
    if (rendered.body) stream.end(rendered.body);
    complete(stream, state);
    return;
  }
  streamBody(stream, body, info, state, grpc);
}

function streamBody(
  stream: ServerHttp2Stream,
  body: Readable,
  info: StreamInfo,
  state: ExchangeState,
  grpc: boolean,
): void {
  const slot = trailersOf(body);
  // Set when the body broke: for gRPC the call still ends with a status rather than a reset.
  let failure: HeaderMap | undefined;
  stream.once('wantTrailers', () => {
    try {
      const trailers = failure ?? slot?.value ?? {};
      const grpcStatus = trailers['grpc-status'];
      if (grpcStatus !== undefined) info.grpcStatus = String(grpcStatus);
      stream.sendTrailers(toH2Headers(trailers));
      if (failure === undefined) complete(stream, state);
    } catch {
      // The stream went away in between.
    }
  });
  body.on('data', (chunk: Buffer) => {
    info.bytesSent += chunk.length;
  });
  body.once('error', (err) => {
    body.unpipe(stream);
    if (state.ended === undefined) {
      state.ended = 'upstream';
      // A route timeout cutting the body has already said UT.
      if (!(err instanceof UpstreamTimeout)) info.flags.add('UC');
    }
    if (grpc && !stream.closed && !stream.writableEnded) {
      const timeout = err instanceof UpstreamTimeout;
      failure = {
        'grpc-status': String(timeout ? GRPC_STATUS.DEADLINE_EXCEEDED : GRPC_STATUS.UNAVAILABLE),
        'grpc-message': encodeGrpcMessage(
          timeout ? err.message : `upstream reset while streaming the response: ${err.message}`,
        ),
      };
      stream.end();
    } else if (!stream.closed) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  });
  stream.once('close', () => {
    if (!body.destroyed && !body.readableEnded) body.destroy();
  });
  body.pipe(stream);
}

/**
 * The response is out whole. A request body nobody read (a local reply, a fault abort) would
 * keep the stream half-open: like node's own server streams, close it once the response frames
 * are queued (RST_STREAM NO_ERROR after a complete response, RFC 9113 8.1).
 */
function complete(stream: ServerHttp2Stream, state: ExchangeState): void {
  state.finished = true;
  if (stream.readableEnded) return;
  setImmediate(() => {
    if (stream.destroyed) return;
    if (!stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
    // The stream is destroyed (and logged) once its readable side ends: drop what is left.
    stream.removeAllListeners('data');
    stream.resume();
  });
}

type LocalResponse = ProxyResponse & { local: LocalReply };

function local(response: LocalResponse, info: StreamInfo, grpc: boolean) {
  if (response.local.flag) info.flags.add(response.local.flag);
  info.details = response.local.reason;
  if (!grpc) return renderLocalReply(response);
  return {
    status: 200,
    headers: grpcLocalReplyHeaders(response.status, response.local, response.headers),
    body: undefined,
  };
}

export function headerText(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

export function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
