// The HTTP/1.1 upstream pool against real sockets on 127.0.0.1: node:http servers where a
// well-behaved upstream is enough, raw node:net servers where the test needs the exact bytes
// (HTTP/1.0, 1xx, malformed or cut-short responses, a server closing at the worst moment).
import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createNetServer,
  Socket,
  connect,
  type AddressInfo,
  type Server as NetServer,
} from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import {
  connectNoDelay,
  H1Pool,
  type H1PoolOptions,
  type H1Request,
  type H1Response,
} from './h1-pool.js';

const BASE: H1PoolOptions = { connectTimeoutMs: 5_000, keepAliveTimeoutMs: 30_000 };

const cleanups: (() => Promise<unknown> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A node:http upstream; `sockets` are its accepted connections, in order. */
async function httpUpstream(
  handler: RequestListener,
): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const server = createHttpServer(handler);
  const sockets: Socket[] = [];
  server.on('connection', (socket: Socket) => sockets.push(socket));
  const port = await listenOn(server);
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { server, port, sockets };
}

/** A node:net upstream: `onSocket` speaks (or mangles) HTTP itself. */
async function rawUpstream(
  onSocket: (socket: Socket) => void,
): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  const port = await listenOn(server);
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { port, sockets };
}

/** Calls `onRequest` with each request head (requests without bodies) as it completes. */
function onRequestHeads(socket: Socket, onRequest: (head: string, index: number) => void): void {
  let buffered = '';
  let index = 0;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    let end: number;
    while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      onRequest(head, index++);
    }
  });
}

