// The HTTP/1.1 server codec for the proxy's listeners: node:net sockets parsed by Node's own
// llhttp (the request parser node:http uses, reached through `_http_common`). It exists because
// node:http's server costs ~12 µs per request more than a raw-socket server on this machine: an
// IncomingMessage and a ServerResponse per request, each a stream with its own events, listeners
// and state. Here a request without a body is two plain objects, the response head is one string
// written with its body in one socket write, and a connection keeps one parser and two re-armed
// timers for its whole life.
//
// What node:http does against hostile clients is kept (see server.ts): malformed requests get
// 400, oversized header blocks and too many headers 431, slow ones 408, each as a plain-text reply
// with `connection: close` and a protocolError report; an idle connection is closed after the
// keep-alive timeout; nothing a client sends or does (resets included) throws out of a socket event.
//
// Pipelining: one exchange at a time per connection. A request whose headers complete while the
// previous response is still under way (or while the socket's write buffer is full) is held, and
// llhttp is paused right there (kOnHeadersComplete returning HPE_PAUSED): the rest of the bytes
// wait, the socket stops being read, and the held request is dispatched once the previous
// exchange is over. A flood of pipelined requests therefore costs one parsed request, not a queue.
import { STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import { Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { coalesceWrites, releaseHeld } from './turn-writes.js';

export interface H1ServerLimits {
  /** Request line + headers; over -> 431. */
  readonly maxHeaderBytes: number;
  /** More header lines -> 431. */
  readonly maxHeaderCount: number;
  /** From a message's first byte to the end of its headers; past it -> 408 and close. 0: off. */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. 0: off. */
  readonly keepAliveTimeoutMs: number;
}

export interface H1Request {
  readonly method: string;
  /** The request target as sent: origin-form, absolute-form, or authority-form for CONNECT. */
  readonly url: string;
  readonly httpVersion: '1.0' | '1.1';
  /** [name, value, name, value, ...] as received. */
  readonly rawHeaders: readonly string[];
  readonly socket: Socket;
  /**
   * The body bytes (de-chunked) when the request has a body (content-length > 0 or chunked),
   * else undefined. While it is not read, the socket is not read either.
   */
  readonly body: Readable | undefined;
}

export type OutgoingHeaders = Readonly<Record<string, string | readonly string[]>>;

export interface H1Exchange {
  readonly request: H1Request;
  readonly headersSent: boolean;
  /**
   * The whole response in one socket write. Throws, before writing anything, for a status outside
   * 100-999, a header name or value node:http's writeHead would reject (the message names the
   * header), or a content-length that is not the body's length.
   */
  respond(status: number, headers: OutgoingHeaders, body: Uint8Array | undefined): void;
  /**
   * The head now (same checks), then the body with backpressure: content-length framing when the
   * headers carry one, else chunked (HTTP/1.1) or close-delimited (HTTP/1.0). A body that fails,
   * or ends short of / runs past its content-length, destroys the connection and is reported to
   * onBodyError; a client that goes away first destroys the body.
   */
  respondStream(
    status: number,
    headers: OutgoingHeaders,
    body: Readable,
    onChunk?: (bytes: number) => void,
    onBodyError?: (err: Error) => void,
  ): void;
  /** Close the connection after this response (adds `connection: close` if the head is unsent). */
  closeAfterResponse(): void;
  /** Destroys the connection now. */
  destroy(): void;
  /**
   * Called exactly once when the exchange is over: true when the response was completely written
   * (flushed to the socket), false when the connection closed or broke first.
   */
  onEnd: ((finished: boolean) => void) | undefined;
}

export interface H1ServerHandlers {
  request(exchange: H1Exchange): void;
  /** CONNECT requests: the raw socket and the bytes already read past the headers. Absent: 405. */
  connect?(req: H1Request, socket: Socket, head: Buffer): void;
  /** Requests with Upgrade, as node:http's 'upgrade' event. Absent: served as plain requests. */
  upgrade?(req: H1Request, socket: Socket, head: Buffer): void;
  /** Requests the codec answered itself (malformed, oversized, slow), for the access log. */
  protocolError?(info: {
    status: number;
    code: string;
    reason: string;
    remoteAddress: string | undefined;
  }): void;
}

export interface H1Server extends Server {
  /** Closes connections with no request in progress. */
  closeIdleConnections(): void;
  /** Destroys every connection. */
  closeAllConnections(): void;
}

export type LocalReplyRenderer = (
  status: number,
  reason: string,
) => { headers: OutgoingHeaders; body: string };

export function createH1Server(
  limits: H1ServerLimits,
  handlers: H1ServerHandlers,
  localReplyFor?: LocalReplyRenderer,
): H1Server {
  return new H1ServerImpl(limits, handlers, localReplyFor);
}

// ---------------------------------------------------------------------------------------------
// llhttp through `_http_common`. upstream/llhttp.ts exposes only the response parser; the server
// needs the request type, resume() after a pause, and the method table, so it has its own typed
// view, checked once at load like that one.

interface ParserError extends Error {
  /** `HPE_*`. */
  readonly code: string;
  /** llhttp's own words, e.g. `Invalid method encountered`. */
  readonly reason?: string;
  readonly bytesParsed: number;
}

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(chunk: Buffer): number | ParserError;
  resume(): void;
  /** Ends the parser's async resource (its destroy hook) so a pooled parser is not a live one. */
  free(): void;
  close(): void;
  /** The connection it parses for: its callbacks are shared and find their state here. */
  conn: Connection | undefined;
  [slot: number]: unknown;
}

interface HttpCommon {
  readonly HTTPParser: {
    new (): NativeParser;
    readonly REQUEST: number;
    readonly kOnMessageBegin: number;
    readonly kOnHeaders: number;
    readonly kOnHeadersComplete: number;
    readonly kOnBody: number;
    readonly kOnMessageComplete: number;
  };
  readonly methods: readonly string[];
  /** node:http's header name check: true for a valid token. */
  _checkIsHttpToken(name: string): boolean;
  /** node:http's header value check: true when the value holds a forbidden character. */
  _checkInvalidHeaderChar(value: string): boolean;
}

const common = loadHttpCommon();
const { HTTPParser } = common;

function loadHttpCommon(): HttpCommon {
  // A builtin resolves without touching the file system, so any absolute path will do; this one
  // works in the tsc-built ESM (no `require`) and under jest/swc (CommonJS, no `import.meta`).
  const mod = createRequire(process.execPath)('_http_common') as Partial<HttpCommon>;
  const parser = mod.HTTPParser as unknown as Record<string, unknown>;
  const constants = [
    'REQUEST',
    'kOnMessageBegin',
    'kOnHeaders',
    'kOnHeadersComplete',
    'kOnBody',
    'kOnMessageComplete',
  ];
  const methods = ['initialize', 'execute', 'resume', 'free', 'close'];
  const prototype = (parser?.prototype ?? {}) as Record<string, unknown>;
  const ok =
    typeof mod.HTTPParser === 'function' &&
    constants.every((name) => typeof parser[name] === 'number') &&
    methods.every((name) => typeof prototype[name] === 'function') &&
    Array.isArray(mod.methods) &&
    typeof mod._checkIsHttpToken === 'function' &&
    typeof mod._checkInvalidHeaderChar === 'function';
  if (!ok) {
    throw new Error(
      `Node ${process.version}'s internal HTTP parser (_http_common) is not what ` +
        'packages/proxy/src/http/h1-server.ts was written for; it needs updating.',
    );
  }
  return mod as HttpCommon;
}

/** kOnHeadersComplete's answers: go on; the rest is another protocol; stop here (HPE_PAUSED). */
const PARSE_ON = 0;
const PARSE_UPGRADE = 2;
const PARSE_PAUSE = 21;

const METHOD_HEAD = 2;
const METHOD_CONNECT = 5;
// Node 20 builds its method table by position while llhttp numbers QUERY 46, so node:http names
// a QUERY request `undefined`; here it gets its name back.
const METHODS: (string | undefined)[] = [...common.methods];
if (METHODS.indexOf('QUERY') !== -1 && METHODS[46] === undefined) METHODS[46] = 'QUERY';

// Native parsers are costly to create; like node:http, closed connections hand theirs back.
const freeParsers: NativeParser[] = [];
const MAX_FREE_PARSERS = 256;

function acquireParser(conn: Connection, maxHeaderBytes: number): NativeParser {
  const parser = freeParsers.pop() ?? newParser();
  // The async resource of the connection's parser callbacks: a fresh object, as node:http's,
  // since AsyncLocalStorage stores its context on it.
  parser.initialize(HTTPParser.REQUEST, {}, maxHeaderBytes, 0);
  parser.conn = conn;
  return parser;
}

function newParser(): NativeParser {
  const parser = new HTTPParser();
  parser.conn = undefined;
  parser[HTTPParser.kOnMessageBegin] = parserOnMessageBegin;
  parser[HTTPParser.kOnHeaders] = parserOnHeaders;
  parser[HTTPParser.kOnHeadersComplete] = parserOnHeadersComplete;
  parser[HTTPParser.kOnBody] = parserOnBody;
  parser[HTTPParser.kOnMessageComplete] = parserOnMessageComplete;
  return parser;
}

function releaseParser(parser: NativeParser): void {
  parser.conn = undefined;
  if (freeParsers.length < MAX_FREE_PARSERS) {
    parser.free();
    freeParsers.push(parser);
  } else parser.close();
}

// The binding calls these with the parser as `this`: one set of functions for every connection.
function parserOnMessageBegin(this: NativeParser): void {
  this.conn?.messageBegin();
}

function parserOnHeaders(this: NativeParser, rawHeaders: string[], url: string): void {
  this.conn?.headerBatch(rawHeaders, url);
}

function parserOnHeadersComplete(
  this: NativeParser,
  versionMajor: number,
  versionMinor: number,
  rawHeaders: string[] | null | undefined,
  method: number,
  url: string | null | undefined,
  _statusCode: unknown,
  _statusMessage: unknown,
  upgrade: boolean,
  shouldKeepAlive: boolean,
): number {
  const conn = this.conn;
  if (conn === undefined) return PARSE_PAUSE;
  return conn.headersComplete(
    versionMajor,
    versionMinor,
    rawHeaders,
    method,
    url,
    upgrade,
    shouldKeepAlive,
  );
}

function parserOnBody(this: NativeParser, chunk: Buffer): void {
  this.conn?.body(chunk);
}

function parserOnMessageComplete(this: NativeParser): void {
  this.conn?.messageComplete();
}

// ---------------------------------------------------------------------------------------------
// Response heads.

/** An unread request body up to this much is read and dropped to keep the connection. */
const DISCARD_LIMIT = 64 * 1024;
/** Bodies up to this size are copied behind the head (one write); larger ones go as a writev. */
const COPY_LIMIT = 16 * 1024;
const REQUEST_BODY_HIGH_WATER_MARK = 64 * 1024;

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
const CRLF = '\r\n';

const CONTINUE_EXPECTATION = /(?:^|\W)100-continue(?:$|\W)/i;
const CHUNKED_LAST = /(?:^|,)[ \t]*chunked[ \t]*$/i;
const CLOSE_TOKEN = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;
const DIGITS = /^\d+$/;

const DEFAULT_REPLY_HEADERS: OutgoingHeaders = Object.freeze({
  'content-type': 'text/plain; charset=utf-8',
});

const statusLines: string[] = [];

function statusLine(status: number): string {
  return (statusLines[status] ??= `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`);
}

/** What renderHead found among the caller's headers (one head is rendered at a time). */
const seen = { contentLength: -1, close: false };

const HEADER_PLAIN = 0;
const HEADER_CONTENT_LENGTH = 1;
const HEADER_TRANSFER_ENCODING = 2;
const HEADER_CONNECTION = 3;

/**
 * Status line and the caller's headers, with node:http writeHead's checks. Framing and connection
 * management are the codec's: a caller's transfer-encoding is dropped (the codec frames the body
 * itself) and its connection header becomes `close` or nothing, so a response can never be framed
 * two ways.
 */
function renderHead(status: number, headers: OutgoingHeaders): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw codeError(RangeError, 'ERR_HTTP_INVALID_STATUS_CODE', `Invalid status code: ${status}`);
  }
  seen.contentLength = -1;
  seen.close = false;
  let head = statusLine(status);
  for (const name in headers) {
    if (!common._checkIsHttpToken(name)) {
      throw codeError(
        TypeError,
        'ERR_INVALID_HTTP_TOKEN',
        `Header name must be a valid HTTP token ["${name}"]`,
      );
    }
    const role = headerRole(name);
    const value: unknown = headers[name];
    if (typeof value === 'string') head += headerLine(name, value, role);
    else if (typeof value === 'number') head += headerLine(name, String(value), role);
    else if (Array.isArray(value)) {
      for (const item of value as unknown[])
        head += headerLine(name, checkedString(name, item), role);
    } else throw invalidValue(name, value);
  }
  return head;
}

