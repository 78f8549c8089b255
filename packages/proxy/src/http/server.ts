// What the outbound and inbound servers share: the HTTP/1.1 codec (h1-server.ts) configured
// against hostile clients, the per-request record and access log, and writing a ProxyResponse to
// the client. Untrusted input never crashes the process: malformed requests get 400, oversized
// headers or too many of them 431, slow ones 408, each with x-mesh-error and an access-log line,
// as Envoy's codec errors do.
//
// The servers keep node:http's event surface where the rest of the proxy hooks in: 'connect'
// (CONNECT tunnels) and 'upgrade' (WebSocket) listeners get a request that reads like an
// IncomingMessage, and `emit('connection', socket)` serves a socket accepted elsewhere.
import type { Duplex } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { safeLog, type AccessLogger } from './access-log.js';
import {
  createH1Server,
  type H1Exchange,
  type H1Request,
  type H1Server,
  type OutgoingHeaders,
} from './h1-server.js';
import { headerSafe, localReply, MESH_ERROR_HEADER, renderLocalReply } from './local-reply.js';
import { discardResponse } from './settle.js';
import { createStreamInfo, type StreamInfo } from './stream-info.js';
import type { HeaderMap, LocalReply, ProxyResponse } from './types.js';
import { DownstreamDisconnect, UpstreamTimeout } from './types.js';
import { RequestSignal, type AbortSignalLike } from '../abort.js';

export interface ServerLimits {
  /** Envoy's default max_request_headers_kb is 60. */
  readonly maxHeaderBytes: number;
  /** Time allowed for the request line and headers (Envoy's request_headers_timeout). */
  readonly headersTimeoutMs: number;
  /** How long an idle client connection is kept open. */
  readonly keepAliveTimeoutMs: number;
  /** Request bodies up to this size are kept for retries; larger ones are not retried. */
  readonly retryBufferBytes: number;
  /** Envoy's default max_request_headers_count is 100; more is answered 431. */
  readonly maxHeaderCount: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = Object.freeze({
  maxHeaderBytes: 60 * 1024,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 60_000,
  retryBufferBytes: 1024 * 1024,
  maxHeaderCount: 100,
});

/** A request as the handlers see it: the codec's, body included when there is one. */
export type ProxyRequest = H1Request;

export type RequestHandler = (
  req: ProxyRequest,
  info: StreamInfo,
  signal: AbortSignalLike,
) => Promise<ProxyResponse>;

/** What 'connect' and 'upgrade' listeners get: the parts of an IncomingMessage they read. */
export interface TunnelRequest {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly rawHeaders: readonly string[];
  /** Lower-case names; repeated values joined with ', ' (set-cookie kept as a list), as node:http. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket: Socket;
}

export type TunnelHandler = (req: TunnelRequest, client: Duplex, head: Buffer) => void;

export interface ProxyServerOptions {
  readonly direction: 'outbound' | 'inbound';
  readonly limits: ServerLimits;
  readonly log: AccessLogger;
  /** Called with errors that are the proxy's own bugs (the client got a 500). */
  readonly onError?: ((err: unknown) => void) | undefined;
  readonly handle: RequestHandler;
}

export type ProxyServer = H1Server;

/** Marks servers that serve HTTP/1.1 requests on any socket handed to them ('connection'). */
export const SERVES_HTTP1 = Symbol('mesh.servesHttp1');

/** Whether `server` serves HTTP/1.1 on sockets emitted to it: ours, or node:http with a handler. */
export function servesHttp1(server: EventEmitter): boolean {
  return SERVES_HTTP1 in server || server.listenerCount('request') > 0;
}

export function resolveLimits(limits: Partial<ServerLimits> | undefined): ServerLimits {
  return { ...DEFAULT_SERVER_LIMITS, ...limits };
}

export function createProxyServer(options: ProxyServerOptions): ProxyServer {
  const { direction, limits, log, onError, handle } = options;
  const tunnel = (event: 'connect' | 'upgrade') => (req: H1Request, socket: Socket, head: Buffer) =>
    server.emit(event, tunnelRequestOf(req), socket, head);
  const onConnect = tunnel('connect');
  const onUpgrade = tunnel('upgrade');
  const server: H1Server = createH1Server(
    {
      maxHeaderBytes: limits.maxHeaderBytes,
      maxHeaderCount: limits.maxHeaderCount,
      headersTimeoutMs: limits.headersTimeoutMs,
      keepAliveTimeoutMs: limits.keepAliveTimeoutMs,
    },
    {
      request: (exchange) => serve(exchange, direction, log, onError, handle),
      // Read per request, so listeners added after creation count, as with node:http's events;
      // without a listener CONNECT is refused (405) and an Upgrade is served as a plain request.
      get connect() {
        return server.listenerCount('connect') > 0 ? onConnect : undefined;
      },
      get upgrade() {
        return server.listenerCount('upgrade') > 0 ? onUpgrade : undefined;
      },
      protocolError: ({ status, reason, remoteAddress }) => {
        const info = createStreamInfo(direction);
        info.status = status;
        info.flags.add('DPE');
        info.details = reason;
        info.downstreamAddress = remoteAddress;
        safeLog(log, info);
      },
    },
    (status, reason) => ({
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        [MESH_ERROR_HEADER]: `DPE ${headerSafe(reason)}`,
      },
      body: `${reason}\n`,
    }),
  );
  return Object.assign(server, { [SERVES_HTTP1]: true });
}

