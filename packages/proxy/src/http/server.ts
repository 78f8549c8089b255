// What the outbound and inbound servers share: node:http configured against hostile clients,
// the per-request record and access log, and writing a ProxyResponse to the client. Untrusted
// input never crashes the process: malformed requests get 400, oversized headers 431, slow ones
// 408, each with x-mesh-error and an access-log line, as Envoy's codec errors do.
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { safeLog, type AccessLogger } from './access-log.js';
import { toOutgoing } from './headers.js';
import { headerSafe, localReply, MESH_ERROR_HEADER, renderLocalReply } from './local-reply.js';
import { discardResponse } from './settle.js';
import { createStreamInfo, type StreamInfo } from './stream-info.js';
import type { LocalReply, ProxyResponse } from './types.js';
import { DownstreamDisconnect, UpstreamTimeout } from './types.js';

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

export type RequestHandler = (
  req: IncomingMessage,
  info: StreamInfo,
  signal: AbortSignal,
) => Promise<ProxyResponse>;

export interface ProxyServerOptions {
  readonly direction: 'outbound' | 'inbound';
  readonly limits: ServerLimits;
  readonly log: AccessLogger;
  /** Called with errors that are the proxy's own bugs (the client got a 500). */
  readonly onError?: ((err: unknown) => void) | undefined;
  readonly handle: RequestHandler;
}

export function resolveLimits(limits: Partial<ServerLimits> | undefined): ServerLimits {
  return { ...DEFAULT_SERVER_LIMITS, ...limits };
}

export function createProxyServer(options: ProxyServerOptions): Server {
  const { direction, limits, log, onError, handle } = options;
  const server = createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    // Off: bodies stream for as long as both sides keep them flowing (Envoy has no such limit).
    requestTimeout: 0,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node looks for connections past headersTimeout; its 30 s default would let a
    // stalled client hold a connection three times longer than configured.
    connectionsCheckingInterval: Math.max(
      50,
      Math.min(1000, Math.floor(limits.headersTimeoutMs / 2)),
    ),
    // Answered by the handler instead, with x-mesh-error and a log line.
    requireHostHeader: false,
  });

  // Node would silently drop headers past its own limit (2000); parsing one past ours is enough
  // to tell a request over it and refuse it, as Envoy does.
  server.maxHeadersCount = limits.maxHeaderCount + 1;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const info = createStreamInfo(direction);
    info.method = req.method ?? '';
    info.path = req.url ?? '';
    info.authority = req.headers.host ?? '';
    info.protocol = `HTTP/${req.httpVersion}`;
    info.downstreamAddress = req.socket.remoteAddress;
    const downstream = new AbortController();
    const state: ExchangeState = { ended: undefined };
    res.once('close', () => {
      if (!res.writableFinished) {
        if (state.ended === undefined) {
          state.ended = 'downstream';
          info.flags.add('DC');
        }
        downstream.abort(new DownstreamDisconnect());
      }
      safeLog(log, info);
    });
    const headerCount = req.rawHeaders.length / 2;
    if (headerCount > limits.maxHeaderCount) {
      res.shouldKeepAlive = false;
      send(
        res,
        localReply(
          431,
          'DPE',
          `too many request headers: more than ${limits.maxHeaderCount} (the proxy's limit)`,
        ),
        info,
        state,
      );
      return;
    }
    handle(req, info, downstream.signal).then(
      (response) => send(res, response, info, state),
      (err: unknown) => {
        onError?.(err);
        if (res.headersSent) res.destroy();
        else
          send(
            res,
            localReply(500, undefined, `internal proxy error: ${messageOf(err)}`),
            info,
            state,
          );
      },
    );
  });

  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    const conn = socket as Duplex & {
      _httpMessage?: { headersSent?: boolean };
      bytesRead?: number;
      remoteAddress?: string;
    };
    // A reply would corrupt a response already under way; a connection that never sent a byte
    // (a pre-connect past headersTimeout) gets closed without a reply or a log line.
    if (
      err.code === 'ECONNRESET' ||
      !socket.writable ||
      conn._httpMessage?.headersSent ||
      conn.bytesRead === 0
    ) {
      socket.destroy();
      return;
    }
    const [status, reason] = clientErrorReply(err, limits);
    const info = createStreamInfo(direction);
    info.status = status;
    info.flags.add('DPE');
    info.details = reason;
    info.downstreamAddress = conn.remoteAddress;
    const body = `${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        `content-type: text/plain; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `${MESH_ERROR_HEADER}: DPE ${headerSafe(reason)}\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
    safeLog(log, info);
  });

  return server;
}

function clientErrorReply(err: Error & { code?: string }, limits: ServerLimits): [number, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [
        431,
        `request headers exceed the limit of ${Math.round(limits.maxHeaderBytes / 1024)} KiB`,
      ];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, `request headers not received within ${limits.headersTimeoutMs} ms`];
    default:
      return [400, `malformed HTTP request: ${err.code ? `${err.code}: ` : ''}${err.message}`];
  }
}

interface ExchangeState {
  /** Which side broke off first, so the other side's error is not blamed as well. */
  ended: 'downstream' | 'upstream' | undefined;
}

function send(
  res: ServerResponse,
  response: ProxyResponse,
  info: StreamInfo,
  state: ExchangeState,
): void {
  if (res.destroyed) {
    discardResponse(response);
    return;
  }
  let { status, headers, body } = response;
  if (response.local) ({ status, headers, body } = recordLocal(response as LocalResponse, info));
  try {
    res.writeHead(status, toOutgoing(headers));
  } catch (err) {
    // Node rejects what an upstream may send: a status outside 100-999, bytes a header cannot hold.
    discardResponse(response);
    const reply = localReply(
      502,
      'UPE',
      `upstream response cannot be forwarded: ${messageOf(err)}`,
    );
    ({ status, headers, body } = recordLocal(reply as LocalResponse, info));
    res.writeHead(status, toOutgoing(headers));
  }
  info.status = status;
  if (!(body instanceof Readable)) {
    if (body) info.bytesSent += body.length;
    res.end(body);
    return;
  }
  streamBody(body, res, info, state);
}

// By hand rather than stream.pipeline(): pipeline creates an AbortController per call and aborts
// it with a DOMException (a captured stack trace), ~20 µs per request in the hop profile. The
// contract is pipeline's: a failing body destroys the response (the client sees the cut), a
// client that goes away destroys the body (its upstream connection is released).
function streamBody(body: Readable, res: ServerResponse, info: StreamInfo, state: ExchangeState) {
  const onDrain = () => body.resume();
  body.on('data', (chunk: Buffer) => {
    info.bytesSent += chunk.length;
    if (!res.write(chunk)) body.pause();
  });
  res.on('drain', onDrain);
  body.once('end', () => {
    res.off('drain', onDrain);
    res.end();
  });
  body.once('error', (err) => {
    if (state.ended === undefined) {
      state.ended = 'upstream';
      // A route timeout cutting the body has already said UT.
      if (!(err instanceof UpstreamTimeout)) info.flags.add('UC');
    }
    res.destroy(err);
  });
  res.once('close', () => {
    res.off('drain', onDrain);
    if (!body.readableEnded && !body.destroyed) body.destroy();
  });
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
