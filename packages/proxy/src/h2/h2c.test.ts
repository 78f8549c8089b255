// Plain HTTP/2 cleartext through the sidecar, over real sockets: node:http2 clients inside CONNECT
// tunnels, upstreams over h2c (with trailers) or HTTP/1.1 by the cluster's port protocol, the
// HTTP2 inbound listener's HTTP/1.1 fallback, and a stream flood that stays bounded.
import {
  connect as connectH2,
  constants,
  createServer as createH2Server,
  type Http2Server,
} from 'node:http2';
import { connect, type Server, type Socket } from 'node:net';
import type { InboundListener } from '@mesh/proto';
import type { AccessLogEntry } from '../http/access-log.js';
import { createOutboundServer } from '../http/outbound-server.js';
import {
  buildTable,
  closeServer,
  startUpstream,
  type TestUpstream,
} from '../http/test-support/fixtures.js';
import { H2_PREFACE } from '../tcp/sniff.js';
import { connectTunnelHandler } from '../tcp/tcp-proxy.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { createH2InboundServer, type H2InboundOptions } from './inbound.js';
import { h2Request, h2ViaTunnel, listenOn } from './test-support/grpc.js';
import { withPortProtocol } from './test-support/table.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** An h2c app: echoes the request body, sends a trailer, holds /hang streams forever. */
async function h2App(): Promise<{
  port: number;
  server: Http2Server;
  seen: Record<string, unknown>[];
}> {
  const seen: Record<string, unknown>[] = [];
  const server = createH2Server();
  server.on('stream', (stream, headers) => {
    seen.push(headers);
    if (headers[':path'] === '/hang') return;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
      stream.once('wantTrailers', () =>
        stream.sendTrailers({ 'x-checksum': `len=${body.length}` }),
      );
      stream.end(`echo ${body}`);
    });
  });
  const port = await listenOn(server);
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        setTimeout(r, 100);
      }),
  );
  return { port, server, seen };
}

async function inboundH2(
  targetPort: number,
  logs: AccessLogEntry[] = [],
  options: H2InboundOptions = {},
): Promise<{ port: number; server: Server }> {
  const listener: InboundListener = {
    name: 'inbound|8080',
    direction: 'inbound',
    port: 8080,
    bindPort: 0,
    protocol: 'HTTP2',
    targetPort,
    cluster: 'inbound|8080||',
  };
  const server = createH2InboundServer(listener, (e) => logs.push(e), options);
  const port = await listenOn(server);
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        setTimeout(r, 100);
      }),
  );
  return { port, server };
}

async function outbound(table: Parameters<typeof connectTunnelHandler>[0]['table']) {
  const logs: AccessLogEntry[] = [];
  const node = { namespace: 'default', labels: { app: 'client' } };
  const server = createOutboundServer({ table, node, log: () => undefined });
  const tunnels = connectTunnelHandler({
    table,
    node,
    active: new ActiveRequests(),
    log: () => undefined,
    httpLog: (e) => logs.push(e),
  });
  server.on('connect', tunnels);
  const port = await listenOn(server);
  closers.push(async () => {
    await tunnels.close();
    await closeServer(server);
  });
  return { port, logs };
}

