// A lean HTTP/1.1 connection pool to one upstream endpoint, on raw node:net sockets. undici's
// Pool cost ~20 µs of CPU per request in the hop profile; this does the same job with one parser
// per socket (Node's own llhttp, see llhttp.ts: the parser node:http uses, strict against
// response smuggling), the request head written as one string, and the small-response fast path
// that answers with a Buffer and never builds a stream. Per request it allocates the exchange
// record, the promise the caller awaits and the response; listeners live on the connection, and
// the exchange itself is the abort listener (handleEvent), so nothing is bound per request or
// per chunk.
//
// One exchange runs on a connection at a time (no pipelining). A connection goes back to the
// pool only when the request was fully written, the response fully read, llhttp says the
// response allows keep-alive, and the request was not its last; anything else closes it.
// Response trailers are parsed by llhttp and dropped: nothing downstream forwards them.
//
// Errors carry a `code` for the caller to classify: Node's own for a failed connect
// (ECONNREFUSED, ...), MESH_CONNECT_TIMEOUT, MESH_UPSTREAM_RESET (the connection closed or reset
// before the response was complete), HPE_* (a malformed response), MESH_INVALID_HEADER and
// MESH_INVALID_REQUEST (refused before anything is written), MESH_CONTENT_LENGTH_MISMATCH (a
// stream body disagreeing with its content-length), MESH_POOL_CLOSED, MESH_POOL_DESTROYED. An
// abort rejects with the signal's reason.
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import {
  createResponseParser,
  type LlhttpError,
  type ResponseParser,
  type ResponseParserHandler,
} from './llhttp.js';
import type { AbortSignalLike } from '../abort.js';
import { coalesceWrites, releaseHeld } from '../http/turn-writes.js';

export interface H1PoolOptions {
  /** TCP connect timeout, ms; 0 = none. */
  readonly connectTimeoutMs: number;
  /** Idle keep-alive connections are closed after this many ms; 0 closes them as they go idle. */
  readonly keepAliveTimeoutMs: number;
  /**
   * Upper bound for the server's `Keep-Alive: timeout=N` hint. As in undici, a response with the
   * hint sets the connection's idle time to N s minus 1 s (the margin for a server closing it just
   * as a request goes out), capped here; a hint of 1 s or less leaves no safe idle time, so the
   * connection closes after that response. Default keepAliveTimeoutMs: the hint only shortens.
   */
  readonly keepAliveMaxTimeoutMs?: number;
  /** Envoy's max_requests_per_connection: this many requests on one connection, then it is closed. 0/undefined = unlimited. */
  readonly maxRequestsPerConnection?: number;
  /** Most connections open at once; further requests wait FIFO. 0/undefined = unlimited. */
  readonly maxConnections?: number;
  /** For tests: how a connection is opened (default net.connect with noDelay). */
  readonly connect?: (host: string, port: number) => Socket;
}

export interface H1Request {
  readonly method: string;
  readonly path: string;
  /**
   * Lower-case names; must include `host`. Repeated values as arrays. Written in the given order.
   * The pool owns the framing and connection headers: content-length (except a stream body's
   * declared length), transfer-encoding and connection given here are dropped.
   */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** Names in `headers` not to send (a proxy's hop-by-hop set), skipped while the head is written. */
  readonly omit?: { has(name: string): boolean };
  /** Written after `headers`, in place of any of the same name there (e.g. the host). */
  readonly set?: Readonly<Record<string, string>>;
  /** null = no body. Bytes are sent with content-length. A stream is sent with the request's content-length header if it has one, else chunked. */
  readonly body: Readable | Uint8Array | null;
  readonly signal?: AbortSignalLike;
  /** Close the connection after this request (one request per connection). */
  readonly reset?: boolean;
}

export interface H1Response {
  readonly statusCode: number;
  /** Lower-case names (a null-prototype record); a repeated header is an array of its values in order. */
  readonly headers: Record<string, string | string[]>;
  /** The whole body as a Buffer when it had arrived by the time the headers were parsed (the common small-response case: no stream is created); otherwise a Readable that streams it with backpressure. */
  readonly body: Buffer | Readable;
}

export interface H1PoolStats {
  /** Open sockets, busy (including connecting) or idle. */
  readonly connected: number;
  readonly busy: number;
  readonly idle: number;
  /** Requests waiting for a connection. */
  readonly pending: number;
}

type CodedError = Error & { code: string };

const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 field-value: HTAB, SP, VCHAR, obs-text. Besides CR, LF and NUL this refuses code
// points above U+00FF, which the latin1 encoding of the head would truncate to a byte (U+010A
// would become LF).
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
// As node:http: no controls, no space, nothing latin1 cannot encode.
const INVALID_PATH = /[^\u0021-\u00ff]/;
const DIGITS = /^\d{1,15}$/;
const KEEP_ALIVE_TIMEOUT = /timeout\s*=\s*(\d+)/i;
/** What undici keeps back from the server's Keep-Alive hint. */
const KEEP_ALIVE_MARGIN_MS = 1000;
const EMPTY = Buffer.alloc(0);
const ONCE = { once: true } as const;
/** Methods whose requests carry a body: sent with content-length: 0 when there is none. */
const PAYLOAD_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);
/** The pool writes these itself; `set` may not. */
const FRAMING: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection']);