function headerRole(name: string): number {
  // Only names of the right length are lower-cased: most headers cost a length compare.
  switch (name.length) {
    case 14:
      return name.toLowerCase() === 'content-length' ? HEADER_CONTENT_LENGTH : HEADER_PLAIN;
    case 17:
      return name.toLowerCase() === 'transfer-encoding' ? HEADER_TRANSFER_ENCODING : HEADER_PLAIN;
    case 10:
      return name.toLowerCase() === 'connection' ? HEADER_CONNECTION : HEADER_PLAIN;
    default:
      return HEADER_PLAIN;
  }
}

function headerLine(name: string, value: string, role: number): string {
  if (common._checkInvalidHeaderChar(value)) {
    throw codeError(
      TypeError,
      'ERR_INVALID_CHAR',
      `Invalid character in header content ["${name}"]`,
    );
  }
  switch (role) {
    case HEADER_PLAIN:
      return `${name}: ${value}${CRLF}`;
    case HEADER_CONTENT_LENGTH: {
      const length = value.trim();
      if (!DIGITS.test(length) || seen.contentLength !== -1) {
        throw codeError(
          TypeError,
          'ERR_HTTP_INVALID_HEADER_VALUE',
          `Invalid value "${value}" for header "${name}"`,
        );
      }
      seen.contentLength = Number(length);
      return `${name}: ${length}${CRLF}`;
    }
    case HEADER_CONNECTION:
      if (CLOSE_TOKEN.test(value)) seen.close = true;
      return '';
    default:
      return '';
  }
}

