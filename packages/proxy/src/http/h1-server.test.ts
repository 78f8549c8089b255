import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { request as undiciRequest } from 'undici';
import {
  createH1Server,
  type H1Exchange,
  type H1Request,
  type H1Server,
  type H1ServerHandlers,
  type H1ServerLimits,
  type LocalReplyRenderer,
} from './h1-server.js';

const LIMITS: H1ServerLimits = {
  maxHeaderBytes: 60 * 1024,
  maxHeaderCount: 100,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 60_000,
};

const open: H1Server[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await Promise.all(
    open.splice(0).map(async (server) => {
      server.closeAllConnections();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    }),
  );
});

interface Started {
  server: H1Server;
  port: number;
  errors: Array<{ status: number; code: string; reason: string }>;
}

async function start(
  handlers: Partial<H1ServerHandlers> & Pick<H1ServerHandlers, 'request'>,
  limits: Partial<H1ServerLimits> = {},
  localReplyFor?: LocalReplyRenderer,
): Promise<Started> {
  const errors: Started['errors'] = [];
  const server = createH1Server(
    { ...LIMITS, ...limits },
    {
      protocolError: ({ status, code, reason }) => errors.push({ status, code, reason }),
      ...handlers,
    },
    localReplyFor,
  );
  open.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, errors };
}

/** A raw client: exact bytes out, every byte in. */
class Raw {
  readonly socket: Socket;
  private received: Buffer[] = [];
  private size = 0;
  ended = false;
  closed = false;
  private waiters = new Set<() => void>();

  constructor(socket: Socket) {
    this.socket = socket;
    clients.push(socket);
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.size += chunk.length;
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<Raw> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new Raw(socket);
  }

  get bytes(): Buffer {
    if (this.received.length > 1) this.received = [Buffer.concat(this.received)];
    return this.received[0] ?? Buffer.alloc(0);
  }

  get text(): string {
    return this.bytes.toString('latin1');
  }