export class H1Pool {
  readonly #core: PoolCore;

  constructor(host: string, port: number, options: H1PoolOptions) {
    this.#core = new PoolCore(host, port, options);
  }

  request(req: H1Request): Promise<H1Response> {
    return this.#core.request(req);
  }

  get stats(): H1PoolStats {
    return this.#core.stats();
  }

  /** close() or destroy() was called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /** destroy() was called. */
  get destroyed(): boolean {
    return this.#core.destroyed;
  }

  /**
   * No new requests (request() rejects); queued and in-flight ones finish, response bodies
   * included; idle sockets close now, busy ones when done. Resolves when every socket is closed.
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  /** Destroys every socket now: queued and in-flight requests, and their bodies, fail. */
  destroy(err?: Error): Promise<void> {
    return this.#core.destroy(err);
  }
}

/** The pool's state, shared with its connections and exchanges (H1Pool is its public face). */
class PoolCore {
  readonly host: string;
  readonly port: number;
  readonly where: string;
  readonly connectTimeoutMs: number;
  readonly maxRequests: number;
  readonly #keepAliveMs: number;
  readonly #keepAliveMaxMs: number;
  readonly #maxConnections: number;
  readonly #connect: (host: string, port: number) => Socket;
  /** Every connection not yet retired, busy or idle. */
  readonly #connections = new Set<Connection>();
  /** Most recently used last. */
  readonly #idle: Connection[] = [];
  readonly #pending: Exchange[] = [];
  /** Sockets whose 'close' has not fired yet: what close() waits for. */
  #sockets = 0;
  closed = false;
  destroyed = false;
  #closeWaiters: (() => void)[] = [];
  #sweepTimer: NodeJS.Timeout | null = null;
  #sweepAt = Infinity;

  constructor(host: string, port: number, options: H1PoolOptions) {
    this.host = host;
    this.port = port;
    this.where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.maxRequests = options.maxRequestsPerConnection ?? 0;
    this.#keepAliveMs = options.keepAliveTimeoutMs;
    this.#keepAliveMaxMs = options.keepAliveMaxTimeoutMs ?? options.keepAliveTimeoutMs;
    this.#maxConnections = options.maxConnections ?? 0;
    this.#connect = options.connect ?? connectNoDelay;
  }