function checkedString(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw invalidValue(name, value);
}

function invalidValue(name: string, value: unknown): Error {
  return codeError(
    TypeError,
    'ERR_HTTP_INVALID_HEADER_VALUE',
    `Invalid value "${String(value)}" for header "${name}"`,
  );
}

function codeError(
  Kind: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  code: string,
  message: string,
): Error {
  return Object.assign(new Kind(message), { code });
}

function bodiless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/** A codec reply (400, 408, 431, ...): the caller's rendering if it has one, else plain text. */
function renderReply(
  status: number,
  reason: string,
  render: LocalReplyRenderer | undefined,
): Buffer {
  if (render) {
    try {
      const reply = render(status, reason);
      return replyBytes(status, reply.headers, reply.body);
    } catch {
      // A renderer that throws or yields an invalid header still gets the client an answer.
    }
  }
  return replyBytes(status, DEFAULT_REPLY_HEADERS, `${reason}\n`);
}

function replyBytes(status: number, headers: OutgoingHeaders, text: string): Buffer {
  const body = Buffer.from(text);
  let head = renderHead(status, headers);
  if (seen.contentLength === -1) head += `content-length: ${body.length}\r\n`;
  else if (seen.contentLength !== body.length) throw new Error('content-length mismatch');
  head += 'connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A caller's callback threw: its bug, which must not escape a socket event. */
function callbackFailed(err: unknown): void {
  process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'H1ServerWarning');
}

function noop(): void {}

// ---------------------------------------------------------------------------------------------
// Exchanges.

const AWAITING = 0;
const STREAMING = 1;
const WRITTEN = 2;

type MutableRequest = { -readonly [K in keyof H1Request]: H1Request[K] };

class Exchange implements H1Exchange {
  onEnd: ((finished: boolean) => void) | undefined = undefined;
  readonly request: H1Request;
  readonly conn: Connection;
  readonly keepAlive: boolean;
  readonly isHead: boolean;
  /** Declared request body length; -1: chunked. */
  readonly bodyLength: number;
  readonly expectContinue: boolean;
  /** AWAITING, STREAMING (head sent, body under way) or WRITTEN. */
  state = AWAITING;
  requestComplete = false;
  ended = false;
  closeRequested = false;
  /** Request body bytes parsed so far. */
  received = 0;
  bodyRead = false;
  continueSent = false;
  /** The handler is done with the body: what is left is read and dropped, up to a budget. */
  discarding = false;
  discardBudget = 0;
  pump: Pump | undefined = undefined;

  constructor(
    conn: Connection,
    request: MutableRequest,
    keepAlive: boolean,
    isHead: boolean,
    bodyLength: number,
    expectContinue: boolean,
  ) {
    this.conn = conn;
    this.keepAlive = keepAlive;
    this.isHead = isHead;
    this.bodyLength = bodyLength;
    this.expectContinue = expectContinue;
    if (bodyLength !== 0) request.body = new RequestBody(this);
    this.request = request;
  }

  get headersSent(): boolean {
    return this.state !== AWAITING;
  }