function listenOn(server: NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function pool(port: number, options: Partial<H1PoolOptions> = {}): H1Pool {
  const p = new H1Pool('127.0.0.1', port, { ...BASE, ...options });
  cleanups.push(() => p.destroy());
  return p;
}

function get(path = '/', extra: Partial<H1Request> = {}): H1Request {
  return { method: 'GET', path, headers: { host: 'upstream.test' }, body: null, ...extra };
}

async function bodyOf(res: H1Response): Promise<Buffer> {
  if (Buffer.isBuffer(res.body)) return res.body;
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function textOf(res: H1Response): Promise<string> {
  return (await bodyOf(res)).toString();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

describe('H1Pool keep-alive and connection limits', () => {
  it('reuses one keep-alive connection for sequential requests', async () => {
    const up = await httpUpstream((req, res) => res.end(`hi ${req.url}`));
    const p = pool(up.port);
    for (let i = 0; i < 5; i++) {
      const res = await p.request(get(`/${i}`));
      expect(res.statusCode).toBe(200);
      expect(await textOf(res)).toBe(`hi /${i}`);
    }
    expect(up.sockets).toHaveLength(1);
    expect(p.stats).toEqual({ connected: 1, busy: 0, idle: 1, pending: 0 });
  });

  it('takes the most recently used idle connection first', async () => {
    const served: Socket[] = [];
    const held: ServerResponse[] = [];
    const up = await httpUpstream((req, res) => {
      served.push(req.socket);
      if (req.url === '/slow') held.push(res);
      else res.end('ok');
    });
    const p = pool(up.port);
    // /slow holds its connection while /fast opens and releases a second one; /slow's comes back last.
    const slow = p.request(get('/slow'));
    await eventually(() => held.length === 1);
    const lastReleased = served[0]!;
    expect(await textOf(await p.request(get('/fast')))).toBe('ok');
    held[0]!.end('ok');
    expect(await textOf(await slow)).toBe('ok');
    served.length = 0;
    for (let i = 0; i < 3; i++) await textOf(await p.request(get()));
    expect(served).toEqual([lastReleased, lastReleased, lastReleased]);
    expect(p.stats).toEqual({ connected: 2, busy: 0, idle: 2, pending: 0 });
  });

  it('sends exactly maxRequestsPerConnection requests per connection, the last with connection: close', async () => {
    const seen: { socket: Socket; connection: string | undefined }[] = [];
    const up = await httpUpstream((req, res) => {
      seen.push({ socket: req.socket, connection: req.headers.connection });
      res.end('ok');
    });
    const p = pool(up.port, { maxRequestsPerConnection: 2 });
    for (let i = 0; i < 8; i++) await textOf(await p.request(get()));
    expect(up.sockets).toHaveLength(4);
    for (const socket of up.sockets) {
      const mine = seen.filter((s) => s.socket === socket).map((s) => s.connection);
      expect(mine).toEqual([undefined, 'close']);
    }
  });

  it('gives each reset: true request a connection of its own', async () => {
    const seen: (string | undefined)[] = [];
    const up = await httpUpstream((req, res) => {
      seen.push(req.headers.connection);
      res.end('ok');
    });
    const p = pool(up.port);
    for (let i = 0; i < 3; i++) await textOf(await p.request(get('/', { reset: true })));
    expect(up.sockets).toHaveLength(3);
    expect(seen).toEqual(['close', 'close', 'close']);
    await eventually(() => p.stats.connected === 0);
  });

  it('caps concurrency at maxConnections and drains the queue in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const order: string[] = [];
    const up = await httpUpstream((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      order.push(req.url!);
      setTimeout(() => {
        inFlight--;
        res.end(req.url);
      }, 80);
    });
    const p = pool(up.port, { maxConnections: 2 });
    const all = Array.from({ length: 6 }, (_, i) => p.request(get(`/${i}`)));
    expect(p.stats.pending).toBe(4);
    const bodies = await Promise.all(all.map(async (r) => textOf(await r)));
    expect(bodies).toEqual(['/0', '/1', '/2', '/3', '/4', '/5']);
    expect(peak).toBe(2);
    expect(up.sockets).toHaveLength(2);
    expect(order.slice(2)).toEqual(['/2', '/3', '/4', '/5']);
    expect(p.stats).toEqual({ connected: 2, busy: 0, idle: 2, pending: 0 });
  });

  it('closes idle connections after keepAliveTimeoutMs', async () => {
    const up = await httpUpstream((_req, res) => res.end('ok'));
    const p = pool(up.port, { keepAliveTimeoutMs: 150 });
    await textOf(await p.request(get()));
    expect(p.stats.connected).toBe(1);
    await eventually(() => p.stats.connected === 0);
    await eventually(() => up.sockets[0]!.destroyed);
  });

  it("shortens the idle time to the server's Keep-Alive hint minus a second", async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () =>
        socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 2\r\n\r\nok'),
      ),
    );
    const p = pool(up.port, { keepAliveTimeoutMs: 60_000, keepAliveMaxTimeoutMs: 120_000 });
    const started = Date.now();
    await textOf(await p.request(get()));
    expect(p.stats.idle).toBe(1);
    // The server never closes: only the 1 s left of the hint does.
    await eventually(() => p.stats.connected === 0, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await eventually(() => up.sockets[0]!.destroyed);
  });

  it('does not keep a connection whose Keep-Alive hint leaves no idle time', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () =>
        socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok'),
      ),
    );
    const p = pool(up.port);
    await textOf(await p.request(get()));
    await textOf(await p.request(get()));
    expect(up.sockets).toHaveLength(2);
    expect(p.stats.idle).toBe(0);
  });

  it('drops an idle connection the server closes or sends unsolicited bytes on', async () => {
    const up = await httpUpstream((_req, res) => res.end('ok'));
    const p = pool(up.port);
    await textOf(await p.request(get()));
    up.sockets[0]!.destroy();
    await eventually(() => p.stats.connected === 0);

    const raw = await rawUpstream((socket) =>
      onRequestHeads(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        setTimeout(() => socket.write('HTTP/1.1 200 OK\r\n'), 30);
      }),
    );
    const q = pool(raw.port);
    expect(await textOf(await q.request(get()))).toBe('ok');
    await eventually(() => q.stats.connected === 0);
    expect(await textOf(await q.request(get()))).toBe('ok');
    expect(raw.sockets).toHaveLength(2);

    // A reset (ECONNRESET on the idle socket) is no unhandled 'error' either.
    const resetting = await rawUpstream((socket) =>
      onRequestHeads(socket, () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')),
    );
    const r = pool(resetting.port);
    expect(await textOf(await r.request(get()))).toBe('ok');
    expect(r.stats.idle).toBe(1);
    resetting.sockets[0]!.resetAndDestroy();
    await eventually(() => r.stats.connected === 0);
  });
});

