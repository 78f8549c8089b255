// createHttpPost against real node:http servers on 127.0.0.1.
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpPost, MAX_POST_RESPONSE_BYTES, type HttpPost } from './http-post.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly remotePort: number;
}

const servers: Server[] = [];
const posts: HttpPost[] = [];
afterEach(async () => {
  for (const p of posts.splice(0)) await p.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function server(
  answer: (seen: Seen, res: ServerResponse) => void,
): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const one = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        remotePort: req.socket.remotePort ?? 0,
      };
      seen.push(one);
      answer(one, res);
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

/** A one-byte POST to `base`. */
function oneByte(base: string) {
  return { url: new URL(`${base}/`), headers: {}, body: new Uint8Array(1), timeoutMs: 5000 };
}

function post(): HttpPost {
  const p = createHttpPost();
  posts.push(p);
  return p;
}

describe('createHttpPost', () => {
  it('posts the body with lower-cased headers and the host, and reads the answer', async () => {
    const s = await server((_, res) => res.writeHead(202, { 'retry-after': '3' }).end('taken'));
    const res = await post()({
      url: new URL(`${s.base}/v1/traces?x=1`),
      headers: { 'Content-Type': 'application/x-protobuf', 'X-Tenant': 'a' },
      body: new Uint8Array([1, 2, 3]),
      timeoutMs: 5000,
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body.toString()).toBe('taken');
    const [seen] = s.seen;
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/v1/traces?x=1',
      body: Buffer.from([1, 2, 3]),
    });
    expect(seen?.headers).toMatchObject({
      host: new URL(s.base).host,
      'content-type': 'application/x-protobuf',
      'x-tenant': 'a',
      'content-length': '3',
    });
  });

  it('keeps the connection for the next post', async () => {
    const s = await server((_, res) => res.end());
    const p = post();
    const request = oneByte(s.base);
    await p(request);
    await p(request);
    expect(s.seen).toHaveLength(2);
    expect(s.seen[1]?.remotePort).toBe(s.seen[0]?.remotePort);
  });

  it('reads a large answer streamed in pieces, and refuses one over the cap', async () => {
    const piece = Buffer.alloc(256 * 1024, 0x61);
    let pieces = 8;
    const s = await server((_, res) => {
      res.writeHead(200);
      const write = () => {
        for (let i = 0; i < pieces; i++) res.write(piece);
        res.end();
      };
      // After the head, so the body arrives as a stream rather than with it.
      setTimeout(write, 20);
    });
    const p = post();
    const request = oneByte(s.base);
    expect((await p(request)).body.length).toBe(8 * piece.length);
    pieces = MAX_POST_RESPONSE_BYTES / piece.length + 1;
    await expect(p(request)).rejects.toThrow(`response body over ${MAX_POST_RESPONSE_BYTES} bytes`);
  });

  it('gives up on a server that does not answer in time', async () => {
    await server(() => {
      // Never answers.
    }).then(async (s) => {
      const started = Date.now();
      await expect(
        post()({
          url: new URL(`${s.base}/`),
          headers: {},
          body: new Uint8Array(1),
          timeoutMs: 200,
        }),
      ).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });

  it('refuses https and posts after close', async () => {
    const s = await server((_, res) => res.end());
    const p = post();
    const request = { headers: {}, body: new Uint8Array(1), timeoutMs: 5000 };
    await expect(p({ ...request, url: new URL('https://127.0.0.1:1/') })).rejects.toThrow(
      'only http: is posted this way',
    );
    await p.close();
    await expect(p({ ...request, url: new URL(`${s.base}/`) })).rejects.toThrow('closed');
    expect(s.seen).toHaveLength(0);
  });
});