  respond(status: number, headers: OutgoingHeaders, body: Uint8Array | undefined): void {
    if (this.ended) return;
    this.assertAwaiting();
    const noBody = this.isHead || bodiless(status);
    const length = noBody || body === undefined ? 0 : body.byteLength;
    let head = renderHead(status, headers);
    const declared = seen.contentLength;
    if (declared !== -1 && !noBody && declared !== length) {
      throw new Error(`content-length ${declared} is not the body's length (${length} bytes)`);
    }
    head = this.finishHead(head, seen.close, false, !noBody && declared === -1 ? length : -1);
    const { socket, onFlushed } = this.conn;
    coalesceWrites(socket);
    this.state = WRITTEN;
    this.conn.flushQueue.push(this);
    if (length === 0) socket.write(head, 'latin1', onFlushed);
    else if (length <= COPY_LIMIT) {
      const bytes = Buffer.allocUnsafe(head.length + length);
      bytes.write(head, 0, 'latin1');
      bytes.set(body!, head.length);
      socket.write(bytes, onFlushed);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body!, onFlushed);
      socket.uncork();
    }
    this.conn.responseWritten(this);
  }

  respondStream(
    status: number,
    headers: OutgoingHeaders,
    body: Readable,
    onChunk?: (bytes: number) => void,
    onBodyError?: (err: Error) => void,
  ): void {
    if (this.ended) {
      body.on('error', noop);
      body.destroy();
      return;
    }
    this.assertAwaiting();
    const noBody = this.isHead || bodiless(status);
    let head = renderHead(status, headers);
    const declared = seen.contentLength;
    const framing = noBody
      ? FRAMING_NONE
      : declared !== -1
        ? FRAMING_LENGTH
        : this.request.httpVersion === '1.0'
          ? FRAMING_CLOSE
          : FRAMING_CHUNKED;
    // An echo reads its request body as it sends it: no reason to close for an unread body.
    if (body === this.request.body) this.bodyRead = true;
    head = this.finishHead(
      head,
      seen.close || framing === FRAMING_CLOSE,
      framing === FRAMING_CHUNKED,
      -1,
    );
    const { socket, onFlushed } = this.conn;
    coalesceWrites(socket);
    if (framing === FRAMING_NONE) {
      // HEAD, 1xx, 204, 304: whatever the source holds is not sent.
      body.on('error', noop);
      body.destroy();
      this.state = WRITTEN;
      this.conn.flushQueue.push(this);
      socket.write(head, 'latin1', onFlushed);
      this.conn.responseWritten(this);
      return;
    }
    this.state = STREAMING;
    socket.write(head, 'latin1');
    this.pump = new Pump(this, body, framing, declared, onChunk, onBodyError);
    this.pump.start();
  }

  closeAfterResponse(): void {
    this.closeRequested = true;
    // With the head already out, the connection still closes once this exchange is over.
    if (this.state !== AWAITING && this.conn.current === this) this.conn.closing = true;
  }

  destroy(): void {
    // Once over, the exchange no longer owns the connection: it may be serving the next one.
    if (!this.ended) this.conn.destroy();
  }

  private assertAwaiting(): void {
    if (this.state !== AWAITING) {
      throw codeError(Error, 'ERR_HTTP_HEADERS_SENT', 'the response has already been sent');
    }
  }

  /** The codec's own lines after the caller's headers, and the blank line. */
  private finishHead(
    head: string,
    closeAsked: boolean,
    chunked: boolean,
    addLength: number,
  ): string {
    if (addLength !== -1) head += `content-length: ${addLength}\r\n`;
    if (this.conn.closeAfter(this, closeAsked)) head += 'connection: close\r\n';
    else if (this.request.httpVersion === '1.0') head += 'connection: keep-alive\r\n';
    if (chunked) head += 'transfer-encoding: chunked\r\n';
    return head + CRLF;
  }

  /** Whether the client would leave the connection stuck on an unread body after this response. */
  bodyWouldStall(): boolean {
    if (this.requestComplete || this.bodyLength === 0) return false;
    // The client waits for a 100 Continue that will not come: it may send the body or not.
    if (this.expectContinue && !this.continueSent) return true;
    return (
      !this.bodyRead && (this.bodyLength < 0 || this.bodyLength - this.received > DISCARD_LIMIT)
    );
  }

  /** First read of the body stream: the moment to ask an expecting client for it. */
  bodyWanted(): void {
    this.bodyRead = true;
    if (this.expectContinue && !this.continueSent && this.state === AWAITING && !this.ended) {
      this.continueSent = true;
      this.conn.socket.write(CONTINUE);
    }
    if (this.conn.incoming === this) this.conn.resumeSocket(PAUSED_FOR_BODY);
  }

  /** The connection broke before this exchange was over. */
  abort(): void {
    this.abortBody();
    if (this.state === WRITTEN) return; // its write callback (or the flush queue) settles it
    const pump = this.pump;
    this.pump = undefined;
    pump?.abort();
    this.end(false);
  }

  abortBody(): void {
    const body = this.request.body;
    if (body !== undefined && !body.destroyed && !this.requestComplete) {
      body.destroy(codeError(Error, 'ECONNRESET', 'aborted'));
    }
  }

  end(finished: boolean): void {
    if (this.ended) return;
    this.ended = true;
    const onEnd = this.onEnd;
    if (onEnd === undefined) return;
    try {
      onEnd(finished);
    } catch (err) {
      callbackFailed(err);
    }
  }
}

class RequestBody extends Readable {
  private readonly exchange: Exchange;

  constructor(exchange: Exchange) {
    super({ highWaterMark: REQUEST_BODY_HIGH_WATER_MARK });
    this.exchange = exchange;
  }

  override _read(): void {
    this.exchange.bodyWanted();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // As IncomingMessage: an abort is an 'error' only for a reader that listens for one, so a
    // handler that never touched the body cannot crash the process with it.
    callback(err !== null && this.listenerCount('error') > 0 ? err : null);
  }
}

const FRAMING_NONE = 0;
const FRAMING_LENGTH = 1;
const FRAMING_CHUNKED = 2;
const FRAMING_CLOSE = 3;

/**
 * A streamed response body, by hand rather than stream.pipeline() (see server.ts's streamBody):
 * the source pauses while the socket's buffer is full and resumes on the connection's 'drain'.
 */
class Pump {
  private sent = 0;
  private done = false;
  private readonly onData = (chunk: Uint8Array | string): void => this.write(chunk);
  private readonly onSourceEnd = (): void => this.finish();
  private readonly onSourceError = (err: Error): void => this.fail(err);
  private readonly onSourceClose = (): void => {
    this.fail(new Error('the response body closed before its end'));
  };

  constructor(
    private readonly exchange: Exchange,
    private readonly source: Readable,
    private readonly framing: number,
    private readonly declared: number,
    private readonly onChunk: ((bytes: number) => void) | undefined,
    private readonly onBodyError: ((err: Error) => void) | undefined,
  ) {}