describe('H1Pool responses', () => {
  it('keeps a response followed by unsolicited bytes, but not its connection', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () =>
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirstHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
        ),
      ),
    );
    const p = pool(up.port);
    expect(await textOf(await p.request(get()))).toBe('first');
    expect(p.stats.connected).toBe(0);
    expect(await textOf(await p.request(get()))).toBe('first');
    expect(up.sockets).toHaveLength(2);
  });

  it('answers a small content-length response with a Buffer', async () => {
    const up = await httpUpstream((_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end('small body');
    });
    const res = await pool(up.port).request(get());
    expect(Buffer.isBuffer(res.body)).toBe(true);
    expect(res.body.toString()).toBe('small body');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['content-length']).toBe('10');
  });

  it('streams a chunked response as a Readable, bytes intact', async () => {
    const parts = ['first-', 'second-', 'x'.repeat(5000), '-last'];
    const up = await httpUpstream(async (_req, res) => {
      for (const part of parts) {
        res.write(part);
        await sleep(30);
      }
      res.end();
    });
    const p = pool(up.port);
    const res = await p.request(get());
    expect(res.body).toBeInstanceOf(Readable);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(await textOf(res)).toBe(parts.join(''));
    // The connection went back to the pool once the last chunk arrived.
    expect(await textOf(await p.request(get()))).toBe(parts.join(''));
    expect(up.sockets).toHaveLength(1);
  });

  it.each([
    ['Readable socket reads', (host: string, port: number) => connect({ host, port })],
    ['the shared read buffer', connectNoDelay],
  ])(
    'does not buffer a large response its consumer is not reading (%s), bytes intact',
    async (_name, connector) => {
      const size = 8 * 1024 * 1024;
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i++) payload[i] = i % 251;
      let finished = false;
      const up = await httpUpstream((_req, res) => {
        res.setHeader('content-length', size);
        res.on('finish', () => (finished = true));
        res.end(payload);
      });
      let socket: Socket | undefined;
      const p = pool(up.port, {
        connect: (host, port) => (socket = connector(host, port)),
      });
      const res = await p.request(get());
      expect(res.body).toBeInstanceOf(Readable);
      await sleep(300);
      // Paused: what the pool has read stays near the stream's high-water mark.
      expect(socket!.bytesRead).toBeLessThan(1024 * 1024);
      expect((res.body as Readable).readableLength).toBeLessThan(256 * 1024);
      expect(finished).toBe(false);
      const body = await bodyOf(res);
      expect(body.length).toBe(size);
      expect(body.equals(payload)).toBe(true);
      await eventually(() => finished);
    },
  );

  it('reads no body for HEAD, even with a content-length, and reuses the connection', async () => {
    const up = await httpUpstream((req, res) => {
      res.setHeader('content-length', 11);
      res.end(req.method === 'HEAD' ? undefined : 'hello world');
    });
    const p = pool(up.port);
    const head = await p.request(get('/', { method: 'HEAD' }));
    expect(head.headers['content-length']).toBe('11');
    expect(await bodyOf(head)).toHaveLength(0);
    expect(await textOf(await p.request(get()))).toBe('hello world');
    expect(up.sockets).toHaveLength(1);
  });

  it('reads no body for 204 and 304 and reuses the connection', async () => {
    const up = await httpUpstream((req, res) => {
      res.statusCode = req.url === '/204' ? 204 : 304;
      res.end();
    });
    const p = pool(up.port);
    const noContent = await p.request(get('/204'));
    expect(noContent.statusCode).toBe(204);
    expect(await bodyOf(noContent)).toHaveLength(0);
    const notModified = await p.request(get('/304'));
    expect(notModified.statusCode).toBe(304);
    expect(await bodyOf(notModified)).toHaveLength(0);
    expect(up.sockets).toHaveLength(1);
  });

  it('skips 100 Continue and 103 Early Hints for the final response', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, async () => {
        socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        await sleep(20);
        socket.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n');
        await sleep(20);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal');
      }),
    );
    const p = pool(up.port);
    const res = await p.request(get());
    expect(res.statusCode).toBe(200);
    expect(res.headers.link).toBeUndefined();
    expect(await textOf(res)).toBe('final');
    expect(await textOf(await p.request(get()))).toBe('final');
    expect(up.sockets).toHaveLength(1);
  });

  it('reads a close-delimited HTTP/1.0 body to EOF and does not reuse the connection', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, async () => {
        socket.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the');
        await sleep(30);
        socket.end(' very end');
      }),
    );
    const p = pool(up.port);
    const res = await p.request(get());
    expect(await textOf(res)).toBe('to the very end');
    await eventually(() => p.stats.connected === 0);
    expect(await textOf(await p.request(get()))).toBe('to the very end');
    expect(up.sockets).toHaveLength(2);
  });

  it('delivers more than 32 response headers (flushed by llhttp in batches)', async () => {
    const up = await httpUpstream((_req, res) => {
      for (let i = 0; i < 70; i++) res.setHeader(`x-header-${i}`, `value-${i}`);
      res.end('many');
    });
    const res = await pool(up.port).request(get());
    for (let i = 0; i < 70; i++) expect(res.headers[`x-header-${i}`]).toBe(`value-${i}`);
    expect(await textOf(res)).toBe('many');
  });

  it('turns repeated response headers into arrays, in order, in a null-prototype record', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () =>
        socket.write(
          'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-One: 1\r\nset-cookie: b=2\r\n' +
            'SET-COOKIE: c=3\r\nConstructor: yes\r\n__proto__: no\r\nContent-Length: 0\r\n\r\n',
        ),
      ),
    );
    const res = await pool(up.port).request(get());
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2', 'c=3']);
    expect(res.headers['x-one']).toBe('1');
    expect(res.headers.constructor).toBe('yes');
    expect(res.headers['__proto__']).toBe('no');
    expect(Object.getPrototypeOf(res.headers)).toBeNull();
  });
});