  stats(): H1PoolStats {
    const connected = this.#connections.size;
    const idle = this.#idle.length;
    return { connected, busy: connected - idle, idle, pending: this.#pending.length };
  }

  request(req: H1Request): Promise<H1Response> {
    if (this.closed)
      return Promise.reject(codedError('MESH_POOL_CLOSED', `the pool to ${this.where} is closed`));
    const signal = req.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let exchange: Exchange;
    try {
      exchange = new Exchange(this, req, requestHead(req));
    } catch (err) {
      return Promise.reject(err);
    }
    const promise = new Promise<H1Response>((resolve, reject) => {
      exchange.resolve = resolve;
      exchange.reject = reject;
    });
    signal?.addEventListener('abort', exchange, ONCE);
    const conn = this.#idle.pop();
    if (conn !== undefined) {
      conn.socket.ref();
      conn.assign(exchange, true);
    } else if (this.#hasRoom()) this.#open(exchange);
    else this.#pending.push(exchange);
    return promise;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const conn of this.#idle.splice(0)) conn.destroy();
    }
    return this.#drained();
  }

  destroy(err: Error | undefined): Promise<void> {
    if (!this.destroyed) {
      this.closed = true;
      this.destroyed = true;
      const reason =
        err ?? codedError('MESH_POOL_DESTROYED', `the pool to ${this.where} was destroyed`);
      for (const exchange of this.#pending.splice(0)) exchange.fail(reason);
      this.#idle.length = 0;
      for (const conn of [...this.#connections]) conn.abort(reason);
    }
    return this.#drained();
  }

  /** A connection finished an exchange and may take another. */
  release(conn: Connection): void {
    const next = this.#pending.shift();
    if (next !== undefined) {
      conn.assign(next, true);
      return;
    }
    if (this.closed || conn.idleMs <= 0) {
      conn.destroy();
      return;
    }
    conn.idleDeadline = Date.now() + conn.idleMs;
    conn.socket.unref();
    this.#idle.push(conn);
    this.#armSweep(conn.idleDeadline);
  }

  /** A connection is gone (or going): its slot is free for the queue. */
  retire(conn: Connection): void {
    if (!this.#connections.delete(conn)) return;
    const at = this.#idle.lastIndexOf(conn);
    if (at >= 0) this.#idle.splice(at, 1);
    this.#drainQueue();
  }

  socketClosed(): void {
    this.#sockets--;
    this.#checkDrained();
  }

  /** The idle-close race: the request goes again, first in line, on a new connection. */
  retry(exchange: Exchange): void {
    if (this.destroyed) {
      exchange.fail(codedError('MESH_POOL_DESTROYED', `the pool to ${this.where} was destroyed`));
      return;
    }
    this.#pending.unshift(exchange);
    this.#drainQueue();
  }

  /** An aborted request that was still waiting for a connection. */
  dequeue(exchange: Exchange): void {
    const at = this.#pending.indexOf(exchange);
    if (at >= 0) this.#pending.splice(at, 1);
    this.#checkDrained();
  }

  /** The idle time a response leaves its connection, from its Keep-Alive hint; 0 = none. */
  idleTimeFor(keepAliveHeader: string | string[] | undefined): number {
    if (typeof keepAliveHeader !== 'string') return this.#keepAliveMs;
    const match = KEEP_ALIVE_TIMEOUT.exec(keepAliveHeader);
    if (match === null) return this.#keepAliveMs;
    const hinted = Number(match[1]) * 1000 - KEEP_ALIVE_MARGIN_MS;
    return Math.max(0, Math.min(hinted, this.#keepAliveMaxMs));
  }

  #hasRoom(): boolean {
    return this.#maxConnections <= 0 || this.#connections.size < this.#maxConnections;
  }

  #drainQueue(): void {
    while (this.#pending.length > 0 && this.#hasRoom()) this.#open(this.#pending.shift()!);
  }

  #open(exchange: Exchange): void {
    let socket: Socket;
    try {
      socket = this.#connect(this.host, this.port);
    } catch (err) {
      exchange.fail(err);
      return;
    }
    const conn = new Connection(this, socket);
    this.#connections.add(conn);
    this.#sockets++;
    conn.assign(exchange, false);
  }

  // One timer per pool, armed for the earliest idle deadline, rather than one per idle period.
  #armSweep(deadline: number): void {
    if (this.#sweepTimer !== null) {
      if (this.#sweepAt <= deadline) return;
      clearTimeout(this.#sweepTimer);
    }
    this.#sweepAt = deadline;
    this.#sweepTimer = setTimeout(this.#sweep, Math.max(1, deadline - Date.now()));
    this.#sweepTimer.unref();
  }

  readonly #sweep = (): void => {
    this.#sweepTimer = null;
    this.#sweepAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const conn of [...this.#idle]) {
      if (conn.idleDeadline <= now) conn.destroy();
      else next = Math.min(next, conn.idleDeadline);
    }
    if (next !== Infinity) this.#armSweep(next);
  };

  #drained(): Promise<void> {
    if (this.#isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  #isDrained(): boolean {
    return this.#sockets === 0 && this.#pending.length === 0;
  }

  #checkDrained(): void {
    if (!this.closed || !this.#isDrained() || this.#closeWaiters.length === 0) return;
    for (const resolve of this.#closeWaiters.splice(0)) resolve();
  }
}

// Reads from upstream sockets land in one process-wide buffer (net's `onread`) instead of a fresh
// 64 KiB allocation per read wrapped in a Buffer and pushed through a Readable: that was ~5% of
// the proxy's CPU per request. The parser consumes each read before the next one can arrive (the
// callback is synchronous), and Node's parser hands body bytes over as copies of their own, so
// nothing keeps a view of the buffer (the pool's large-body test checks every byte).
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const READER = Symbol('mesh.h1pool.reader');

interface SharedReadSocket extends Socket {
  [READER]?: (chunk: Buffer) => void;
}

// Node calls it with the socket as `this`. True: reading goes on unless the connection paused
// the socket itself (backpressure from a streamed body).
function onSharedRead(this: unknown, nread: number, buf: Uint8Array): boolean {
  (this as SharedReadSocket)[READER]?.((buf as Buffer).subarray(0, nread));
  return true;
}

/** The default connector: TCP_NODELAY, reads through the shared buffer. */
export function connectNoDelay(host: string, port: number): Socket {
  const socket: SharedReadSocket = connect({
    host,
    port,
    noDelay: true,
    onread: { buffer: SHARED_READ_BUFFER, callback: onSharedRead },
  });
  // Marked so the connection knows its reads come through the callback, not 'data'.
  socket[READER] = IGNORE_READ;
  return socket;
}

function IGNORE_READ(): void {}

/** One request and its response, from request() until the response body's last byte. */
class Exchange {
  readonly pool: PoolCore;
  readonly head: string;
  readonly body: Readable | Uint8Array | null;
  /** A stream body's content-length, or -1 for chunked. */
  readonly declaredLength: number;
  readonly signal: AbortSignalLike | undefined;
  readonly reset: boolean;
  readonly isHead: boolean;
  resolve!: (response: H1Response) => void;
  reject!: (err: unknown) => void;
  conn: Connection | null = null;
  retried = false;
  /** Resolved or rejected: the caller has its answer. */
  settled = false;
  requestDone = false;
  /** Skipping a 1xx response. */
  informational = false;
  /** The final response's headers are parsed. */
  headersDone = false;
  responseDone = false;
  /** Inside the execute() call that completed the headers: body chunks are collected. */
  collecting = false;
  chunks: Buffer[] | null = null;
  rawBatch: string[] | null = null;
  statusCode = 0;
  headers: Record<string, string | string[]> | null = null;
  keepAlive = false;
  bodyBytes = 0;
  stream: ResponseBody | null = null;

  constructor(pool: PoolCore, req: H1Request, head: RequestHead) {
    this.pool = pool;
    this.head = head.text;
    this.body = req.body;
    this.declaredLength = head.declaredLength;
    this.signal = req.signal;
    this.reset = req.reset === true;
    this.isHead = req.method === 'HEAD';
  }

  /** The abort listener (an EventListener object, so no closure per request). */
  handleEvent(): void {
    const reason: unknown = this.signal?.reason;
    if (this.conn !== null) this.conn.abort(reason);
    else if (!this.settled) {
      this.pool.dequeue(this);
      this.fail(reason);
    }
  }

  succeed(response: H1Response): void {
    this.settled = true;
    this.resolve(response);
  }

  /** Rejects the request, or fails its response body if the caller already has it. */
  fail(err: unknown): void {
    this.end();
    if (!this.settled) {
      this.settled = true;
      this.reject(err);
      return;
    }
    const stream = this.stream;
    if (stream !== null) {
      this.stream = null;
      stream.conn = null;
      stream.destroy(err instanceof Error ? err : undefined);
    }
  }

  end(): void {
    this.signal?.removeEventListener('abort', this);
  }
}

/** A response body that did not arrive with its headers. */
class ResponseBody extends Readable {
  /** Null once the body is complete (or failed): the connection is no longer this body's. */
  conn: Connection | null;

  constructor(conn: Connection) {
    super();
    this.conn = conn;
  }

  override _read(): void {
    this.conn?.resumeReading();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const conn = this.conn;
    if (conn !== null) {
      this.conn = null;
      // The rest of the body is still on the wire: the connection cannot be reused.
      conn.bodyDestroyed();
    }
    // As node:http's IncomingMessage: a failure nobody listens for yet closes the body rather
    // than crashing the process with an unhandled 'error'; `errored` still tells a late reader.
    callback(this.listenerCount('error') > 0 ? err : null);
  }
}

/** One socket, its parser, and the exchange it is carrying, if any. */
class Connection implements ResponseParserHandler {
  readonly pool: PoolCore;
  readonly socket: Socket;
  readonly #parser: ResponseParser;
  exchange: Exchange | null = null;
  /** Idle time after the current response, from its Keep-Alive hint. */
  idleMs = 0;
  idleDeadline = 0;
  #requests = 0;
  #connected = false;
  #retired = false;
  /** Not to be reused: the last request, an unsolicited or malformed byte, an early response. */
  #spent = false;
  /** The current exchange came from the idle list (the idle-close race applies). */
  #reused = false;
  /** A byte of the current exchange's response has arrived. */
  #answered = false;
  #paused = false;
  #socketError: Error | null = null;
  /** A reason to fail, found by a parser callback, acted on once execute() returns. */
  #protocolError: Error | null = null;
  #connectTimer: NodeJS.Timeout | null = null;
  #pump: BodyPump | null = null;

  constructor(pool: PoolCore, socket: Socket) {
    this.pool = pool;
    this.socket = socket;
    this.#parser = createResponseParser(this);
    // A TLS connection is up once its handshake is: a failed handshake is a connect failure.
    socket.on('encrypted' in socket ? 'secureConnect' : 'connect', this.#onConnect);
    const shared = socket as SharedReadSocket;
    if (shared[READER] !== undefined) shared[READER] = this.#onData;
    else socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
    const timeout = pool.connectTimeoutMs;
    if (timeout > 0) this.#connectTimer = setTimeout(this.#onConnectTimeout, timeout);
  }

  /** Takes an exchange; writes it now if connected, else on connect. */
  assign(exchange: Exchange, reused: boolean): void {
    this.exchange = exchange;
    exchange.conn = this;
    this.#reused = reused;
    this.#answered = false;
    if (this.#connected) this.#send(exchange);
  }

  /** Closes the connection; any exchange on it must already be detached or failed. */
  destroy(): void {
    this.#retire();
    releaseHeld(this.socket);
    this.socket.destroy();
  }

  /** Fails the exchange on this connection (abort, pool destroy) and closes it. */
  abort(reason: unknown): void {
    const exchange = this.exchange;
    if (exchange !== null) this.#fail(exchange, reason);
    else this.destroy();
  }

  resumeReading(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.socket.resume();
  }

  /** The caller destroyed the body mid-way: the rest is still on the wire, so the socket goes. */
  bodyDestroyed(): void {
    const exchange = this.exchange;
    if (exchange === null) return;
    exchange.stream = null;
    this.#detach(exchange);
    this.destroy();
    exchange.end();
  }

  // Parser callbacks: they run inside execute() or finish(), so they only record; onData and
  // onEnd act once the parser has returned (nothing writes or re-dispatches mid-parse).

  onMessageBegin(): void {
    const exchange = this.exchange;
    if (exchange === null || exchange.responseDone) {
      this.#protocolError ??= codedError(
        'HPE_UNEXPECTED_RESPONSE',
        `upstream ${this.pool.where} sent a response no request was waiting for`,
      );
    }
  }

  onHeaders(rawHeaders: string[]): void {
    const exchange = this.exchange;
    if (exchange === null || exchange.responseDone) return;
    exchange.rawBatch =
      exchange.rawBatch === null ? rawHeaders : exchange.rawBatch.concat(rawHeaders);
  }

  onHeadersComplete(
    statusCode: number,
    rawHeaders: string[] | undefined,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number {
    const exchange = this.exchange;
    if (exchange === null || exchange.responseDone) return 1;
    if (upgrade) {
      // Only a 101 answering an Upgrade request is one; this pool never sends those. An HPE_
      // code so that callers classify it with the parse errors.
      this.#protocolError ??= codedError(
        'HPE_UNEXPECTED_UPGRADE',
        `upstream ${this.pool.where} switched protocols (${statusCode}) without being asked to`,
      );
      return 1;
    }
    if (statusCode < 200) {
      // 100 Continue, 103 Early Hints: informational, the final response follows.
      exchange.rawBatch = null;
      exchange.informational = true;
      return 1;
    }
    const batch = exchange.rawBatch;
    exchange.rawBatch = null;
    const raw = batch === null ? (rawHeaders ?? []) : rawHeaders ? batch.concat(rawHeaders) : batch;
    const headers = headerRecord(raw);
    exchange.statusCode = statusCode;
    exchange.headers = headers;
    exchange.keepAlive = shouldKeepAlive;
    exchange.headersDone = true;
    exchange.collecting = true;
    this.idleMs = this.pool.idleTimeFor(headers['keep-alive']);
    return exchange.isHead ? 1 : 0;
  }

  onBody(chunk: Buffer): void {
    const exchange = this.exchange;
    if (exchange === null || !exchange.headersDone || exchange.responseDone) return;
    exchange.bodyBytes += chunk.length;
    if (exchange.collecting) {
      if (exchange.chunks === null) exchange.chunks = [chunk];
      else exchange.chunks.push(chunk);
    } else if (exchange.stream !== null && !exchange.stream.push(chunk)) this.#pause();
  }

  onMessageComplete(): void {
    const exchange = this.exchange;
    if (exchange === null || exchange.responseDone) return;
    if (exchange.informational) {
      exchange.informational = false;
      return;
    }
    if (!exchange.headersDone) return;
    exchange.responseDone = true;
    if (!exchange.collecting) exchange.stream?.push(null);
  }

  readonly #onConnect = (): void => {
    this.#connected = true;
    this.#clearConnectTimer();
    const exchange = this.exchange;
    if (exchange !== null) this.#send(exchange);
  };

  readonly #onConnectTimeout = (): void => {
    this.#connectTimer = null;
    this.socket.destroy(
      codedError(
        'MESH_CONNECT_TIMEOUT',
        `connect timeout after ${this.pool.connectTimeoutMs} ms (${this.pool.where})`,
      ),
    );
  };

  readonly #onData = (chunk: Buffer): void => {
    const exchange = this.exchange;
    if (exchange === null) {
      // Nothing was asked: whatever this is, the connection can no longer be trusted.
      this.destroy();
      return;
    }
    this.#answered = true;
    const ret = this.#parser.execute(chunk);
    if (this.exchange !== exchange) return; // failed from a callback (the body was destroyed)
    const failure =
      typeof ret === 'number' ? this.#protocolError : parseError(ret, this.pool.where);
    if (failure !== null) this.#spent = true;
    if (exchange.responseDone) {
      // A complete response stands even if garbage followed it; the connection does not.
      if (exchange.collecting) this.#deliver(exchange);
      this.#complete(exchange);
    } else if (failure !== null) this.#fail(exchange, failure);
    else if (exchange.collecting) this.#deliver(exchange);
  };

  readonly #onEnd = (): void => {
    const exchange = this.exchange;
    if (exchange === null) {
      this.destroy();
      return;
    }
    this.#spent = true;
    if (exchange.headersDone) {
      // A close-delimited body ends here; a framed one cut short makes finish() fail.
      this.#parser.finish();
      if (this.exchange !== exchange) return;
      if (exchange.responseDone) {
        this.#complete(exchange);
        return;
      }
    }
    this.#lost(exchange);
  };

  readonly #onError = (err: Error): void => {
    // 'close' follows and decides; keeping the first error gives it the cause.
    this.#socketError ??= err;
  };

  readonly #onClose = (): void => {
    this.#clearConnectTimer();
    const exchange = this.exchange;
    if (exchange !== null) this.#lost(exchange);
    this.#retire();
    this.#parser.close();
    this.pool.socketClosed();
  };