  start(): void {
    const source = this.source;
    if (source.readableEnded) {
      this.finish();
      return;
    }
    if (source.destroyed) {
      this.fail(source.errored ?? new Error('the response body was destroyed before it was sent'));
      return;
    }
    source.on('data', this.onData);
    source.on('end', this.onSourceEnd);
    source.on('error', this.onSourceError);
    source.on('close', this.onSourceClose);
  }

  resume(): void {
    if (!this.done) this.source.resume();
  }

  /** The client went away: the source is no longer needed. */
  abort(): void {
    if (this.done) return;
    this.detach();
    this.source.destroy();
  }

  private write(data: Uint8Array | string): void {
    if (this.done) return;
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (!(chunk instanceof Uint8Array)) {
      this.fail(new TypeError('the response body yielded something other than bytes'));
      return;
    }
    const bytes = chunk.byteLength;
    if (bytes === 0) return; // a zero-length chunk would end a chunked body
    const socket = this.exchange.conn.socket;
    coalesceWrites(socket);
    let ok: boolean;
    if (this.framing === FRAMING_CHUNKED) {
      socket.cork();
      socket.write(`${bytes.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write(CRLF, 'latin1');
      socket.uncork();
    } else {
      if (this.framing === FRAMING_LENGTH && this.sent + bytes > this.declared) {
        this.fail(
          new Error(`the response body runs past its content-length of ${this.declared} bytes`),
        );
        return;
      }
      ok = socket.write(chunk);
    }
    this.sent += bytes;
    if (this.onChunk !== undefined) {
      try {
        this.onChunk(bytes);
      } catch (err) {
        callbackFailed(err);
      }
    }
    if (!ok) this.source.pause();
  }

  private finish(): void {
    if (this.done) return;
    if (this.framing === FRAMING_LENGTH && this.sent !== this.declared) {
      this.fail(
        new Error(`the response body ended after ${this.sent} of its ${this.declared} bytes`),
      );
      return;
    }
    this.detach();
    const exchange = this.exchange;
    const conn = exchange.conn;
    exchange.pump = undefined;
    exchange.state = WRITTEN;
    conn.flushQueue.push(exchange);
    coalesceWrites(conn.socket);
    conn.socket.write(this.framing === FRAMING_CHUNKED ? LAST_CHUNK : EMPTY, conn.onFlushed);
    conn.responseWritten(exchange);
  }

  /** The client sees the cut; the caller hears why before the exchange ends. */
  private fail(err: Error): void {
    if (this.done) return;
    this.detach();
    if (!this.source.destroyed) this.source.destroy();
    const conn = this.exchange.conn;
    this.exchange.pump = undefined;
    releaseHeld(conn.socket);
    conn.socket.destroy();
    if (this.onBodyError !== undefined) {
      try {
        this.onBodyError(err);
      } catch (callbackErr) {
        callbackFailed(callbackErr);
      }
    }
    conn.teardown();
  }

  private detach(): void {
    this.done = true;
    const source = this.source;
    source.off('data', this.onData);
    source.off('end', this.onSourceEnd);
    source.off('error', this.onSourceError);
    source.off('close', this.onSourceClose);
    // A source that fails after it no longer matters must not become an unhandled 'error'.
    source.on('error', noop);
  }
}

// ---------------------------------------------------------------------------------------------
// Connections.

/** Why the socket is not being read: a body nobody reads, or a request held back. */
const PAUSED_FOR_BODY = 1;
const PAUSED_FOR_PIPELINE = 2;

type Held =
  | { readonly kind: 'request'; readonly exchange: Exchange }
  | { readonly kind: 'upgrade' | 'connect'; readonly request: H1Request }
  | {
      readonly kind: 'refuse';
      readonly status: number;
      readonly code: string;
      readonly reason: string;
    };

class Connection {
  readonly server: H1ServerImpl;
  readonly socket: Socket;
  parser: NativeParser | undefined;
  /** The exchange being served: from its headers until its response is written and its request read. */
  current: Exchange | undefined = undefined;
  /** The exchange whose request body the parser is in. */
  incoming: Exchange | undefined = undefined;
  /** What was parsed while `current` was busy, and the bytes after it. */
  held: Held | undefined = undefined;
  pending: Buffer | undefined = undefined;
  /** An upgrade or CONNECT to hand over once execute() returns with the bytes after it. */
  handoff: { kind: 'upgrade' | 'connect'; request: H1Request } | undefined = undefined;
  /** Header pairs flushed early (more than 32 of them) and the URL that came with them. */
  batchHeaders: string[] | undefined = undefined;
  batchUrl = '';
  messageStarted = false;
  executing = false;
  /** No request after the current one is served. */
  closing = false;
  /** Our side is ended: whatever the client still sends is dropped. */
  finished = false;
  /** Torn down or handed over. */
  dead = false;
  paused = 0;
  /** Exchanges whose last write is on its way, in write order. */
  readonly flushQueue: Exchange[] = [];
  private keepAliveTimer: NodeJS.Timeout | undefined = undefined;
  private headersTimer: NodeJS.Timeout | undefined = undefined;

  /** The last write of each response reports here; callbacks come in write order. */
  readonly onFlushed = (err?: Error | null): void => {
    this.flushQueue.shift()?.end(err == null);
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.finished || this.dead) return;
    if (this.pending !== undefined) {
      this.pending = Buffer.concat([this.pending, chunk]);
      return;
    }
    if (this.closing && this.incoming === undefined) return;
    this.execute(chunk);
  };

  private readonly onEnd = (): void => {
    // The client is done sending. Node's server and Envoy's codec take that as the client
    // leaving: an exchange still waiting for its response is aborted; a response already
    // written is flushed before our side ends. Ended by hand: a socket handed in through
    // emit('connection') may come from a server that allows half-open connections.
    if (this.dead) return;
    const current = this.current;
    if (current !== undefined && current.state !== WRITTEN) {
      this.destroy();
      return;
    }
    this.incoming?.abortBody();
    this.endSocket();
  };

  private readonly onClose = (): void => this.teardown();

  private readonly onDrain = (): void => {
    this.current?.pump?.resume();
    this.continue();
  };

  /** Idle past the keep-alive timeout, or ended by us and lingering: closed without a word. */
  private readonly onKeepAliveTimeout = (): void => {
    if (this.dead) return;
    if (!this.finished && this.busy()) return; // re-armed when the exchange is over
    if (this.flushQueue.length > 0 || this.socket.writableLength > 0) {
      this.keepAliveTimer?.refresh(); // the last response is still on its way to a slow reader
      return;
    }
    this.destroy();
  };

  private readonly onHeadersTimeout = (): void => {
    if (this.dead || this.finished || !this.messageStarted) return;
    this.messageStarted = false;
    this.refuse(
      this.current !== undefined,
      408,
      'ERR_HTTP_REQUEST_TIMEOUT',
      `request headers not received within ${this.server.limits.headersTimeoutMs} ms`,
    );
  };

  constructor(server: H1ServerImpl, socket: Socket) {
    this.server = server;
    this.socket = socket;
    this.parser = acquireParser(this, server.limits.maxHeaderBytes);
    // A duplex handed in through emit('connection') need not be TCP.
    if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onClose);
    socket.on('drain', this.onDrain);
    this.armKeepAlive();
    // As node:http: a connection must start its first request within the headers timeout; one
    // that never sends a byte is closed then, silently (a pre-connect, or a port scan).
    const first = this.server.limits.headersTimeoutMs;
    if (first > 0) this.firstByteTimer = setTimeout(this.onFirstByteTimeout, first).unref();
  }

  private firstByteTimer: NodeJS.Timeout | undefined = undefined;

  private readonly onFirstByteTimeout = (): void => {
    this.firstByteTimer = undefined;
    if (!this.dead && this.socket.bytesRead === 0) this.destroy();
  };

  /** No request in progress, none held, none begun, every response flushed. */
  isIdle(): boolean {
    return !this.busy() && this.flushQueue.length === 0;
  }

  private busy(): boolean {
    return this.current !== undefined || this.held !== undefined || this.messageStarted;
  }

  destroy(): void {
    if (this.dead) return;
    releaseHeld(this.socket);
    this.socket.destroy();
    this.teardown();
  }

  // --- parsing

  private execute(data: Buffer): void {
    const parser = this.parser;
    if (parser === undefined) return;
    let offset = 0;
    this.executing = true;
    try {
      for (;;) {
        const input = offset === 0 ? data : data.subarray(offset);
        const ret = parser.execute(input);
        if (this.dead) return;
        if (typeof ret === 'number') {
          offset += ret;
          // llhttp stops after a message that upgrades the connection (a held one included).
          if (this.held !== undefined) {
            this.hold(data.subarray(offset));
            break;
          }
          if (ret >= input.length || this.handoff !== undefined || this.closing) break;
          continue; // an Upgrade header with no upgrade handler: a plain request, parse on
        }
        if (ret.code === 'HPE_PAUSED') {
          offset += ret.bytesParsed;
          if (this.held !== undefined) this.hold(data.subarray(offset));
          break;
        }
        this.parseError(ret);
        break;
      }
    } catch (err) {
      // A parser callback threw (a bug here or in a handler escaping its guard): the connection
      // cannot be trusted to be in sync any more.
      callbackFailed(err);
      this.destroy();
      return;
    } finally {
      this.executing = false;
      if (this.dead && this.parser !== undefined) {
        this.parser = undefined;
        releaseParser(parser);
      }
    }
    const handoff = this.handoff;
    if (handoff !== undefined) {
      this.handoff = undefined;
      this.handOver(handoff.kind, handoff.request, data.subarray(offset));
    }
  }

  private hold(rest: Buffer): void {
    this.pending = rest;
    this.pause(PAUSED_FOR_PIPELINE);
  }

  messageBegin(): void {
    if (this.closing) return;
    this.messageStarted = true;
    const ms = this.server.limits.headersTimeoutMs;
    if (ms <= 0) return;
    if (this.headersTimer === undefined) {
      this.headersTimer = setTimeout(this.onHeadersTimeout, ms).unref();
    } else this.headersTimer.refresh();
  }

  headerBatch(rawHeaders: string[], url: string): void {
    if (this.batchHeaders === undefined) this.batchHeaders = rawHeaders;
    else for (const item of rawHeaders) this.batchHeaders.push(item);
    this.batchUrl += url;
  }

  headersComplete(
    versionMajor: number,
    versionMinor: number,
    headers: string[] | null | undefined,
    method: number,
    url: string | null | undefined,
    upgrade: boolean,
    keepAlive: boolean,
  ): number {
    if (this.dead || this.closing) return PARSE_PAUSE;
    this.messageStarted = false;
    let rawHeaders = headers ?? [];
    let target = url ?? '';
    if (this.batchHeaders !== undefined) {
      if (headers != null) for (const item of headers) this.batchHeaders.push(item);
      rawHeaders = this.batchHeaders;
      target = this.batchUrl + target;
      this.batchHeaders = undefined;
      this.batchUrl = '';
    }
    const busy = this.current !== undefined || this.socket.writableNeedDrain;
    const { limits, handlers } = this.server;
    if (rawHeaders.length > limits.maxHeaderCount * 2) {
      return this.refuse(
        busy,
        431,
        'HPE_HEADER_OVERFLOW',
        `too many request headers: more than ${limits.maxHeaderCount}`,
      );
    }
    if (versionMajor !== 1) {
      return this.refuse(
        busy,
        505,
        'HPE_INVALID_VERSION',
        `HTTP/${versionMajor}.${versionMinor} is not supported`,
      );
    }
    const name = METHODS[method];
    if (name === undefined) {
      return this.refuse(busy, 501, 'HPE_INVALID_METHOD', 'request method not supported');
    }
    const request: MutableRequest = {
      method: name,
      url: target,
      httpVersion: versionMinor === 0 ? '1.0' : '1.1',
      rawHeaders,
      socket: this.socket,
      body: undefined,
    };
    if (upgrade) {
      const connect = method === METHOD_CONNECT;
      if (connect ? handlers.connect : handlers.upgrade) {
        const kind = connect ? 'connect' : 'upgrade';
        if (busy) this.held = { kind, request };
        else this.handoff = { kind, request };
        return PARSE_UPGRADE;
      }
      if (connect) return this.refuse(busy, 405, 'ERR_CONNECT', 'CONNECT is not served here');
    }
    return this.requestHeaders(request, rawHeaders, method, versionMinor, keepAlive, busy);
  }

  private requestHeaders(
    request: MutableRequest,
    rawHeaders: readonly string[],
    method: number,
    versionMinor: number,
    keepAlive: boolean,
    busy: boolean,
  ): number {
    let length = 0;
    let transferEncoding: string | undefined;
    let expect = false;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      if (name.length === 14) {
        if (name.toLowerCase() === 'content-length') length = Number(rawHeaders[i + 1]);
      } else if (name.length === 17) {
        if (name.toLowerCase() === 'transfer-encoding') transferEncoding = rawHeaders[i + 1];
      } else if (name.length === 6 && name.toLowerCase() === 'expect') {
        expect = CONTINUE_EXPECTATION.test(rawHeaders[i + 1]!);
      }
    }
    if (transferEncoding !== undefined && !CHUNKED_LAST.test(transferEncoding)) {
      // llhttp rejects it too, but only after this callback: refuse before a handler sees it.
      return this.refuse(
        busy,
        400,
        'HPE_INVALID_TRANSFER_ENCODING',
        'malformed HTTP request: HPE_INVALID_TRANSFER_ENCODING: Request has invalid `Transfer-Encoding`',
      );
    }
    const bodyLength = transferEncoding !== undefined ? -1 : length;
    const exchange = new Exchange(
      this,
      request,
      keepAlive,
      method === METHOD_HEAD,
      bodyLength,
      expect && versionMinor === 1 && bodyLength !== 0,
    );
    if (busy) {
      this.held = { kind: 'request', exchange };
      return PARSE_PAUSE;
    }
    this.dispatch(exchange);
    return this.dead ? PARSE_PAUSE : PARSE_ON;
  }

  body(chunk: Buffer): void {
    const exchange = this.incoming;
    if (exchange === undefined) return;
    exchange.received += chunk.length;
    if (exchange.discarding) {
      exchange.discardBudget -= chunk.length;
      if (exchange.discardBudget < 0) this.endSocket();
      return;
    }
    const body = exchange.request.body;
    if (body === undefined || body.destroyed) return;
    if (!body.push(chunk)) this.pause(PAUSED_FOR_BODY);
  }

  messageComplete(): void {
    const exchange = this.incoming;
    if (exchange === undefined) return;
    this.incoming = undefined;
    exchange.requestComplete = true;
    const body = exchange.request.body;
    if (body !== undefined && !body.destroyed) body.push(null);
    // Every body byte has been handed over: what a slow reader has not taken is buffered already.
    this.resumeSocket(PAUSED_FOR_BODY);
    if (exchange.state === WRITTEN) this.exchangeDone(exchange);
  }

  private parseError(err: ParserError): void {
    const { limits } = this.server;
    const overflow = err.code === 'HPE_HEADER_OVERFLOW';
    const status = overflow ? 431 : 400;
    const reason = overflow
      ? `request headers exceed the limit of ${Math.round(limits.maxHeaderBytes / 1024)} KiB`
      : `malformed HTTP request: ${err.code}: ${err.reason ?? err.message}`;
    const broken = this.incoming;
    if (broken !== undefined) {
      // The request being served is the malformed one (bad chunk framing): it is over.
      this.incoming = undefined;
      if (broken.state !== AWAITING) {
        this.destroy();
        return;
      }
      this.current = undefined;
      broken.abort();
    }
    this.refuse(this.current !== undefined, status, err.code, reason);
  }

  /** A request the codec answers itself; after the current response when one is under way. */
  private refuse(busy: boolean, status: number, code: string, reason: string): number {
    this.closing = true;
    if (busy) {
      this.held = { kind: 'refuse', status, code, reason };
      this.pause(PAUSED_FOR_PIPELINE);
    } else this.replyError(status, code, reason);
    return PARSE_PAUSE;
  }

  private replyError(status: number, code: string, reason: string): void {
    this.closing = true;
    const report = this.server.handlers.protocolError;
    if (report !== undefined) {
      try {
        report({ status, code, reason, remoteAddress: this.socket.remoteAddress });
      } catch (err) {
        callbackFailed(err);
      }
    }
    if (this.dead || this.finished) return;
    this.socket.write(renderReply(status, reason, this.server.localReplyFor));
    this.endSocket();
  }

  // --- exchanges

  private dispatch(exchange: Exchange): void {
    this.current = exchange;
    this.incoming = exchange;
    try {
      this.server.handlers.request(exchange);
    } catch (err) {
      this.handlerFailed(exchange, err);
    }
  }

  private handlerFailed(exchange: Exchange, err: unknown): void {
    if (exchange.ended || this.dead || exchange.state !== AWAITING) {
      callbackFailed(err);
      // A response cut halfway cannot be finished by anyone now; a complete one stands.
      if (exchange.state === STREAMING && !this.dead) this.destroy();
      return;
    }
    const reason = `request handler failed: ${err instanceof Error ? err.message : String(err)}`;
    const report = this.server.handlers.protocolError;
    try {
      report?.({
        status: 500,
        code: 'ERR_HANDLER',
        reason,
        remoteAddress: this.socket.remoteAddress,
      });
    } catch (reportErr) {
      callbackFailed(reportErr);
    }
    exchange.closeRequested = true;
    try {
      exchange.respond(500, DEFAULT_REPLY_HEADERS, Buffer.from(`${reason}\n`));
    } catch {
      this.destroy();
    }
  }

  /** Whether this response closes the connection; decided when its head is written. */
  closeAfter(exchange: Exchange, closeAsked: boolean): boolean {
    if (
      closeAsked ||
      this.closing ||
      exchange.closeRequested ||
      !exchange.keepAlive ||
      this.server.draining ||
      exchange.bodyWouldStall()
    ) {
      this.closing = true;
    }
    return this.closing;
  }

  /** The response's last byte is written (not necessarily flushed). */
  responseWritten(exchange: Exchange): void {
    if (this.dead) return;
    if (exchange.requestComplete) {
      this.exchangeDone(exchange);
      return;
    }
    if (exchange.bodyLength === 0) return; // its message completes in this same parse
    // The handler is done with a body still coming in: drop a small rest, close on a large one.
    const body = exchange.request.body;
    if (body !== undefined && !body.destroyed) body.destroy();
    const remaining =
      exchange.bodyLength < 0 ? DISCARD_LIMIT : exchange.bodyLength - exchange.received;
    if (this.closing || remaining > DISCARD_LIMIT) {
      this.endSocket();
      return;
    }
    exchange.discarding = true;
    exchange.discardBudget = DISCARD_LIMIT;
    this.resumeSocket(PAUSED_FOR_BODY);
  }

  private exchangeDone(exchange: Exchange): void {
    if (this.current !== exchange) return;
    this.current = undefined;
    if (this.dead) return;
    if (this.held !== undefined) {
      this.continue();
      return;
    }
    if (this.closing || this.server.draining) {
      this.endSocket();
      return;
    }
    this.armKeepAlive();
  }

  /** Serves what was held back, once nothing is in progress and the socket can take more. */
  private continue(): void {
    if (this.dead || this.executing || this.current !== undefined) return;
    if (this.socket.writableNeedDrain) return; // 'drain' calls back
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    const rest = this.pending ?? EMPTY;
    this.pending = undefined;
    switch (held.kind) {
      case 'refuse':
        this.replyError(held.status, held.code, held.reason);
        return;
      case 'upgrade':
      case 'connect':
        this.handOver(held.kind, held.request, rest);
        return;
      case 'request':
        this.dispatch(held.exchange);
        if (this.dead || this.parser === undefined) return;
        // The parser stopped right after this request's headers: its body (if any) and what
        // follows are in `rest`; an empty rest still lets llhttp finish the message.
        this.parser.resume();
        this.execute(rest);
        if (this.held === undefined) this.resumeSocket(PAUSED_FOR_PIPELINE);
    }
  }

  private handOver(kind: 'upgrade' | 'connect', request: H1Request, head: Buffer): void {
    const socket = this.socket;
    this.detach();
    // Not flowing, not explicitly paused: the new owner's 'data' listener or pipe() starts it,
    // and nothing arriving meanwhile is lost (what node:http does before its 'upgrade' event).
    (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
    const handler =
      kind === 'connect' ? this.server.handlers.connect : this.server.handlers.upgrade;
    try {
      handler!(request, socket, head);
    } catch (err) {
      callbackFailed(err);
      socket.destroy();
    }
  }

  /** The socket leaves the codec (an upgrade): no listener, timer or parser of ours stays. */
  private detach(): void {
    this.dead = true;
    this.server.live.delete(this);
    this.clearTimers();
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', this.onClose);
    socket.off('drain', this.onDrain);
    if (!this.executing && this.parser !== undefined) {
      releaseParser(this.parser);
      this.parser = undefined;
    }
  }

  // --- socket state

  pause(reason: number): void {
    if (this.paused === 0) this.socket.pause();
    this.paused |= reason;
  }

  resumeSocket(reason: number): void {
    if ((this.paused & reason) === 0) return;
    this.paused &= ~reason;
    if (this.paused === 0 && !this.dead) this.socket.resume();
  }

  /** Ends our side after what is written; the client's FIN (or the keep-alive timer) closes. */
  endSocket(): void {
    this.closing = true;
    if (this.finished || this.dead) return;
    this.finished = true;
    this.held = undefined;
    this.pending = undefined;
    this.socket.end();
    // Reading on (and dropping) lets a client still sending see our reply rather than a reset.
    this.paused = 0;
    this.socket.resume();
    this.armKeepAlive();
  }

  private armKeepAlive(): void {
    const ms = this.server.limits.keepAliveTimeoutMs;
    if (ms <= 0) return;
    if (this.keepAliveTimer === undefined) {
      this.keepAliveTimer = setTimeout(this.onKeepAliveTimeout, ms).unref();
    } else this.keepAliveTimer.refresh();
  }

  private clearTimers(): void {
    if (this.firstByteTimer !== undefined) clearTimeout(this.firstByteTimer);
    if (this.keepAliveTimer !== undefined) clearTimeout(this.keepAliveTimer);
    if (this.headersTimer !== undefined) clearTimeout(this.headersTimer);
  }

  /** The connection is gone: everything in progress ends unfinished. */
  teardown(): void {
    if (this.dead) return;
    this.dead = true;
    this.server.live.delete(this);
    this.clearTimers();
    if (!this.socket.destroyed) {
      releaseHeld(this.socket);
      this.socket.destroy();
    }
    const current = this.current;
    const incoming = this.incoming;
    this.current = undefined;
    this.incoming = undefined;
    this.held = undefined;
    this.pending = undefined;
    incoming?.abortBody();
    current?.abort();
    for (const exchange of this.flushQueue.splice(0)) exchange.end(false);
    if (!this.executing && this.parser !== undefined) {
      releaseParser(this.parser);
      this.parser = undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------

class H1ServerImpl extends Server implements H1Server {
  /** Open connections (net.Server's `connections` is its deprecated count). */
  readonly live = new Set<Connection>();
  /** After close(): connections still serving close once their current response is written. */
  draining = false;
  readonly limits: H1ServerLimits;
  readonly handlers: H1ServerHandlers;
  readonly localReplyFor: LocalReplyRenderer | undefined;

  constructor(
    limits: H1ServerLimits,
    handlers: H1ServerHandlers,
    localReplyFor: LocalReplyRenderer | undefined,
  ) {
    super({ noDelay: true });
    this.limits = limits;
    this.handlers = handlers;
    this.localReplyFor = localReplyFor;
    this.on('connection', (socket: Socket) => {
      if (socket.destroyed) return;
      this.live.add(new Connection(this, socket));
    });
  }

  override close(callback?: (err?: Error) => void): this {
    super.close(callback);
    // As node:http in Node 20: stop accepting and close the connections nobody is using.
    this.draining = true;
    this.closeIdleConnections();
    return this;
  }

  closeIdleConnections(): void {
    for (const conn of this.live) if (conn.isIdle()) conn.destroy();
  }

  closeAllConnections(): void {
    for (const conn of this.live) conn.destroy();
  }
}