describe('H1Pool request bodies', () => {
  function echoUpstream() {
    return httpUpstream(async (req, res) => {
      const body = await readBody(req);
      res.end(
        JSON.stringify({
          length: req.headers['content-length'] ?? null,
          te: req.headers['transfer-encoding'] ?? null,
          body: body.toString('base64'),
        }),
      );
    });
  }

  it('sends bytes with their content-length', async () => {
    const up = await echoUpstream();
    const bytes = Buffer.from('hello bytes \x00\xff');
    const res = await pool(up.port).request({ ...get(), method: 'POST', body: bytes });
    expect(JSON.parse(await textOf(res))).toEqual({
      length: String(bytes.length),
      te: null,
      body: bytes.toString('base64'),
    });
  });

  it('sends content-length: 0 for a POST without a body', async () => {
    const up = await echoUpstream();
    const res = await pool(up.port).request({ ...get(), method: 'POST' });
    expect(JSON.parse(await textOf(res))).toEqual({ length: '0', te: null, body: '' });
  });

  it("streams a body with the request's content-length", async () => {
    const up = await echoUpstream();
    const source = new PassThrough();
    const parts = [Buffer.from('abc'), Buffer.alloc(100_000, 7), Buffer.from('xyz')];
    const total = parts.reduce((n, b) => n + b.length, 0);
    const pending = pool(up.port).request({
      ...get(),
      method: 'PUT',
      headers: { host: 'upstream.test', 'content-length': String(total) },
      body: source,
    });
    for (const part of parts) {
      source.write(part);
      await sleep(10);
    }
    source.end();
    expect(JSON.parse(await textOf(await pending))).toEqual({
      length: String(total),
      te: null,
      body: Buffer.concat(parts).toString('base64'),
    });
  });

  it('streams a body without a content-length chunked', async () => {
    const up = await echoUpstream();
    const parts = ['one', '', 'two', 'x'.repeat(70_000)];
    const res = await pool(up.port).request({
      ...get(),
      method: 'POST',
      body: Readable.from(parts.map((p) => Buffer.from(p))),
    });
    expect(JSON.parse(await textOf(res))).toEqual({
      length: null,
      te: 'chunked',
      body: Buffer.from(parts.join('')).toString('base64'),
    });
  });

  it('fails a stream whose length differs from its content-length, before sending the excess', async () => {
    const received: Buffer[] = [];
    const up = await httpUpstream((req) => req.on('data', (c: Buffer) => received.push(c)));
    const p = pool(up.port);
    const err = await p
      .request({
        ...get(),
        method: 'POST',
        headers: { host: 'upstream.test', 'content-length': '4' },
        body: Readable.from([Buffer.from('abc'), Buffer.from('def')]),
      })
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('MESH_CONTENT_LENGTH_MISMATCH');
    await sleep(50);
    expect(Buffer.concat(received).toString()).toBe('abc');
    expect(p.stats.connected).toBe(0);
  });

  it('fails the request with the error of its body stream, closing the connection', async () => {
    let serverSawClose = false;
    const up = await httpUpstream((req) => req.socket.on('close', () => (serverSawClose = true)));
    const p = pool(up.port);
    const source = new PassThrough();
    const pending = p.request({ ...get(), method: 'POST', body: source });
    source.write('partial');
    await sleep(30);
    const boom = new Error('client went away');
    source.destroy(boom);
    await expect(pending).rejects.toBe(boom);
    await eventually(() => serverSawClose);
    expect(p.stats.connected).toBe(0);
  });

  it('takes a response that arrives before the request body is done, and stops sending', async () => {
    const up = await httpUpstream((_req, res) => {
      res.statusCode = 413;
      res.end('too large');
    });
    const p = pool(up.port);
    const source = new PassThrough();
    source.write(Buffer.alloc(1024));
    const res = await p.request({ ...get(), method: 'POST', body: source });
    expect(res.statusCode).toBe(413);
    expect(await textOf(res)).toBe('too large');
    // Nobody reads the source any more, and the connection is not reused.
    expect(source.isPaused()).toBe(true);
    source.write(Buffer.alloc(1024));
    expect(source.readableLength).toBe(1024);
    await eventually(() => p.stats.connected === 0);
  });

  it('does not reuse a connection answered while request bytes were still unsent', async () => {
    const up = await rawUpstream((socket) =>
      socket.once('data', () => {
        // Answer at once, then stop reading: most of the body can never leave the client.
        socket.pause();
        socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n');
      }),
    );
    const p = pool(up.port);
    const res = await p.request({ ...get(), method: 'POST', body: Buffer.alloc(64 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(p.stats.connected).toBe(0);
  });

  it('keeps sending the body while a response streams back (full duplex)', async () => {
    const up = await httpUpstream((req, res) => req.pipe(res));
    const p = pool(up.port);
    const source = new PassThrough();
    const res = await (async () => {
      const pending = p.request({ ...get(), method: 'POST', body: source });
      source.write('ping-1;');
      return pending;
    })();
    const body = res.body as Readable;
    const first = (await once(body, 'data'))[0] as Buffer;
    expect(first.toString()).toBe('ping-1;');
    source.end('ping-2');
    expect(first.toString() + (await textOf({ ...res, body }))).toBe('ping-1;ping-2');
    expect(p.stats).toMatchObject({ connected: 1, idle: 1 });
  });
});

describe('H1Pool aborts', () => {
  it('removes an aborted request from the queue', async () => {
    const up = await httpUpstream((_req, res) => setTimeout(() => res.end('slow'), 100));
    const p = pool(up.port, { maxConnections: 1 });
    const first = p.request(get());
    const controller = new AbortController();
    const second = p.request(get('/', { signal: controller.signal }));
    const third = p.request(get());
    expect(p.stats.pending).toBe(2);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(second).rejects.toBe(reason);
    expect(p.stats.pending).toBe(1);
    expect(await textOf(await first)).toBe('slow');
    expect(await textOf(await third)).toBe('slow');
    expect(up.sockets).toHaveLength(1);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const up = await httpUpstream((_req, res) => res.end('ok'));
    const p = pool(up.port);
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(p.request(get('/', { signal: controller.signal }))).rejects.toThrow('already');
    expect(up.sockets).toHaveLength(0);
  });

  it('destroys the connection when aborted while waiting for headers', async () => {
    let serverSawClose = false;
    const up = await httpUpstream((req) => req.socket.on('close', () => (serverSawClose = true)));
    const p = pool(up.port);
    const controller = new AbortController();
    const pending = p.request(get('/', { signal: controller.signal }));
    await eventually(() => up.sockets.length === 1);
    await sleep(30);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(p.stats).toEqual({ connected: 0, busy: 0, idle: 0, pending: 0 });
    await eventually(() => serverSawClose);
  });

  it('destroys the connection when aborted while streaming the request body', async () => {
    let serverSawClose = false;
    let received = 0;
    const up = await httpUpstream((req) => {
      req.on('data', (c: Buffer) => (received += c.length));
      req.socket.on('close', () => (serverSawClose = true));
    });
    const p = pool(up.port);
    const controller = new AbortController();
    const source = new PassThrough();
    const pending = p.request({
      ...get(),
      method: 'POST',
      body: source,
      signal: controller.signal,
    });
    source.write('some of the body');
    await eventually(() => received > 0);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(p.stats).toEqual({ connected: 0, busy: 0, idle: 0, pending: 0 });
    await eventually(() => serverSawClose);
  });

  it('fails a streaming response body with the abort reason', async () => {
    const up = await httpUpstream((_req, res) => res.write('start'));
    const p = pool(up.port);
    const controller = new AbortController();
    const res = await p.request(get('/', { signal: controller.signal }));
    const body = res.body as Readable;
    const reason = new Error('enough');
    controller.abort(reason);
    await expect(bodyOf({ ...res, body })).rejects.toBe(reason);
    expect(p.stats.connected).toBe(0);
  });

  it('closes the connection when the consumer destroys the body early', async () => {
    const up = await httpUpstream((_req, res) => res.write('partial'));
    const p = pool(up.port);
    const res = await p.request(get());
    const body = res.body as Readable;
    await once(body, 'data');
    body.destroy();
    await eventually(() => p.stats.connected === 0);
    await eventually(() => up.sockets[0]!.destroyed);
  });
});

describe('H1Pool failures', () => {
  it('keeps the ECONNREFUSED error of a refused connection', async () => {
    const server = createNetServer();
    const port = await listenOn(server);
    await new Promise((resolve) => server.close(resolve));
    const err = await pool(port)
      .request(get())
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ECONNREFUSED');
  });

  it('times out a connection that never comes up', async () => {
    let socket: Socket | undefined;
    // A socket never told to connect: deterministic, unlike an unroutable address.
    const p = pool(9080, { connectTimeoutMs: 50, connect: () => (socket = new Socket()) });
    const started = Date.now();
    const err = await p.request(get()).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('MESH_CONNECT_TIMEOUT');
    expect((err as Error).message).toBe('connect timeout after 50 ms (127.0.0.1:9080)');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(socket!.destroyed).toBe(true);
    await eventually(() => p.stats.connected === 0);
  });

  it('reports MESH_UPSTREAM_RESET when the server closes before the headers', async () => {
    const up = await rawUpstream((socket) => onRequestHeads(socket, () => socket.end()));
    const err = await pool(up.port)
      .request(get())
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('MESH_UPSTREAM_RESET');
    expect((err as Error).message).toMatch(/closed the connection before response headers/);
    // A fresh connection is not retried: exactly one attempt.
    expect(up.sockets).toHaveLength(1);
  });

  it("names the socket error's code when the server resets the connection", async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () => socket.resetAndDestroy()),
    );
    const err = await pool(up.port)
      .request(get())
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('MESH_UPSTREAM_RESET');
    expect((err as Error).message).toMatch(/before response headers \(ECONNRESET\)/);
  });

  it('fails the body stream with MESH_UPSTREAM_RESET when the server closes mid-body', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, async () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello');
        await sleep(30);
        socket.end();
      }),
    );
    const p = pool(up.port);
    const res = await p.request(get());
    const err = await bodyOf(res).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('MESH_UPSTREAM_RESET');
    expect((err as Error).message).toMatch(/during the response body \(5 of 100 bytes\)/);
    await eventually(() => p.stats.connected === 0);
  });

  it('rejects a malformed response with the llhttp error', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () => socket.write('HTTP/1.1 abc\r\n\r\n')),
    );
    const p = pool(up.port);
    const err = await p.request(get()).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('HPE_INVALID_STATUS');
    expect((err as Error).message).toMatch(/invalid HTTP response: Invalid status code/);
    expect(p.stats.connected).toBe(0);
  });

  it('rejects a response with both content-length and transfer-encoding', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () =>
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
        ),
      ),
    );
    const err = await pool(up.port)
      .request(get())
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('HPE_INVALID_TRANSFER_ENCODING');
  });

  it('rejects an unrequested protocol switch', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () =>
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n',
        ),
      ),
    );
    const err = await pool(up.port)
      .request(get())
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('HPE_UNEXPECTED_UPGRADE');
  });
});

