// TCP over real sockets: CONNECT tunnels routed by tcp routes (the Istio TCP traffic-shifting
// task's tcp-echo v1/v2), local refusals that say why, and inbound splicing to the app.
import { createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import type { InboundListener } from '@mesh/proto';
import type { AccessLogEntry } from '../http/access-log.js';
import { createOutboundServer } from '../http/outbound-server.js';
import {
  buildTable,
  closedPort,
  closeServer,
  startUpstream,
  type TestUpstream,
} from '../http/test-support/fixtures.js';
import { makeTestCerts } from '../test-support/certs.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { connectTunnelHandler, createTcpInboundServer, type TcpLogEntry } from './tcp-proxy.js';

const ECHO = 'tcp-echo.default.svc.cluster.local';

async function echoServer(prefix: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) =>
    s.on('data', (d: Buffer) => s.end(`${prefix} ${d.toString()}`)),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Opens a CONNECT tunnel, sends `text`, and returns the status line and what came back. */
function tunnel(
  proxyPort: number,
  target: string,
  text: string,
): Promise<{ status: string; reply: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => {
      const status = `${res.statusCode}`;
      if (res.statusCode !== 200) {
        resolve({ status, reply: String(res.headers['x-mesh-error'] ?? '') });
        socket.destroy();
        return;
      }
      let reply = '';
      socket.on('data', (d: Buffer) => (reply += d.toString()));
      socket.on('end', () => resolve({ status, reply }));
      socket.on('error', reject);
      socket.write(text);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CONNECT tunnels', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  async function proxyWith(yaml: string, v1: number, v2: number) {
    return proxyFor(
      buildTable({
        yaml,
        clusters: [
          { host: ECHO, port: 9000, endpoints: [v1, v2] },
          { host: ECHO, subset: 'v1', port: 9000, endpoints: [v1] },
          { host: ECHO, subset: 'v2', port: 9000, endpoints: [v2] },
        ],
      }),
    );
  }

  /** A forward proxy serving CONNECT tunnels on `table`, with its tunnel log and opened tunnels. */
  async function proxyFor(table: ReturnType<typeof buildTable>) {
    const logs: TcpLogEntry[] = [];
    const opened: TcpLogEntry[] = [];
    const server: HttpServer = createHttpServer();
    server.on(
      'connect',
      connectTunnelHandler({
        table: () => table,
        node: { namespace: 'default', labels: { app: 'sleep' } },
        active: new ActiveRequests(),
        log: Object.assign((e: TcpLogEntry) => logs.push(e), {
          opened: (e: TcpLogEntry) => opened.push(e),
        }),
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.push(() => server.close());
    return { port: (server.address() as AddressInfo).port, logs, opened };
  }

  it('splits connections by tcp route weight, as the TCP traffic-shifting task', async () => {
    const one = await echoServer('one');
    const two = await echoServer('two');
    closers.push(
      () => one.server.close(),
      () => two.server.close(),
    );
    const { port, logs } = await proxyWith(
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-echo}
spec:
  hosts: [tcp-echo]
  tcp:
  - match: [{port: 9000}]
    route:
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v1}, weight: 80}
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v2}, weight: 20}
`,
      one.port,
      two.port,
    );
    const n = 300;
    let ones = 0;
    for (let i = 0; i < n; i++) {
      const { status, reply } = await tunnel(port, 'tcp-echo:9000', `hello ${i}`);
      expect(status).toBe('200');
      if (reply === `one hello ${i}`) ones++;
      else expect(reply).toBe(`two hello ${i}`);
    }
    // 80% of 300: sd ~6.9; 5 sd either side.
    expect(Math.abs(ones - 240)).toBeLessThan(35);
    expect(logs).toHaveLength(n);
    expect(logs[0]).toMatchObject({
      direction: 'outbound',
      authority: 'tcp-echo:9000',
      response_flags: '-',
    });
    expect(logs.every((l) => l.bytes_sent > 0 && l.bytes_received > 0)).toBe(true);
  });

  it('tells its logger when a tunnel is spliced, while it is open', async () => {
    const app = createServer((s) => s.on('data', (d: Buffer) => s.write(d)));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    closers.push(() => app.close());
    const port = (app.address() as AddressInfo).port;
    const table = buildTable({
      yaml: '',
      clusters: [{ host: ECHO, port: 9000, endpoints: [port] }],
    });
    const { port: proxyPort, logs, opened } = await proxyFor(table);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: proxyPort,
        method: 'CONNECT',
        path: 'tcp-echo:9000',
      });
      req.on('connect', (_res, s: Socket) => resolve(s));
      req.on('error', reject);
      req.end();
    });
    socket.write('abc');
    await new Promise((r) => socket.once('data', r));
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ direction: 'outbound', protocol: 'tcp', bytes_received: 3 });
    expect(logs).toEqual([]);
    socket.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toBe(opened[0]);
  });

  it('sends a PASSTHROUGH cluster to the CONNECT target itself, not to its endpoints', async () => {
    // Bound to whatever `localhost` resolves to first, as the proxy's own lookup will.
    const target = createServer((s) =>
      s.on('data', (d: Buffer) => s.end(`direct ${d.toString()}`)),
    );
    await new Promise<void>((r) => target.listen(0, 'localhost', () => r()));
    closers.push(() => target.close());
    const targetPort = (target.address() as AddressInfo).port;
    const elsewhere = await closedPort();
    const table = buildTable({
      yaml: '',
      clusters: [
        {
          // A ServiceEntry-like host for an address (an external database, say).
          host: '127.0.0.1',
          port: targetPort,
          endpoints: [elsewhere],
          trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } },
        },
      ],
    });
    const { port, logs } = await proxyFor(table);
    const { status, reply } = await tunnel(port, `127.0.0.1:${targetPort}`, 'hi');
    expect({ status, reason: status === '200' ? '' : reply }).toEqual({
      status: '200',
      reason: '',
    });
    expect(reply).toBe('direct hi');
    await new Promise((r) => setTimeout(r, 20));
    expect(logs[0]?.upstream_host).toMatch(new RegExp(`:${targetPort}$`));
    expect(logs[0]?.upstream_host).not.toMatch(new RegExp(`:${elsewhere}$`));
  });

  it('originates TLS for a DestinationRule tls SIMPLE, or says why it cannot (UF)', async () => {
    const certs = makeTestCerts();
    closers.push(() => rmSync(certs.dir, { recursive: true, force: true }));
    const pair = certs.leaf('db', 'DNS:db.example.com');
    const backend = createTlsServer(
      { key: readFileSync(pair.key), cert: readFileSync(pair.cert) },
      (s) => s.on('data', (d: Buffer) => s.end(`tls ${d.toString()}`)),
    );
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    closers.push(() => backend.close());
    const backendPort = (backend.address() as AddressInfo).port;
    const withTls = (tls: Record<string, unknown>) =>
      proxyFor(
        buildTable({
          yaml: '',
          clusters: [
            {
              host: 'db.example.com',
              port: 5432,
              endpoints: [backendPort],
              trafficPolicy: { tls },
            },
          ],
        }),
      );
    const ok = await withTls({ mode: 'SIMPLE', caCertificates: certs.ca });
    expect(await tunnel(ok.port, 'db.example.com:5432', 'select 1')).toEqual({
      status: '200',
      reply: 'tls select 1',
    });
    const bad = await withTls({ mode: 'SIMPLE', caCertificates: `${certs.dir}/missing.crt` });
    const refused = await tunnel(bad.port, 'db.example.com:5432', 'select 1');
    expect(refused.status).toBe('503');
    expect(refused.reply).toMatch(/^UF .*cannot read DestinationRule tls\.caCertificates/);
  });

  it('refuses with a reason: unknown host (NR), endpoint down (UF)', async () => {
    const down = await closedPort();
    const { port, logs } = await proxyWith('', down, down);
    const unknown = await tunnel(port, 'nowhere:9000', 'x');
    expect(unknown.status).toBe('404');
    expect(unknown.reply).toMatch(/^NR /);
    const failed = await tunnel(port, 'tcp-echo:9000', 'x');
    expect(failed.status).toBe('503');
    expect(failed.reply).toMatch(/^UF upstream connect error/);
    expect(logs.map((l) => l.response_flags)).toEqual(['NR', 'UF']);
  });
});

/** Opens a CONNECT tunnel and resolves with the socket once the proxy answered 200. */
function openTunnel(proxyPort: number, target: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target });
    req.on('connect', (res, socket: Socket, head: Buffer) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT ${target}: ${res.statusCode}`));
      // Bytes the upstream sent right behind the 200 arrive with it.
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Everything the tunnel sends until the other side closes it. */
function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('close', () => resolve(got));
  });
}