describe('h2c through CONNECT tunnels', () => {
  let v1: TestUpstream;
  beforeAll(async () => {
    v1 = await startUpstream('v1');
  });
  afterAll(() => v1.close());

  it('forwards to an HTTP/1.1 port over HTTP/1.1, body and headers intact', async () => {
    const table = buildTable({
      clusters: [{ host: 'reviews.default.svc.cluster.local', endpoints: [v1.port] }],
    });
    const { port, logs } = await outbound(() => table);
    const session = await h2ViaTunnel(port, 'reviews:9080');
    closers.push(() => void session.destroy());
    const reply = await h2Request(
      session,
      { ':method': 'POST', ':path': '/reviews/0', 'x-user': 'jason' },
      'payload',
    );
    expect(reply.status).toBe(200);
    expect(reply.headers['x-upstream']).toBe('v1');
    expect(reply.body).toBe('v1');
    const seen = v1.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/reviews/0', body: 'payload' });
    expect(seen.headers).toMatchObject({ host: 'reviews:9080', 'x-user': 'jason' });
    // A second request multiplexed on the same tunnel.
    expect((await h2Request(session, { ':path': '/reviews/1' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(logs.map((l) => [l.protocol, l.path, l.response_code])).toEqual([
      ['HTTP/2', '/reviews/0', 200],
      ['HTTP/2', '/reviews/1', 200],
    ]);
  });

  it('replays a stream the upstream refused with GOAWAY on a new session (default retries)', async () => {
    // The app serves the first stream of its first session, slowly, and refuses the second
    // with GOAWAY(last stream id = the first): that stream never reached the app's handler.
    const server = createH2Server();
    const sessions = new Set<unknown>();
    const served: string[] = [];
    let refused = 0;
    server.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      stream.on('error', () => undefined);
      sessions.add(stream.session);
      if (sessions.size === 1 && (stream.id ?? 0) > 1) {
        refused++;
        stream.session?.goaway(constants.NGHTTP2_NO_ERROR, 1);
        return;
      }
      served.push(path);
      setTimeout(() => {
        stream.respond({ ':status': 200 });
        stream.end(`ok ${path}`);
      }, 30);
    });
    const appPort = await listenOn(server);
    closers.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          setTimeout(r, 100);
        }),
    );
    const table = withPortProtocol(
      buildTable({
        clusters: [{ host: 'echo.default.svc.cluster.local', port: 8080, endpoints: [appPort] }],
      }),
      'HTTP2',
    );
    const { port, logs } = await outbound(() => table);
    const session = await h2ViaTunnel(port, 'echo:8080');
    closers.push(() => void session.destroy());
    const [a, b] = await Promise.all([
      h2Request(session, { ':path': '/a' }),
      h2Request(session, { ':path': '/b' }),
    ]);
    expect([a.status, a.body]).toEqual([200, 'ok /a']);
    expect([b.status, b.body]).toEqual([200, 'ok /b']);
    expect(refused).toBe(1);
    expect(sessions.size).toBe(2);
    expect(served.sort()).toEqual(['/a', '/b']);
    await new Promise((r) => setTimeout(r, 50));
    const retried = logs.find((l) => l.path === '/b');
    expect(retried).toMatchObject({ response_code: 200, attempts: 2 });
  });

  it('forwards to an HTTP2 port over h2c: trailers, route header operations, unknown hosts', async () => {
    const app = await h2App();
    const inbound = await inboundH2(app.port);
    const table = withPortProtocol(
      buildTable({
        yaml: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo}
spec:
  hosts: [echo]
  http:
  - headers:
      request: {set: {x-route: echo}}
      response: {add: {x-served-by: mesh}}
    route: [{destination: {host: echo}}]
`,
        clusters: [
          { host: 'echo.default.svc.cluster.local', port: 8080, endpoints: [inbound.port] },
        ],
      }),
      'HTTP2',
    );
    const { port } = await outbound(() => table);
    const session = await h2ViaTunnel(port, 'echo:8080');
    closers.push(() => void session.destroy());
    const reply = await h2Request(session, { ':method': 'POST', ':path': '/e' }, 'abc');
    expect(reply).toMatchObject({ status: 200, body: 'echo abc' });
    expect(reply.headers['x-served-by']).toBe('mesh');
    expect(reply.trailers['x-checksum']).toBe('len=3');
    expect(app.seen.at(-1)).toMatchObject({
      ':authority': 'echo:8080',
      ':path': '/e',
      'x-route': 'echo',
      'x-envoy-attempt-count': '1',
    });

    // A plain (non-gRPC) request for an unknown host gets Envoy's text 404 with x-mesh-error.
    const lost = await h2Request(session, { ':path': '/', ':authority': 'nowhere:8080' });
    expect(lost.status).toBe(404);
    expect(lost.headers['x-mesh-error']).toMatch(
      /^NR no VirtualService or service for host nowhere/,
    );
    expect(lost.body).toMatch(/no VirtualService/);
  });
});

describe('HTTP2 inbound listener', () => {
  it('serves HTTP/1.1 callers too (their sidecar may not speak h2)', async () => {
    const upstream = await startUpstream('app');
    closers.push(() => upstream.close());
    const inbound = await inboundH2(upstream.port);
    const socket = connect(inbound.port, '127.0.0.1');
    const text = await new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.on('close', () => resolve(got));
      socket.write('GET /h1 HTTP/1.1\r\nHost: app:8080\r\nConnection: close\r\n\r\n');
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    // The app's 3-byte body, framed by its content-length (a small body arrives whole).
    expect(text).toMatch(/\r\ncontent-length: 3\r\n[\s\S]*\r\n\r\napp$/);
    expect(upstream.requests.at(-1)?.url).toBe('/h1');
  });

  it('answers UNAVAILABLE (UF) for gRPC when the app is down', async () => {
    const inbound = await inboundH2(1);
    const session = connectH2(`http://127.0.0.1:${inbound.port}`);
    closers.push(() => void session.destroy());
    const reply = await h2Request(
      session,
      { ':method': 'POST', ':path': '/svc/M', 'content-type': 'application/grpc', te: 'trailers' },
      '',
    );
    expect(reply.status).toBe(200);
    expect(reply.headers['grpc-status']).toBe('14');
    expect(reply.headers['x-mesh-error']).toMatch(/^UF /);
  });

  it('bounds a stream flood: streams past maxConcurrentStreams are refused, others still served', async () => {
    const app = await h2App();
    const limit = 8;
    const inbound = await inboundH2(app.port, [], { limits: { maxConcurrentStreams: limit } });
    // A raw client that ignores SETTINGS_MAX_CONCURRENT_STREAMS, as a flood would.
    const flood: Socket = connect(inbound.port, '127.0.0.1');
    closers.push(() => void flood.destroy());
    const resets = new Map<number, number>();
    let pending = Buffer.alloc(0);
    flood.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) break;
        const type = pending[3]!;
        const stream = pending.readUInt32BE(5) & 0x7fffffff;
        if (type === 0x3) resets.set(stream, pending.readUInt32BE(9));
        pending = pending.subarray(9 + length);
      }
    });
    flood.on('error', () => undefined);
    const frames: Buffer[] = [H2_PREFACE, frame(0x4, 0, 0, Buffer.alloc(0))];
    const total = limit + 6;
    for (let i = 0; i < total; i++) frames.push(frame(0x1, 0x5, 1 + 2 * i, hangRequest()));
    flood.write(Buffer.concat(frames));
    await waitFor(() => resets.size >= total - limit);
    const refused = [...resets.keys()].sort((a, b) => a - b);
    // The first `limit` streams are open (held by the app); every one after them was refused.
    expect(refused[0]).toBeGreaterThan(2 * limit - 1);
    expect(
      [...resets.values()].every(
        (c) => c === constants.NGHTTP2_REFUSED_STREAM || c === constants.NGHTTP2_PROTOCOL_ERROR,
      ),
    ).toBe(true);
    await waitFor(() => app.seen.filter((h) => h[':path'] === '/hang').length === limit);

    // Meanwhile another client is served normally.
    const other = connectH2(`http://127.0.0.1:${inbound.port}`);
    closers.push(() => void other.destroy());
    const reply = await h2Request(other, { ':method': 'POST', ':path': '/ok' }, 'x');
    expect(reply).toMatchObject({ status: 200, body: 'echo x' });
    expect(flood.destroyed).toBe(false);
  });
});

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(stream, 5);
  return Buffer.concat([header, payload]);
}

/** HPACK for GET http://flood/hang: static-table pseudo-headers plus literals, no Huffman. */
function hangRequest(): Buffer {
  const literal = (index: number, value: string) =>
    Buffer.concat([Buffer.from([index, value.length]), Buffer.from(value)]);
  return Buffer.concat([Buffer.from([0x82, 0x86]), literal(0x04, '/hang'), literal(0x01, 'flood')]);
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