describe('H1Pool idle-close race', () => {
  /** Answers the first request of each connection with keep-alive; closes on any later one. */
  function closingOnReuse() {
    let closedOnReuse = 0;
    return rawUpstream((socket) =>
      onRequestHeads(socket, (_head, index) => {
        if (index === 0)
          socket.write('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok');
        else {
          closedOnReuse++;
          socket.destroy();
        }
      }),
    ).then((up) => ({ ...up, closedOnReuse: () => closedOnReuse }));
  }

  it('retries a request without a body once on a fresh connection', async () => {
    const up = await closingOnReuse();
    const p = pool(up.port);
    for (let i = 0; i < 4; i++) expect(await textOf(await p.request(get()))).toBe('ok');
    // Requests 2 to 4 each met a connection closing under them, and went again.
    expect(up.closedOnReuse()).toBe(3);
    expect(up.sockets).toHaveLength(4);
  });

  it('retries a request with a bytes body', async () => {
    const up = await closingOnReuse();
    const p = pool(up.port);
    await textOf(await p.request(get()));
    const res = await p.request({ ...get(), method: 'POST', body: Buffer.from('again') });
    expect(await textOf(res)).toBe('ok');
    expect(up.closedOnReuse()).toBe(1);
  });

  it('fails a request with a stream body cleanly: a stream cannot be replayed', async () => {
    const up = await closingOnReuse();
    const p = pool(up.port);
    await textOf(await p.request(get()));
    const err = await p
      .request({ ...get(), method: 'POST', body: Readable.from([Buffer.from('once')]) })
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('MESH_UPSTREAM_RESET');
    expect(up.sockets).toHaveLength(1);
    expect(p.stats.connected).toBe(0);
  });

  it('survives a server that closes every connection right after answering', async () => {
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok');
        socket.destroy();
      }),
    );
    const p = pool(up.port);
    for (let i = 0; i < 20; i++) expect(await textOf(await p.request(get()))).toBe('ok');
    expect(up.sockets.length).toBeGreaterThanOrEqual(20);
  });
});