describe('protocol detection inside CONNECT tunnels', () => {
  const closers: (() => Promise<void> | void)[] = [];
  let v1: TestUpstream;
  let v2: TestUpstream;
  beforeAll(async () => {
    v1 = await startUpstream('v1');
    v2 = await startUpstream('v2');
  });
  afterAll(async () => {
    await v1.close();
    await v2.close();
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  /** The outbound forward proxy with CONNECT handling, as src/proxy.ts wires it. */
  async function outboundWith(
    yaml: string,
    clusters: Parameters<typeof buildTable>[0]['clusters'],
  ) {
    const table = buildTable({ yaml, clusters });
    const httpLogs: AccessLogEntry[] = [];
    const tunnelLogs: TcpLogEntry[] = [];
    const node = { namespace: 'default', labels: { app: 'sleep' } };
    const server = createOutboundServer({
      table: () => table,
      node,
      log: (e) => httpLogs.push(e),
    });
    const tunnels = connectTunnelHandler({
      table: () => table,
      node,
      active: new ActiveRequests(),
      log: (e) => tunnelLogs.push(e),
      sniffTimeoutMs: 300,
    });
    server.on('connect', tunnels);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.push(async () => {
      await tunnels.close();
      await closeServer(server);
    });
    return { port: (server.address() as AddressInfo).port, httpLogs, tunnelLogs };
  }

  const REVIEWS = 'reviews.default.svc.cluster.local';
  const reviewsVs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`;

  it('routes HTTP/1.1 requests in a tunnel at L7, per request, with keep-alive', async () => {
    const { port, httpLogs, tunnelLogs } = await outboundWith(reviewsVs, [
      { host: REVIEWS, endpoints: [v1.port, v2.port] },
      { host: REVIEWS, subset: 'v1', endpoints: [v1.port] },
      { host: REVIEWS, subset: 'v2', endpoints: [v2.port] },
    ]);
    const socket = await openTunnel(port, 'reviews:9080');
    const all = readAll(socket);
    // Two requests on the one tunnel connection: each routed on its own headers.
    socket.write('GET /reviews/1 HTTP/1.1\r\nHost: reviews:9080\r\n\r\n');
    socket.write(
      'GET /reviews/2 HTTP/1.1\r\nHost: reviews:9080\r\nend-user: jason\r\nConnection: close\r\n\r\n',
    );
    const text = await all;
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(text).toMatch(/x-upstream: v1[\s\S]*x-upstream: v2/);
    expect(v1.requests.map((r) => r.url)).toContain('/reviews/1');
    expect(v2.requests.map((r) => r.url)).toContain('/reviews/2');
    await new Promise((r) => setTimeout(r, 50));
    expect(httpLogs.map((l) => [l.path, l.upstream_cluster])).toEqual([
      ['/reviews/1', `outbound|9080|v1|${REVIEWS}`],
      ['/reviews/2', `outbound|9080|v2|${REVIEWS}`],
    ]);
    expect(tunnelLogs).toEqual([
      expect.objectContaining({ authority: 'reviews:9080', protocol: 'http/1.1' }),
    ]);
  });

  it('splices a server-first protocol at once, without waiting for the client', async () => {
    const banner = createServer((s) => {
      s.write('220 mail.example ESMTP\r\n');
      s.on('data', (d: Buffer) => s.end(`250 got ${d.toString()}`));
    });
    await new Promise<void>((r) => banner.listen(0, '127.0.0.1', () => r()));
    closers.push(() => void banner.close());
    const { port, tunnelLogs } = await outboundWith('', [
      {
        host: 'mail.default.svc.cluster.local',
        port: 25,
        endpoints: [(banner.address() as AddressInfo).port],
      },
    ]);
    const started = Date.now();
    const socket = await openTunnel(port, 'mail:25');
    const greeting = await new Promise<string>((r) =>
      socket.once('data', (d: Buffer) => r(d.toString())),
    );
    // Well inside the 300 ms sniff timeout: the upstream's banner decided it.
    expect(Date.now() - started).toBeLessThan(250);
    expect(greeting).toBe('220 mail.example ESMTP\r\n');
    const rest = readAll(socket);
    socket.write('HELO me');
    expect(await rest).toBe('250 got HELO me');
    await new Promise((r) => setTimeout(r, 50));
    expect(tunnelLogs).toEqual([expect.objectContaining({ protocol: 'tcp', response_flags: '-' })]);
  });

  it('splices a client that stays silent past the sniff timeout', async () => {
    const quiet = createServer((s) => s.on('data', (d: Buffer) => s.end(`echo ${d.toString()}`)));
    await new Promise<void>((r) => quiet.listen(0, '127.0.0.1', () => r()));
    closers.push(() => void quiet.close());
    const { port } = await outboundWith('', [
      {
        host: 'quiet.default.svc.cluster.local',
        port: 7000,
        endpoints: [(quiet.address() as AddressInfo).port],
      },
    ]);
    const socket = await openTunnel(port, 'quiet:7000');
    const all = readAll(socket);
    await new Promise((r) => setTimeout(r, 400));
    // Looks like HTTP, but the decision was made: TCP.
    socket.write('GET / HTTP/1.1\r\n\r\n');
    expect(await all).toBe('echo GET / HTTP/1.1\r\n\r\n');
  });

  it('closes a non-HTTP client of a host only routable at L7 (NR)', async () => {
    const { port, tunnelLogs } = await outboundWith(reviewsVs, [
      { host: REVIEWS, endpoints: [v1.port] },
      { host: REVIEWS, subset: 'v1', endpoints: [v1.port] },
      { host: REVIEWS, subset: 'v2', endpoints: [v2.port] },
    ]);
    const before = v1.connections();
    const socket = await openTunnel(port, 'reviews:9080');
    const all = readAll(socket);
    socket.write('\x16\x03\x01 not http');
    expect(await all).toBe('');
    await new Promise((r) => setTimeout(r, 50));
    expect(tunnelLogs).toEqual([
      expect.objectContaining({ response_flags: 'NR', protocol: 'tcp' }),
    ]);
    expect(tunnelLogs[0]!.reason).toMatch(/no tcp route matched reviews.*did not speak HTTP/);
    expect(v1.connections()).toBe(before);
  });
});

describe('TCP inbound listener', () => {
  it('splices mesh connections to the app and logs the bytes', async () => {
    const app = await echoServer('app');
    const logs: TcpLogEntry[] = [];
    const listener: InboundListener = {
      name: 'inbound|9000',
      direction: 'inbound',
      port: 9000,
      bindPort: 0,
      protocol: 'TCP',
      targetPort: app.port,
      cluster: 'inbound|9000||',
    };
    const server = createTcpInboundServer(listener, (e) => logs.push(e));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write('ping'));
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
    expect(reply).toBe('app ping');
    await new Promise((r) => setTimeout(r, 50));
    expect(logs).toEqual([
      expect.objectContaining({ direction: 'inbound', bytes_received: 4, bytes_sent: 8 }),
    ]);
    server.close();
    app.server.close();
  });

  it('tells its logger when a connection is spliced, while it is open, with the entry it logs at the end', async () => {
    // An app that echoes and keeps the connection open: telemetry reports it while it lasts.
    const app = createServer((s) => s.on('data', (d: Buffer) => s.write(d)));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    const opened: TcpLogEntry[] = [];
    const logs: TcpLogEntry[] = [];
    const log = Object.assign((e: TcpLogEntry) => logs.push(e), {
      opened: (e: TcpLogEntry) => opened.push(e),
    });
    const server = createTcpInboundServer(
      {
        name: 'inbound|9000',
        direction: 'inbound',
        port: 9000,
        bindPort: 0,
        protocol: 'TCP',
        targetPort: (app.address() as AddressInfo).port,
        cluster: 'inbound|9000||',
      },
      log,
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.write('abc');
    await new Promise((r) => client.once('data', r));
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ direction: 'inbound', upstream_cluster: 'inbound|9000||' });
    // Bytes are counted on the entry as they pass, before the connection ends.
    expect(opened[0]!.bytes_received).toBe(3);
    expect(logs).toEqual([]);
    client.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toBe(opened[0]);
    expect(opened).toHaveLength(1);
    server.close();
    app.close();
  });
});
