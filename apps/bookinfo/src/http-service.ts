// The HTTP plumbing every Bookinfo service shares: a route table, `/health` for the supervisor,
// and JSON 404/405/500 replies, so that no request a client can send crashes the process.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

export interface ServiceRequest {
  /** As sent, HEAD included (a HEAD is routed as a GET). */
  readonly method: string;
  /** The path without the query, not decoded. */
  readonly path: string;
  /** Path and query as received, in origin-form even when the request came in absolute-form. */
  readonly target: string;
  readonly query: URLSearchParams;
  /**
   * Values of the route's `:name` segments, percent-decoded; a trailing `*` puts the rest of the
   * path, not decoded, in `*`.
   */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The peer's address ('' once the connection is gone). */
  readonly remoteAddress: string;
  /** The body as text; rejects with a `RequestError` (413) past `limit` bytes. */
  readBody(limit?: number): Promise<string>;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
}

export interface Route {
  /** `*`: any method. */
  readonly method: 'GET' | 'POST' | '*';
  /**
   * Literal segments and `:name` placeholders, e.g. `/api/v1/products/:id/reviews`; a last
   * segment `*` matches one or more segments, e.g. `/anything/*`.
   */
  readonly path: string;
  handle(req: ServiceRequest): Reply | Promise<Reply>;
}

/** A client's mistake, answered with its status instead of a 500. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

export function html(status: number, text: string): Reply {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: text };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): Reply {
  return { status: 302, headers: { location, ...headers }, body: '' };
}

export interface HttpServiceOptions {
  /**
   * Called once per request, after its answer was written (or dropped, when the client had gone),
   * with the status of that answer.
   */
  readonly onAnswered?: (req: IncomingMessage, status: number) => void;
}

const DEFAULT_BODY_LIMIT = 64 * 1024;
/** What `close` leaves in-flight requests before cutting their connections. */
const CLOSE_GRACE_MS = 300;

const health: Route = {
  method: 'GET',
  path: '/health',
  handle: () => json(200, { status: 'ok' }),
};

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
}

export function createHttpService(
  routes: readonly Route[],
  options: HttpServiceOptions = {},
): Server {
  const table: CompiledRoute[] = [health, ...routes].map((route) => ({
    route,
    segments: route.path.split('/'),
  }));
  const server = createServer((req, res) => {
    void respond(table, req).then((reply) => {
      if (!res.destroyed) writeReply(res, reply);
      try {
        options.onAnswered?.(req, reply.status);
      } catch (err) {
        process.stderr.write(`bookinfo: after ${req.method} ${req.url}: ${(err as Error).stack}\n`);
      }
    });
  });
  return server;
}

function writeReply(res: ServerResponse, reply: Reply): void {
  const headers = { ...(reply.headers as Record<string, string | string[]>) };
  const status = reply.status;
  if (status < 200 || status === 204 || status === 304) {
    // No body and no Content-Length (RFC 9110 8.6). A 1xx cannot end an HTTP/1.1 exchange, so
    // after one the connection closes: the client is not left waiting for a final answer.
    if (status < 200) headers['connection'] = 'close';
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const body = reply.body ?? '';
  // A length rather than chunks: simpler for every proxy and client on the way.
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Stops listening, lets in-flight requests finish briefly, then cuts every connection. */
export function closeHttpService(server: Server, graceMs = CLOSE_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), graceMs).unref();
  });
}

async function respond(table: readonly CompiledRoute[], req: IncomingMessage): Promise<Reply> {
  try {
    const { path, target, query } = splitTarget(req.url ?? '/');
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const segments = path.split('/');
    const allowed = new Set<string>();
    for (const { route, segments: pattern } of table) {
      const params = match(pattern, segments);
      if (!params) continue;
      if (route.method !== '*' && route.method !== method) {
        allowed.add(route.method);
        if (route.method === 'GET') allowed.add('HEAD');
        continue;
      }
      return await route.handle({
        method: req.method ?? 'GET',
        path,
        target,
        query,
        params,
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress ?? '',
        readBody: (limit) => readBody(req, limit),
      });
    }
    if (allowed.size > 0) {
      return json(
        405,
        { error: `method ${req.method} not allowed on ${path}` },
        {
          allow: [...allowed].join(', '),
        },
      );
    }
    return json(404, { error: `no such path: ${path}` });
  } catch (err) {
    if (err instanceof RequestError) return json(err.status, { error: err.message });
    process.stderr.write(`bookinfo: ${req.method} ${req.url}: ${(err as Error).stack}\n`);
    return json(500, { error: 'internal error' });
  }
}

/** Path and query of a request target; the target itself in origin-form. */
export function splitTarget(target: string): {
  path: string;
  target: string;
  query: URLSearchParams;
} {
  // Origin-form is the norm; absolute-form (a client that thinks we are a proxy) is accepted too.
  const originForm = target.startsWith('/');
  let url: URL;
  try {
    url = originForm ? new URL(`http://service${target}`) : new URL(target);
  } catch {
    throw new RequestError(400, 'malformed request target');
  }
  return {
    path: url.pathname,
    target: originForm ? target : url.pathname + url.search,
    query: url.searchParams,
  };
}

function match(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  const rest = pattern[pattern.length - 1] === '*';
  if (rest ? segments.length < pattern.length : pattern.length !== segments.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const got = segments[i]!;
    if (rest && i === pattern.length - 1) {
      params['*'] = segments.slice(i).join('/');
    } else if (want.startsWith(':')) {
      if (got === '') return undefined;
      try {
        params[want.slice(1)] = decodeURIComponent(got);
      } catch {
        throw new RequestError(400, `malformed path segment ${got}`);
      }
    } else if (want !== got) {
      return undefined;
    }
  }
  return params;
}

function readBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Keep reading (and dropping) the rest, so that the 413 reaches the client.
      req.off('data', onData);
      req.resume();
      reject(new RequestError(413, `request body larger than ${limit} bytes`));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('close', () => reject(new RequestError(400, 'request body cut short')));
    req.on('error', () => reject(new RequestError(400, 'request body cut short')));
  });
}