  readonly #onDrain = (): void => {
    this.#pump?.drained();
  };

  #send(exchange: Exchange): void {
    this.#requests++;
    const max = this.pool.maxRequests;
    const last = exchange.reset || (max > 0 && this.#requests >= max);
    if (last) this.#spent = true;
    const head = last ? exchange.head + 'connection: close\r\n\r\n' : exchange.head + '\r\n';
    const body = exchange.body;
    const socket = this.socket;
    coalesceWrites(socket);
    if (body === null) {
      socket.write(head, 'latin1');
      exchange.requestDone = true;
    } else if (body instanceof Uint8Array) {
      socket.cork();
      socket.write(head, 'latin1');
      if (body.length > 0) socket.write(body);
      socket.uncork();
      exchange.requestDone = true;
    } else {
      socket.write(head, 'latin1');
      this.#pump = new BodyPump(this, exchange, body);
      this.#pump.start();
    }
  }

  /** Resolves the request once the headers are in: with a Buffer if the body is too. */
  #deliver(exchange: Exchange): void {
    exchange.collecting = false;
    const chunks = exchange.chunks;
    exchange.chunks = null;
    let body: Buffer | Readable;
    if (exchange.responseDone) {
      body = chunks === null ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    } else {
      const stream = new ResponseBody(this);
      exchange.stream = stream;
      if (chunks !== null) for (const chunk of chunks) if (!stream.push(chunk)) this.#pause();
      body = stream;
    }
    exchange.succeed({ statusCode: exchange.statusCode, headers: exchange.headers!, body });
  }

  /** The response is complete: the exchange ends, the connection goes back or closes. */
  #complete(exchange: Exchange): void {
    if (!exchange.requestDone || this.socket.writableLength > 0) {
      // Answered before the request body was all sent (a 413, say): stop sending; what the
      // server would make of the rest is unknowable, so the connection goes.
      this.#spent = true;
      this.#stopPump();
    }
    exchange.end();
    if (exchange.stream !== null) exchange.stream.conn = null;
    exchange.conn = null;
    this.exchange = null;
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
    if (this.#spent || !exchange.keepAlive || this.pool.destroyed) this.destroy();
    else this.pool.release(this);
  }

  /** The socket ended or closed under an exchange. */
  #lost(exchange: Exchange): void {
    if (!this.#connected) {
      this.#fail(
        exchange,
        this.#socketError ??
          codedError(
            'MESH_UPSTREAM_RESET',
            `connection to ${this.pool.where} closed while connecting`,
          ),
      );
    } else if (!exchange.headersDone) {
      if (this.#reused && !this.#answered && !exchange.retried && !isStream(exchange.body)) {
        // The server closed the idle connection as the request went out: nothing was
        // processed, so the request goes once more on a fresh connection.
        this.#detach(exchange);
        exchange.retried = true;
        exchange.requestDone = false;
        this.pool.retry(exchange);
        this.destroy();
        return;
      }
      this.#fail(exchange, this.#resetError('before response headers'));
    } else
      this.#fail(exchange, this.#resetError(`during the response body (${progressOf(exchange)})`));
  }

  #fail(exchange: Exchange, err: unknown): void {
    this.#detach(exchange);
    this.destroy();
    exchange.fail(err);
  }

  #detach(exchange: Exchange): void {
    this.#stopPump();
    exchange.conn = null;
    this.exchange = null;
  }

  #stopPump(): void {
    const pump = this.#pump;
    if (pump === null) return;
    this.#pump = null;
    pump.stop();
  }

  /** Called by the pump when the request body is all written. */
  pumpDone(): void {
    this.#pump = null;
  }

  #resetError(when: string): CodedError {
    const cause = this.#socketError;
    const code = (cause as { code?: unknown } | null)?.code;
    const err = codedError(
      'MESH_UPSTREAM_RESET',
      `upstream ${this.pool.where} closed the connection ${when}` +
        (typeof code === 'string' ? ` (${code})` : ''),
    );
    if (cause !== null) err.cause = cause;
    return err;
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }

  #retire(): void {
    if (this.#retired) return;
    this.#retired = true;
    this.#spent = true;
    this.pool.retire(this);
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer === null) return;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
  }
}