  get length(): number {
    return this.size;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves when `done` holds, rejects with what was received after `ms`. */
  until(done: (raw: Raw) => boolean, ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done(this)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out; received: ${JSON.stringify(this.text.slice(0, 2000))}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  untilText(fragment: string, ms?: number): Promise<void> {
    return this.until((raw) => raw.text.includes(fragment), ms);
  }

  untilClosed(ms?: number): Promise<void> {
    return this.until((raw) => raw.closed, ms);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function count(text: string, fragment: string): number {
  return text.split(fragment).length - 1;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ok(exchange: H1Exchange, body = 'ok'): void {
  exchange.respond(200, { 'content-type': 'text/plain' }, Buffer.from(body));
}

function readAll(body: Readable | undefined): Promise<Buffer> {
  if (!body) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.on('end', () => resolve(Buffer.concat(chunks)));
    body.on('error', reject);
  });
}

describe('responses', () => {
  test('GET answered with a Buffer: exact bytes on the wire', async () => {
    const seen: H1Request[] = [];
    const { port } = await start({
      request(exchange) {
        seen.push(exchange.request);
        exchange.respond(
          200,
          { 'content-type': 'text/plain', 'x-multi': ['a', 'b'] },
          Buffer.from('hello'),
        );
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET /path?q=1 HTTP/1.1\r\nHost: example\r\nX-Thing: yes\r\n\r\n');
    await raw.untilText('hello');
    expect(raw.text).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-multi: a\r\nx-multi: b\r\n' +
        'content-length: 5\r\n\r\nhello',
    );
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req).toMatchObject({
      method: 'GET',
      url: '/path?q=1',
      httpVersion: '1.1',
      rawHeaders: ['Host', 'example', 'X-Thing', 'yes'],
      body: undefined,
    });
  });

  test('keep-alive: two requests on one socket', async () => {
    const { port } = await start({ request: (exchange) => ok(exchange, exchange.request.url) });
    const raw = await Raw.connect(port);
    raw.send('GET /one HTTP/1.1\r\nHost: a\r\n\r\n');
    await raw.untilText('/one');
    raw.send('GET /two HTTP/1.1\r\nHost: a\r\n\r\n');
    await raw.untilText('/two');
    expect(count(raw.text, 'HTTP/1.1 200 OK')).toBe(2);
    expect(raw.text).not.toContain('connection:');
    await sleep(50);
    expect(raw.closed).toBe(false);
  });

  test('HTTP/1.0 closes by default, keeps alive when asked', async () => {
    const { port } = await start({ request: (exchange) => ok(exchange) });
    const plain = await Raw.connect(port);
    plain.send('GET / HTTP/1.0\r\n\r\n');
    await plain.untilClosed();
    expect(plain.text).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n' +
        'connection: close\r\n\r\nok',
    );

    const kept = await Raw.connect(port);
    kept.send('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await kept.untilText('\r\n\r\nok');
    expect(kept.text).toContain('connection: keep-alive\r\n');
    kept.send('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await kept.until((raw) => count(raw.text, '200 OK') === 2);
    expect(kept.closed).toBe(false);
  });

  test('Connection: close closes after the response', async () => {
    const { port } = await start({ request: (exchange) => ok(exchange) });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await raw.untilClosed();
    expect(raw.text).toContain('connection: close\r\n\r\nok');
    expect(raw.ended).toBe(true);
  });

  test('closeAfterResponse adds connection: close and closes', async () => {
    const { port } = await start({
      request(exchange) {
        exchange.closeAfterResponse();
        ok(exchange);
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await raw.untilClosed();
    expect(raw.text).toContain('connection: close\r\n\r\nok');
  });

  test('HEAD, 204 and 304 carry no body bytes', async () => {
    const { port } = await start({
      request(exchange) {
        const { url } = exchange.request;
        if (url === '/head') {
          exchange.respond(200, { 'content-length': '5' }, Buffer.from('hello'));
        } else if (url === '/204') {
          exchange.respond(204, {}, Buffer.from('ignored'));
        } else if (url === '/304') {
          exchange.respond(304, { etag: '"x"' }, undefined);
        } else {
          exchange.respondStream(200, {}, Readable.from([Buffer.from('streamed')]));
        }
      },
    });
    const raw = await Raw.connect(port);
    raw.send(
      'HEAD /head HTTP/1.1\r\n\r\nGET /204 HTTP/1.1\r\n\r\nGET /304 HTTP/1.1\r\n\r\n' +
        'HEAD /stream HTTP/1.1\r\n\r\nGET /end HTTP/1.1\r\n\r\n',
    );
    await raw.until((r) => r.text.includes('8\r\nstreamed\r\n0\r\n\r\n'));
    expect(raw.text).toBe(
      'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n' +
        'HTTP/1.1 204 No Content\r\n\r\n' +
        'HTTP/1.1 304 Not Modified\r\netag: "x"\r\n\r\n' +
        'HTTP/1.1 200 OK\r\n\r\n' +
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n8\r\nstreamed\r\n0\r\n\r\n',
    );
  });

  test('an invalid header in respond() throws, writes nothing, and a 502 can follow', async () => {
    const thrown: Error[] = [];
    const { port } = await start({
      request(exchange) {
        const invalid: Array<Record<string, string>> = [
          { 'x-bad': 'a\r\nb' },
          { 'bad name': 'v' },
          { 'x-nul': 'a\0b' },
        ];
        for (const headers of invalid) {
          try {
            exchange.respond(200, headers, Buffer.from('no'));
          } catch (err) {
            thrown.push(err as Error);
          }
        }
        try {
          exchange.respond(1000, {}, undefined);
        } catch (err) {
          thrown.push(err as Error);
        }
        expect(exchange.headersSent).toBe(false);
        exchange.respond(502, {}, Buffer.from('bad gateway'));
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await raw.untilText('bad gateway');
    expect(raw.text).toBe('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 11\r\n\r\nbad gateway');
    expect(thrown.map((err) => err.message)).toEqual([
      'Invalid character in header content ["x-bad"]',
      'Header name must be a valid HTTP token ["bad name"]',
      'Invalid character in header content ["x-nul"]',
      'Invalid status code: 1000',
    ]);
  });

  test('a content-length that is not the body length is refused before writing', async () => {
    let message = '';
    const { port } = await start({
      request(exchange) {
        try {
          exchange.respond(200, { 'content-length': '3' }, Buffer.from('hello'));
        } catch (err) {
          message = (err as Error).message;
        }
        ok(exchange);
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await raw.untilText('\r\n\r\nok');
    expect(message).toMatch(/content-length 3/);
    expect(raw.text.startsWith('HTTP/1.1 200 OK\r\ncontent-type')).toBe(true);
  });

  test('onEnd(true) after a full response, onEnd(false) when the client leaves first', async () => {
    const ends: Array<[string, boolean]> = [];
    const { port } = await start({
      request(exchange) {
        const url = exchange.request.url;
        exchange.onEnd = (finished) => ends.push([url, finished]);
        if (url === '/now') ok(exchange);
        // '/never': the handler is still working when the client goes away.
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET /now HTTP/1.1\r\n\r\n');
    await raw.untilText('ok');
    await sleep(20);
    expect(ends).toEqual([['/now', true]]);

    raw.send('GET /never HTTP/1.1\r\n\r\n');
    await sleep(50);
    expect(ends).toHaveLength(1);
    raw.socket.destroy();
    const deadline = Date.now() + 5000;
    while (ends.length < 2 && Date.now() < deadline) await sleep(10);
    expect(ends).toEqual([
      ['/now', true],
      ['/never', false],
    ]);
  });

  test('a client reset mid-response is no unhandled error', async () => {
    const ends: boolean[] = [];
    const { port } = await start({
      request(exchange) {
        exchange.onEnd = (finished) => ends.push(finished);
        setTimeout(() => ok(exchange), 50);
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await sleep(10);
    raw.socket.resetAndDestroy();
    await sleep(150);
    expect(ends).toEqual([false]);
  });
});

describe('pipelining', () => {
  test('requests in one write are answered in order, one at a time', async () => {
    let active = 0;
    let maxActive = 0;
    const { port } = await start({
      request(exchange) {
        active++;
        maxActive = Math.max(maxActive, active);
        // Later requests answer sooner: order on the wire must still be request order.
        const delay = 40 - Number(exchange.request.url.slice(1)) * 10;
        setTimeout(() => {
          active--;
          ok(exchange, exchange.request.url);
        }, delay);
      },
    });
    const raw = await Raw.connect(port);
    raw.send(
      'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n' +
        'POST /4 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc',
    );
    await raw.until((r) => count(r.text, '200 OK') === 4);
    const bodies = raw.text.match(/\r\n\r\n(\/\d)/g)?.map((m) => m.slice(4));
    expect(bodies).toEqual(['/1', '/2', '/3', '/4']);
    expect(maxActive).toBe(1);
  });

  test('a flood of 1,000 pipelined requests is answered in order without unbounded buffering', async () => {
    const bodySize = 64 * 1024;
    const body = Buffer.alloc(bodySize, 'x');
    let handled = 0;
    let maxWritable = 0;
    const { port } = await start({
      request(exchange) {
        handled++;
        exchange.respond(200, { 'x-n': exchange.request.url.slice(1) }, body);
        maxWritable = Math.max(maxWritable, exchange.request.socket.writableLength);
      },
    });
    const raw = await Raw.connect(port);
    raw.socket.pause(); // not reading: the server must stop taking requests
    let flood = '';
    for (let i = 0; i < 1000; i++) flood += `GET /${String(i).padStart(4, '0')} HTTP/1.1\r\n\r\n`;
    raw.send(flood);
    await sleep(500);
    const handledWhilePaused = handled;
    // What the kernel's socket buffers hold, not 1,000 responses (64 MiB) in user space.
    expect(handledWhilePaused).toBeLessThan(400);
    expect(maxWritable).toBeLessThan(1024 * 1024);

    const head = 'HTTP/1.1 200 OK\r\nx-n: 0000\r\ncontent-length: 65536\r\n\r\n';
    const size = head.length + bodySize;
    let next = 0;
    let pending: Buffer = Buffer.alloc(0);
    let outOfOrder = 0;
    const done = new Promise<void>((resolve) => {
      raw.socket.removeAllListeners('data');
      raw.socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        while (pending.length >= size) {
          const n = pending.subarray(22, 26).toString('latin1');
          if (n !== String(next).padStart(4, '0')) outOfOrder++;
          next++;
          pending = pending.subarray(size);
        }
        if (next === 1000) resolve();
      });
    });
    raw.socket.resume();
    await done;
    expect(outOfOrder).toBe(0);
    expect(handled).toBe(1000);
  }, 30_000);
});

describe('request bodies', () => {
  test('content-length and chunked bodies arrive exactly', async () => {
    const bodies: string[] = [];
    const { port } = await start({
      request(exchange) {
        void readAll(exchange.request.body).then((bytes) => {
          bodies.push(bytes.toString());
          ok(exchange, String(bytes.length));
        });
      },
    });
    const raw = await Raw.connect(port);
    raw.send('POST /cl HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello');
    await sleep(20);
    raw.send(' world');
    await raw.untilText('\r\n\r\n11');
    raw.send(
      'POST /chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '4\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n',
    );
    await raw.until((r) => count(r.text, '200 OK') === 2);
    expect(bodies).toEqual(['hello world', 'Wikipedia in \r\n\r\nchunks.']);
  });

  test('a small unread body is discarded and the connection kept', async () => {
    const { port } = await start({ request: (exchange) => ok(exchange, exchange.request.url) });
    const raw = await Raw.connect(port);
    raw.send('POST /a HTTP/1.1\r\nContent-Length: 1000\r\n\r\n');
    await raw.untilText('/a');
    expect(raw.text).not.toContain('connection: close');
    raw.send(Buffer.alloc(1000, 'z'));
    raw.send('GET /b HTTP/1.1\r\n\r\n');
    await raw.untilText('/b');
    expect(raw.closed).toBe(false);
  });

  test('a large unread body closes the connection after the response', async () => {
    const { port } = await start({ request: (exchange) => ok(exchange) });
    const raw = await Raw.connect(port);
    raw.send('POST / HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n');
    raw.send(Buffer.alloc(100_000, 'z'));
    await raw.untilClosed();
    expect(raw.text).toContain('connection: close\r\n\r\nok');
  });

  test('a body nobody reads stops the socket being read', async () => {
    let exchange: H1Exchange | undefined;
    const { port } = await start({
      request(x) {
        exchange = x;
      },
    });
    const raw = await Raw.connect(port);
    raw.send('POST / HTTP/1.1\r\nContent-Length: 50000000\r\n\r\n');
    const chunk = Buffer.alloc(1024 * 1024, 'y');
    let written = 0;
    while (written < 50 && raw.socket.write(chunk)) written++;
    await sleep(300);
    const body = exchange!.request.body!;
    // Bounded by the stream's high-water mark plus one socket read, not the 50 MB sent.
    expect(body.readableLength).toBeLessThan(1024 * 1024);
    const total = await new Promise<number>((resolve) => {
      let n = body.readableLength;
      body.on('data', (c: Buffer) => {
        n += c.length;
        if (n >= 3 * 1024 * 1024) resolve(n);
      });
      for (let i = 0; i < 3; i++) raw.socket.write(chunk);
    });
    expect(total).toBeGreaterThanOrEqual(3 * 1024 * 1024);
  });

  test('100-continue is sent when the handler first reads the body, not before', async () => {
    let exchange: H1Exchange | undefined;
    const { port } = await start({
      request(x) {
        exchange = x;
      },
    });
    const raw = await Raw.connect(port);
    raw.send('POST / HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
    await sleep(150);
    expect(exchange).toBeDefined();
    expect(raw.length).toBe(0);
    const read = readAll(exchange!.request.body);
    await raw.untilText('HTTP/1.1 100 Continue\r\n\r\n');
    raw.send('data');
    expect((await read).toString()).toBe('data');
    ok(exchange!);
    await raw.untilText('\r\n\r\nok');
    expect(raw.text.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK')).toBe(true);
  });

  test('a handler that answers an expecting client without reading gets no 100 and closes', async () => {
    const { port } = await start({ request: (exchange) => ok(exchange) });
    const raw = await Raw.connect(port);
    raw.send('PUT / HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
    await raw.untilClosed();
    expect(raw.text).not.toContain('100 Continue');
    expect(raw.text).toContain('connection: close');
  });

  test('undici and node:http clients interoperate (bodies both ways)', async () => {
    const { port } = await start({
      request(exchange) {
        void readAll(exchange.request.body).then((bytes) => {
          exchange.respondStream(
            201,
            { 'content-type': 'application/octet-stream' },
            Readable.from([bytes, Buffer.from('!')]),
          );
        });
      },
    });
    const viaUndici = await undiciRequest(`http://127.0.0.1:${port}/u`, {
      method: 'POST',
      body: 'from undici',
    });
    expect(viaUndici.statusCode).toBe(201);
    expect(await viaUndici.body.text()).toBe('from undici!');

    const viaNode = await new Promise<{ status?: number; text: string }>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'PUT', path: '/n' }, (res) => {
        void readAll(res).then((b) => resolve({ status: res.statusCode, text: b.toString() }));
      });
      req.on('error', reject);
      req.end('from node');
    });
    expect(viaNode).toEqual({ status: 201, text: 'from node!' });
  });
});

describe('streamed responses', () => {
  test('an echo streams the request body back with both sides under backpressure', async () => {
    const { port } = await start({
      request(exchange) {
        exchange.respondStream(200, {}, exchange.request.body!);
      },
    });
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const response = await undiciRequest(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      body: Readable.from([payload.subarray(0, 3_000_000), payload.subarray(3_000_000)]),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['transfer-encoding']).toBe('chunked');
    expect(response.headers.connection).toBeUndefined();
    const echoed = Buffer.from(await response.body.arrayBuffer());
    expect(echoed.equals(payload)).toBe(true);
  });

  test('with content-length: as is; without: chunked on 1.1, close-delimited on 1.0', async () => {
    const counted: number[] = [];
    const { port } = await start({
      request(exchange) {
        const parts = [Buffer.from('abc'), Buffer.from(''), Buffer.from('defgh')];
        const headers: Record<string, string> =
          exchange.request.url === '/cl' ? { 'content-length': '8' } : {};
        exchange.respondStream(200, headers, Readable.from(parts), (n) => counted.push(n));
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET /cl HTTP/1.1\r\n\r\nGET /chunked HTTP/1.1\r\n\r\n');
    await raw.until((r) => r.text.endsWith('0\r\n\r\n'));
    expect(raw.text).toBe(
      'HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nabcdefgh' +
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n',
    );
    expect(counted).toEqual([3, 5, 3, 5]);

    const old = await Raw.connect(port);
    old.send('GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await old.untilClosed();
    expect(old.text).toBe('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabcdefgh');
  });

  test('backpressure: a client that does not read pauses the source', async () => {
    let produced = 0;
    let source: Readable | undefined;
    const chunk = Buffer.alloc(64 * 1024, 'b');
    const { port } = await start({
      request(exchange) {
        // Endless, but capped so that a missing pause fails the test rather than the machine.
        source = new Readable({
          read() {
            if (produced >= 256 * 1024 * 1024) return;
            produced += chunk.length;
            setImmediate(() => this.push(chunk));
          },
        });
        exchange.respondStream(200, {}, source);
      },
    });
    const raw = await Raw.connect(port);
    raw.socket.pause();
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await sleep(500);
    const first = produced;
    await sleep(300);
    expect(source!.isPaused()).toBe(true);
    // Kernel buffers and the stream's high-water marks, not an endless source.
    expect(produced).toBeLessThan(64 * 1024 * 1024);
    expect(produced).toBe(first);
    raw.socket.resume();
    const deadline = Date.now() + 5000;
    while (produced < first + 4 * 1024 * 1024 && Date.now() < deadline) await sleep(10);
    expect(produced).toBeGreaterThanOrEqual(first + 4 * 1024 * 1024);
  });

  test('a body failing mid-stream cuts the connection and is reported', async () => {
    const reported: string[] = [];
    const ends: boolean[] = [];
    const { port } = await start({
      request(exchange) {
        exchange.onEnd = (finished) => ends.push(finished);
        const source = new Readable({ read() {} });
        exchange.respondStream(200, {}, source, undefined, (err) => reported.push(err.message));
        source.push('partial');
        setTimeout(() => source.destroy(new Error('upstream reset')), 50);
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await raw.untilClosed();
    expect(raw.text).toContain('7\r\npartial\r\n');
    expect(raw.text).not.toContain('0\r\n\r\n');
    expect(reported).toEqual(['upstream reset']);
    expect(ends).toEqual([false]);
  });

  test('a body shorter than its content-length cuts the connection', async () => {
    const reported: string[] = [];
    const { port } = await start({
      request(exchange) {
        exchange.respondStream(
          200,
          { 'content-length': '10' },
          Readable.from([Buffer.from('short')]),
          undefined,
          (err) => reported.push(err.message),
        );
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await raw.untilClosed();
    expect(reported).toEqual(['the response body ended after 5 of its 10 bytes']);
  });

  test('a client going away destroys the body', async () => {
    let source: Readable | undefined;
    const ends: boolean[] = [];
    const { port } = await start({
      request(exchange) {
        exchange.onEnd = (finished) => ends.push(finished);
        source = new Readable({ read() {} });
        source.push('first');
        exchange.respondStream(200, {}, source);
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await raw.untilText('first');
    raw.socket.destroy();
    const deadline = Date.now() + 5000;
    while (!source!.destroyed && Date.now() < deadline) await sleep(10);
    expect(source!.destroyed).toBe(true);
    expect(ends).toEqual([false]);
  });
});

describe('hostile input', () => {
  test('431 for a 61 KiB header block', async () => {
    const { port, errors } = await start({ request: (exchange) => ok(exchange) });
    const raw = await Raw.connect(port);
    raw.send(`GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(61 * 1024)}\r\n\r\n`);
    await raw.untilClosed();
    expect(raw.text).toBe(
      'HTTP/1.1 431 Request Header Fields Too Large\r\n' +
        'content-type: text/plain; charset=utf-8\r\ncontent-length: 43\r\n' +
        'connection: close\r\n\r\nrequest headers exceed the limit of 60 KiB\n',
    );
    expect(errors).toEqual([
      {
        status: 431,
        code: 'HPE_HEADER_OVERFLOW',
        reason: 'request headers exceed the limit of 60 KiB',
      },
    ]);
  });

  test('431 for 101 headers, with the caller-rendered reply', async () => {
    const { port, errors } = await start(
      { request: (exchange) => ok(exchange) },
      {},
      (status, reason) => ({
        headers: { 'x-mesh-error': `DPE ${reason}`, 'content-type': 'text/plain' },
        body: `${status}: ${reason}\n`,
      }),
    );
    const raw = await Raw.connect(port);
    let headers = '';
    for (let i = 0; i < 101; i++) headers += `X-H${i}: v\r\n`;
    raw.send(`GET / HTTP/1.1\r\n${headers}\r\n`);
    await raw.untilClosed();
    expect(raw.text).toContain('HTTP/1.1 431 ');
    expect(raw.text).toContain('x-mesh-error: DPE too many request headers: more than 100\r\n');
    expect(raw.text).toContain('431: too many request headers: more than 100\n');
    expect(errors.map((e) => e.status)).toEqual([431]);
  });

  test('100 headers are fine and more than 32 (llhttp batches) all arrive', async () => {
    const seen: string[][] = [];
    const { port } = await start({
      request(exchange) {
        seen.push([...exchange.request.rawHeaders]);
        ok(exchange, exchange.request.url);
      },
    });
    const raw = await Raw.connect(port);
    let headers = '';
    for (let i = 0; i < 100; i++) headers += `X-H${i}: v${i}\r\n`;
    raw.send(`GET /many HTTP/1.1\r\n${headers}\r\n`);
    await raw.untilText('/many');
    expect(seen[0]).toHaveLength(200);
    expect(seen[0]!.slice(0, 2)).toEqual(['X-H0', 'v0']);
    expect(seen[0]!.slice(62, 66)).toEqual(['X-H31', 'v31', 'X-H32', 'v32']);
    expect(seen[0]!.slice(198)).toEqual(['X-H99', 'v99']);
  });

  test.each([
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc',
      'HPE_INVALID_TRANSFER_ENCODING',
    ],
    [
      'garbage',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n',
      'HPE_INVALID_METHOD',
    ],
    ['a bad header character', 'GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    [
      'bad chunk framing',
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'a transfer-encoding other than chunked',
      'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n',
      'HPE_INVALID_TRANSFER_ENCODING',
    ],
  ])('400 for %s', async (_name, input, code) => {
    const handled: string[] = [];
    const { port, errors } = await start({
      request(exchange) {
        handled.push(exchange.request.url);
        exchange.onEnd = () => {};
      },
    });
    const raw = await Raw.connect(port);
    raw.send(Buffer.from(input, 'latin1'));
    await raw.untilClosed();
    expect(raw.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw.text).toContain(`malformed HTTP request: ${code}: `);
    expect(raw.text).toContain('connection: close\r\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 400, code });
  });

  test('408 for a client that sends half a request line and waits', async () => {
    const { port, errors } = await start(
      { request: (exchange) => ok(exchange) },
      {
        headersTimeoutMs: 200,
      },
    );
    const raw = await Raw.connect(port);
    const started = Date.now();
    raw.send('GET /slo');
    await raw.untilClosed();
    const elapsed = Date.now() - started;
    expect(raw.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(raw.text).toContain('request headers not received within 200 ms');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3000);
    expect(errors).toEqual([
      {
        status: 408,
        code: 'ERR_HTTP_REQUEST_TIMEOUT',
        reason: 'request headers not received within 200 ms',
      },
    ]);
  });

  test('the headers timeout does not cut a request that is being served', async () => {
    const { port } = await start(
      {
        request(exchange) {
          setTimeout(() => ok(exchange), 400);
        },
      },
      { headersTimeoutMs: 150 },
    );
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await raw.untilText('\r\n\r\nok');
    expect(raw.closed).toBe(false);
  });

  test('a connection that sends nothing is closed silently after the keep-alive timeout', async () => {
    const { port, errors } = await start(
      { request: (exchange) => ok(exchange) },
      {
        keepAliveTimeoutMs: 200,
      },
    );
    const idle = await Raw.connect(port);
    const used = await Raw.connect(port);
    used.send('GET / HTTP/1.1\r\n\r\n');
    await used.untilText('ok');
    await idle.untilClosed();
    await used.untilClosed();
    expect(idle.length).toBe(0);
    expect(errors).toEqual([]);
  });

  test('HTTP/2 prior knowledge and HTTP/0.9 are refused', async () => {
    const { port } = await start({ request: (exchange) => ok(exchange) });
    const h2 = await Raw.connect(port);
    h2.send('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    await h2.untilClosed();
    expect(h2.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(h2.text).toContain('HPE_PAUSED_H2_UPGRADE');
    const old = await Raw.connect(port);
    old.send('GET /\r\n\r\n');
    await old.untilClosed();
    expect(old.text).toMatch(/^HTTP\/1\.1 505 /);
  });

  test('a handler that throws gets the client a 500, not a crash', async () => {
    const { port, errors } = await start({
      request() {
        throw new Error('bug');
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await raw.untilClosed();
    expect(raw.text).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
    expect(raw.text).toContain('request handler failed: bug');
    expect(errors).toMatchObject([{ status: 500 }]);
  });

  test('QUERY gets its method name', async () => {
    const methods: string[] = [];
    const { port } = await start({
      request(exchange) {
        methods.push(exchange.request.method);
        ok(exchange);
      },
    });
    const raw = await Raw.connect(port);
    raw.send('QUERY / HTTP/1.1\r\nContent-Length: 0\r\n\r\n');
    await raw.untilText('ok');
    expect(methods).toEqual(['QUERY']);
  });
});

describe('CONNECT and Upgrade', () => {
  test('CONNECT is handed over with the bytes after its headers', async () => {
    let seen: H1Request | undefined;
    const { port } = await start({
      request: (exchange) => ok(exchange),
      connect(req, socket, head) {
        seen = req;
        socket.write(`HTTP/1.1 200 Connection Established\r\n\r\nhead=${head.toString()};`);
        socket.on('data', (chunk: Buffer) => socket.write(chunk)); // echo
      },
    });
    const raw = await Raw.connect(port);
    raw.send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nEARLY');
    await raw.untilText('head=EARLY;');
    raw.send('ping');
    await raw.untilText(';ping');
    expect(seen).toMatchObject({ method: 'CONNECT', url: 'example.com:443', body: undefined });
  });

  test('CONNECT without a connect handler is refused with 405', async () => {
    const { port, errors } = await start({ request: (exchange) => ok(exchange) });
    const raw = await Raw.connect(port);
    raw.send('CONNECT example.com:443 HTTP/1.1\r\n\r\n');
    await raw.untilClosed();
    expect(raw.text).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(errors.map((e) => e.status)).toEqual([405]);
  });

  test('Upgrade: websocket goes to the upgrade handler with its head', async () => {
    const upgrades: Array<{ url: string; head: string }> = [];
    const { port } = await start({
      request: (exchange) => ok(exchange, exchange.request.url),
      upgrade(req, socket, head) {
        upgrades.push({ url: req.url, head: head.toString() });
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');
        socket.on('data', (chunk: Buffer) => socket.write(`echo:${chunk.toString()}`));
      },
    });
    const raw = await Raw.connect(port);
    // After a plain request still being answered: the upgrade waits its turn.
    raw.send(
      'GET /first HTTP/1.1\r\n\r\n' +
        'GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nFRAME1',
    );
    await raw.untilText('101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');
    raw.send('FRAME2');
    await raw.untilText('echo:FRAME2');
    expect(raw.text.indexOf('/first')).toBeLessThan(raw.text.indexOf('101'));
    expect(upgrades).toEqual([{ url: '/ws', head: 'FRAME1' }]);
  });

  test('without an upgrade handler an Upgrade request is a plain request', async () => {
    const urls: string[] = [];
    const { port } = await start({
      request(exchange) {
        urls.push(exchange.request.url);
        ok(exchange, exchange.request.url);
      },
    });
    const raw = await Raw.connect(port);
    raw.send(
      'GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\n\r\n',
    );
    await raw.untilText('/next');
    expect(urls).toEqual(['/ws', '/next']);
  });
});

describe('the server', () => {
  test("server.emit('connection') serves a socket accepted elsewhere", async () => {
    const { server } = await start({ request: (exchange) => ok(exchange, 'via emit') });
    const other = createNetServer((socket) => server.emit('connection', socket));
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    try {
      const raw = await Raw.connect((other.address() as AddressInfo).port);
      raw.send('GET / HTTP/1.1\r\n\r\n');
      await raw.untilText('via emit');
      raw.send('GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
      await raw.untilClosed();
      expect(count(raw.text, 'via emit')).toBe(2);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  test('closeIdleConnections closes an idle connection, not one mid-request', async () => {
    let pending: H1Exchange | undefined;
    const { server, port } = await start({
      request(exchange) {
        if (exchange.request.url === '/slow') pending = exchange;
        else ok(exchange);
      },
    });
    const idle = await Raw.connect(port);
    idle.send('GET / HTTP/1.1\r\n\r\n');
    await idle.untilText('ok');
    const busy = await Raw.connect(port);
    busy.send('GET /slow HTTP/1.1\r\n\r\n');
    const deadline = Date.now() + 5000;
    while (!pending && Date.now() < deadline) await sleep(5);
    server.closeIdleConnections();
    await idle.untilClosed();
    await sleep(50);
    expect(busy.closed).toBe(false);
    ok(pending!, 'late');
    await busy.untilText('late');
    expect(busy.text).not.toContain('connection: close');
  });

  test('close() stops accepting, closes idle connections and drains busy ones', async () => {
    let pending: H1Exchange | undefined;
    const { server, port } = await start({
      request(exchange) {
        pending = exchange;
      },
    });
    const idle = await Raw.connect(port);
    const busy = await Raw.connect(port);
    busy.send('GET / HTTP/1.1\r\n\r\n');
    const deadline = Date.now() + 5000;
    while (!pending && Date.now() < deadline) await sleep(5);
    const closed = new Promise((resolve) => server.close(resolve));
    await idle.untilClosed();
    ok(pending!, 'drained');
    await busy.untilClosed();
    expect(busy.text).toContain('connection: close\r\n\r\ndrained');
    await closed;
    await expect(Raw.connect(port)).rejects.toThrow();
  });

  test('closeAllConnections ends exchanges unfinished', async () => {
    const ends: boolean[] = [];
    const { server, port } = await start({
      request(exchange) {
        exchange.onEnd = (finished) => ends.push(finished);
      },
    });
    const raw = await Raw.connect(port);
    raw.send('GET / HTTP/1.1\r\n\r\n');
    await sleep(50);
    server.closeAllConnections();
    await raw.untilClosed();
    expect(ends).toEqual([false]);
  });
});