function serve(
  exchange: H1Exchange,
  direction: 'outbound' | 'inbound',
  log: AccessLogger,
  onError: ((err: unknown) => void) | undefined,
  handle: RequestHandler,
): void {
  const req = exchange.request;
  const info = createStreamInfo(direction);
  info.method = req.method;
  info.path = req.url;
  info.authority = hostOf(req.rawHeaders) ?? '';
  info.protocol = `HTTP/${req.httpVersion}`;
  info.downstreamAddress = req.socket.remoteAddress;
  const downstream = new RequestSignal();
  const state: ExchangeState = { ended: undefined };
  exchange.onEnd = (finished) => {
    if (!finished) {
      if (state.ended === undefined) {
        state.ended = 'downstream';
        info.flags.add('DC');
      }
      downstream.abort(new DownstreamDisconnect());
    }
    safeLog(log, info);
  };
  handle(req, info, downstream).then(
    (response) => send(exchange, response, info, state),
    (err: unknown) => {
      onError?.(err);
      if (exchange.headersSent) exchange.destroy();
      else
        send(
          exchange,
          localReply(500, undefined, `internal proxy error: ${messageOf(err)}`),
          info,
          state,
        );
    },
  );
}

/** The Host header's value (the first, if repeated). */
export function hostOf(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.length === 4 && rawHeaders[i]!.toLowerCase() === 'host')
      return rawHeaders[i + 1];
  return undefined;
}

function tunnelRequestOf(req: H1Request): TunnelRequest {
  const headers = Object.create(null) as Record<string, string | string[]>;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = headers[name];
    if (prev === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else headers[name] = `${prev}, ${value}`;
  }
  return {
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    rawHeaders: req.rawHeaders,
    headers,
    socket: req.socket,
  };
}

interface ExchangeState {
  /** Which side broke off first, so the other side's error is not blamed as well. */
  ended: 'downstream' | 'upstream' | undefined;
}

function send(
  exchange: H1Exchange,
  response: ProxyResponse,
  info: StreamInfo,
  state: ExchangeState,
): void {
  if (state.ended === 'downstream') {
    discardResponse(response);
    return;
  }
  let { status, headers, body } = response;
  if (response.local) ({ status, headers, body } = recordLocal(response as LocalResponse, info));
  try {
    info.status = status;
    if (!(body instanceof ReadableStream)) {
      if (body) info.bytesSent += body.length;
      exchange.respond(status, outgoing(headers), body);
      return;
    }
    exchange.respondStream(
      status,
      outgoing(headers),
      body,
      (bytes) => (info.bytesSent += bytes),
      (err) => {
        if (state.ended !== undefined) return;
        state.ended = 'upstream';
        // A route timeout cutting the body has already said UT.
        if (!(err instanceof UpstreamTimeout)) info.flags.add('UC');
      },
    );
  } catch (err) {
    // The codec rejects what an upstream may send: a status outside 100-999, bytes a header
    // cannot hold, a content-length that is not the body's.
    discardResponse(response);
    info.bytesSent = 0;
    const reply = localReply(
      502,
      'UPE',
      `upstream response cannot be forwarded: ${messageOf(err)}`,
    );
    const rendered = recordLocal(reply as LocalResponse, info);
    info.status = rendered.status;
    info.bytesSent = rendered.body.length;
    exchange.respond(rendered.status, outgoing(rendered.headers), rendered.body);
  }
}

/** Header maps are immutable by contract and the codec only reads them: no copy needed. */
function outgoing(headers: HeaderMap): OutgoingHeaders {
  return headers;
}

type LocalResponse = ProxyResponse & { local: LocalReply };

function recordLocal(response: LocalResponse, info: StreamInfo) {
  if (response.local.flag) info.flags.add(response.local.flag);
  info.details = response.local.reason;
  return renderLocalReply(response);
}

function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