describe('H1Pool header safety', () => {
  it.each([
    ['CR LF in a value', { 'x-a': 'v\r\nGET /smuggled HTTP/1.1' }, /x-a/],
    ['a bare LF in a value', { 'x-b': 'v\nx' }, /x-b/],
    ['NUL in a value', { 'x-c': 'v\0' }, /x-c/],
    ['a code point latin1 would truncate to LF', { 'x-d': 'v\u010a' }, /x-d/],
    ['LF in a repeated value', { 'x-e': ['ok', 'v\n'] }, /x-e/],
    ['a name that is not a token', { 'bad name': 'v' }, /bad name/],
    ['a name with a colon', { 'x-f:': 'v' }, /x-f:/],
  ])('rejects %s with MESH_INVALID_HEADER and writes nothing', async (_what, extra, name) => {
    const up = await httpUpstream((_req, res) => res.end('ok'));
    const p = pool(up.port);
    const err = await p
      .request(get('/', { headers: { host: 'upstream.test', ...extra } }))
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('MESH_INVALID_HEADER');
    expect((err as Error).message).toMatch(name);
    await sleep(30);
    expect(up.sockets).toHaveLength(0);
    expect(p.stats.connected).toBe(0);
  });

  it('rejects a path with a space or CR LF, and a missing host', async () => {
    const p = pool(9);
    await expect(p.request(get('/a b'))).rejects.toMatchObject({ code: 'MESH_INVALID_REQUEST' });
    await expect(p.request(get('/a\r\nX: y'))).rejects.toMatchObject({
      code: 'MESH_INVALID_REQUEST',
    });
    await expect(p.request(get('/', { headers: {} }))).rejects.toMatchObject({
      code: 'MESH_INVALID_HEADER',
    });
  });

  it('writes headers in order, repeated values on their own lines, framing its own', async () => {
    let head = '';
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, (h) => {
        head = h;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      }),
    );
    await pool(up.port).request({
      method: 'POST',
      path: '/p?q=1',
      headers: {
        host: 'upstream.test',
        'x-multi': ['1', '2'],
        connection: 'keep-alive',
        'transfer-encoding': 'gzip',
        'content-length': '99',
        accept: '*/*',
      },
      body: Buffer.from('abc'),
    });
    expect(head.split('\r\n')).toEqual([
      'POST /p?q=1 HTTP/1.1',
      'host: upstream.test',
      'x-multi: 1',
      'x-multi: 2',
      'accept: */*',
      'content-length: 3',
    ]);
  });

  it('skips the names in `omit` and writes `set` last, in place of the same names', async () => {
    let head = '';
    const up = await rawUpstream((socket) =>
      onRequestHeads(socket, (h) => {
        head = h;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      }),
    );
    const p = pool(up.port);
    await p.request({
      method: 'GET',
      path: '/',
      headers: { host: 'client.test', 'x-hop': 'h', accept: '*/*', 'x-envoy-attempt-count': '7' },
      omit: new Set(['x-hop']),
      set: { host: 'upstream.test', 'x-envoy-attempt-count': '1' },
      body: null,
    });
    expect(head.split('\r\n')).toEqual([
      'GET / HTTP/1.1',
      'accept: */*',
      'host: upstream.test',
      'x-envoy-attempt-count: 1',
    ]);
    // `set` may not frame the message: that is the pool's.
    await expect(
      p.request({
        method: 'GET',
        path: '/',
        headers: {},
        set: { host: 'h', 'content-length': '5' },
        body: null,
      }),
    ).rejects.toMatchObject({ code: 'MESH_INVALID_HEADER' });
  });
});