/** A stream request body written with backpressure: content-length if declared, else chunked. */
class BodyPump {
  readonly #conn: Connection;
  readonly #exchange: Exchange;
  readonly #source: Readable;
  readonly #declared: number;
  #written = 0;
  #waiting = false;
  #active = false;

  constructor(conn: Connection, exchange: Exchange, source: Readable) {
    this.#conn = conn;
    this.#exchange = exchange;
    this.#source = source;
    this.#declared = exchange.declaredLength;
  }

  start(): void {
    const source = this.#source;
    if (source.destroyed) {
      this.#conn.abort(source.errored ?? prematureClose());
      return;
    }
    if (source.readableEnded) {
      this.#onEnd();
      return;
    }
    this.#active = true;
    source.on('data', this.#onData);
    source.on('end', this.#onEnd);
    source.on('error', this.#onError);
    source.on('close', this.#onClose);
    source.resume();
  }

  /** The connection is done with the body (failure, early response): leave the source paused. */
  stop(): void {
    if (!this.#active) return;
    this.#detach();
    this.#source.pause();
  }

  drained(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    this.#source.resume();
  }

  #detach(): void {
    this.#active = false;
    const source = this.#source;
    source.off('data', this.#onData);
    source.off('end', this.#onEnd);
    source.off('error', this.#onError);
    source.off('close', this.#onClose);
  }

  readonly #onData = (data: Buffer | string): void => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    // An empty chunk would end a chunked body early.
    if (chunk.length === 0) return;
    this.#written += chunk.length;
    if (this.#declared >= 0 && this.#written > this.#declared) {
      this.#conn.abort(this.#mismatch());
      return;
    }
    const socket = this.#conn.socket;
    coalesceWrites(socket);
    let ok: boolean;
    if (this.#declared >= 0) ok = socket.write(chunk);
    else {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    }
    if (!ok) {
      this.#waiting = true;
      this.#source.pause();
    }
  };

  readonly #onEnd = (): void => {
    if (this.#declared >= 0 && this.#written !== this.#declared) {
      this.#conn.abort(this.#mismatch());
      return;
    }
    if (this.#declared < 0) {
      coalesceWrites(this.#conn.socket);
      this.#conn.socket.write('0\r\n\r\n', 'latin1');
    }
    this.#detach();
    this.#conn.pumpDone();
    this.#exchange.requestDone = true;
  };

  readonly #onError = (err: Error): void => {
    this.#conn.abort(err);
  };

  readonly #onClose = (): void => {
    // After 'end' or 'error' the listeners are gone; a bare 'close' is a body cut short.
    this.#conn.abort(this.#source.errored ?? prematureClose());
  };

  #mismatch(): CodedError {
    return codedError(
      'MESH_CONTENT_LENGTH_MISMATCH',
      `the request body had ${this.#written < this.#declared ? 'fewer' : 'more'} bytes than its ` +
        `content-length (${this.#declared})`,
    );
  }
}

interface RequestHead {
  /** Request line and headers, without the connection header and the final CRLF. */
  readonly text: string;
  readonly declaredLength: number;
}

/** Serializes and checks the head up front, so an invalid request writes nothing. */
function requestHead(req: H1Request): RequestHead {
  const { method, path, headers, body, omit, set } = req;
  if (!HTTP_TOKEN.test(method))
    throw codedError('MESH_INVALID_REQUEST', `invalid request method ${JSON.stringify(method)}`);
  if (path.length === 0 || INVALID_PATH.test(path))
    throw codedError('MESH_INVALID_REQUEST', `invalid request path ${JSON.stringify(path)}`);
  let text = `${method} ${path} HTTP/1.1\r\n`;
  let hasHost = false;
  let declared: string | readonly string[] | undefined;
  for (const name in headers) {
    if (omit?.has(name) || (set !== undefined && name in set)) continue;
    const value = headers[name]!;
    if (!HTTP_TOKEN.test(name))
      throw codedError('MESH_INVALID_HEADER', `invalid header name ${JSON.stringify(name)}`);
    switch (name) {
      case 'host':
        hasHost = true;
        break;
      case 'content-length':
        declared = value;
        continue;
      case 'transfer-encoding':
      case 'connection':
        continue;
    }
    if (typeof value === 'string') text += headerLine(name, value);
    else for (const one of value) text += headerLine(name, one);
  }
  if (set !== undefined) {
    for (const name in set) {
      if (!HTTP_TOKEN.test(name) || FRAMING.has(name))
        throw codedError('MESH_INVALID_HEADER', `invalid header name ${JSON.stringify(name)}`);
      if (name === 'host') hasHost = true;
      text += headerLine(name, set[name]!);
    }
  }
  if (!hasHost) throw codedError('MESH_INVALID_HEADER', 'missing host header');
  let declaredLength = -1;
  if (body === null) {
    if (PAYLOAD_METHODS.has(method)) text += 'content-length: 0\r\n';
  } else if (body instanceof Uint8Array) {
    text += `content-length: ${body.length}\r\n`;
  } else if (declared !== undefined) {
    if (typeof declared !== 'string' || !DIGITS.test(declared))
      throw codedError('MESH_INVALID_HEADER', `invalid content-length ${JSON.stringify(declared)}`);
    declaredLength = Number(declared);
    text += `content-length: ${declaredLength}\r\n`;
  } else text += 'transfer-encoding: chunked\r\n';
  return { text, declaredLength };
}

function headerLine(name: string, value: string): string {
  if (INVALID_VALUE.test(value))
    throw codedError('MESH_INVALID_HEADER', `invalid character in the value of header ${name}`);
  return `${name}: ${value}\r\n`;
}

// Null-prototype: a server sending `__proto__` or `constructor` gets a header, not a prototype.
function headerRecord(raw: readonly string[]): Record<string, string | string[]> {
  const headers = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = headers[name];
    if (prev === undefined) headers[name] = value;
    else if (typeof prev === 'string') headers[name] = [prev, value];
    else prev.push(value);
  }
  return headers;
}

function progressOf(exchange: Exchange): string {
  const length = exchange.headers?.['content-length'];
  return typeof length === 'string'
    ? `${exchange.bodyBytes} of ${length} bytes`
    : `${exchange.bodyBytes} bytes`;
}

function isStream(body: Readable | Uint8Array | null): boolean {
  return body !== null && !(body instanceof Uint8Array);
}

function parseError(err: LlhttpError, where: string): CodedError {
  const reason = err.reason ?? err.message;
  const out = codedError(err.code, `upstream ${where} sent an invalid HTTP response: ${reason}`);
  out.cause = err;
  return out;
}

function prematureClose(): CodedError {
  return codedError('ERR_STREAM_PREMATURE_CLOSE', 'the request body closed before its end');
}

function codedError(code: string, message: string): CodedError {
  const err = new Error(message) as CodedError;
  err.code = code;
  return err;
}