describe('H1Pool close and destroy', () => {
  it('lets an in-flight request finish on close(), then closes, and refuses new requests', async () => {
    const up = await httpUpstream(async (_req, res) => {
      res.write('part one, ');
      await sleep(50);
      res.end('part two');
    });
    const p = pool(up.port);
    await textOf(await p.request(get()));
    const inFlight = p.request(get());
    await sleep(10);
    const closing = p.close();
    expect(p.closed).toBe(true);
    expect(p.destroyed).toBe(false);
    const err = await p.request(get()).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('MESH_POOL_CLOSED');
    expect(await textOf(await inFlight)).toBe('part one, part two');
    // Closed as soon as its exchange ended, not left idle.
    expect(p.stats.connected).toBe(0);
    await closing;
    expect(p.stats).toEqual({ connected: 0, busy: 0, idle: 0, pending: 0 });
  });

  it('serves queued requests before close() resolves', async () => {
    const up = await httpUpstream((_req, res) => setTimeout(() => res.end('done'), 30));
    const p = pool(up.port, { maxConnections: 1 });
    const a = p.request(get());
    const b = p.request(get());
    const closing = p.close();
    expect(await textOf(await a)).toBe('done');
    expect(await textOf(await b)).toBe('done');
    await closing;
    expect(p.stats.connected).toBe(0);
  });

  it('fails in-flight and queued requests on destroy()', async () => {
    const up = await httpUpstream(() => undefined);
    const p = pool(up.port, { maxConnections: 1 });
    const inFlight = p.request(get());
    const queued = p.request(get());
    await eventually(() => up.sockets.length === 1);
    const reason = new Error('shutting down');
    const destroyed = p.destroy(reason);
    expect(p.destroyed).toBe(true);
    await expect(inFlight).rejects.toBe(reason);
    await expect(queued).rejects.toBe(reason);
    await destroyed;
    expect(p.stats).toEqual({ connected: 0, busy: 0, idle: 0, pending: 0 });
  });

  it('fails a streaming response body on destroy()', async () => {
    const up = await httpUpstream((_req, res) => res.write('start'));
    const p = pool(up.port);
    const res = await p.request(get());
    const reading = bodyOf(res).catch((e: unknown) => e);
    await p.destroy();
    expect(codeOf(await reading)).toBe('MESH_POOL_DESTROYED');
  });

  it('closes a failed body nobody reads yet without an unhandled error', async () => {
    const up = await httpUpstream((_req, res) => res.write('start'));
    const p = pool(up.port);
    const res = await p.request(get());
    await p.destroy();
    expect((res.body as Readable).destroyed).toBe(true);
    await expect(bodyOf(res)).rejects.toMatchObject({ code: 'MESH_POOL_DESTROYED' });
  });
});
