// Upgrade requests over real sockets: routed like any request, then spliced both ways.
import { createServer, request, type Server } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { buildTable, closedPort } from '../http/test-support/fixtures.js';
import { makeTestCerts } from '../test-support/certs.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import {
  inboundUpgradeHandler,
  outboundUpgradeHandler,
  type UpgradeLogEntry,
} from './websocket.js';

const CHAT = 'chat.default.svc.cluster.local';

/** An upgrade-only server: answers 101, then echoes with its name in front. */
async function echoUpgradeServer(
  name: string,
): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((_req, res) => res.end('not an upgrade\n'));
  server.on('upgrade', (req, socket) => {
    paths.push(`${req.headers.host} ${req.url}`);
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
    socket.on('data', (d: Buffer) => socket.write(`${name}:${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

function upgrade(
  port: number,
  path: string,
  host: string,
  message: string,
): Promise<{ status: number; reply: string; error?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: { host, connection: 'Upgrade', upgrade: 'websocket' },
    });
    req.on('upgrade', (res, socket) => {
      socket.write(message);
      socket.once('data', (d: Buffer) => {
        resolve({ status: res.statusCode ?? 0, reply: d.toString() });
        socket.destroy();
      });
    });
    req.on('response', (res) => {
      resolve({
        status: res.statusCode ?? 0,
        reply: '',
        error: String(res.headers['x-mesh-error'] ?? ''),
      });
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
}

async function serverWith(
  onUpgrade: ReturnType<typeof outboundUpgradeHandler>,
): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('plain\n'));
  server.on('upgrade', onUpgrade);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('WebSocket upgrades', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  it('routes the upgrade by the VirtualService, rewrites it, and splices both ways', async () => {
    const v1 = await echoUpgradeServer('v1');
    const v2 = await echoUpgradeServer('v2');
    closers.push(
      () => v1.server.close(),
      () => v2.server.close(),
    );
    const table = buildTable({
      yaml: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: chat}
spec:
  hosts: [chat]
  http:
  - match: [{uri: {prefix: /beta}}]
    rewrite: {uri: /ws}
    route: [{destination: {host: chat, subset: v2}}]
  - route: [{destination: {host: chat, subset: v1}}]
`,
      clusters: [
        { host: CHAT, endpoints: [v1.port, v2.port] },
        { host: CHAT, subset: 'v1', endpoints: [v1.port] },
        { host: CHAT, subset: 'v2', endpoints: [v2.port] },
      ],
    });
    const logs: UpgradeLogEntry[] = [];
    const proxy = await serverWith(
      outboundUpgradeHandler({
        table: () => table,
        node: { namespace: 'default', labels: {} },
        active: new ActiveRequests(),
        log: (e) => logs.push(e),
      }),
    );
    closers.push(() => proxy.server.close());
    const a = await upgrade(proxy.port, 'http://chat:9080/ws', 'chat:9080', 'hello');
    expect(a).toEqual({ status: 101, reply: 'v1:hello' });
    const b = await upgrade(proxy.port, 'http://chat:9080/beta/room', 'chat:9080', 'hi');
    expect(b).toEqual({ status: 101, reply: 'v2:hi' });
    expect(v2.paths).toEqual(['chat:9080 /ws/room']);
    // A connection is logged when it closes.
    for (let i = 0; i < 50 && logs.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(logs.map((l) => [l.upstream_cluster, l.response_flags])).toEqual([
      ['outbound|9080|v1|chat.default.svc.cluster.local', '-'],
      ['outbound|9080|v2|chat.default.svc.cluster.local', '-'],
    ]);
  });

  it('upgrades over TLS to the upstream for a DestinationRule tls SIMPLE (ws in, wss out)', async () => {
    const certs = makeTestCerts();
    closers.push(() => rmSync(certs.dir, { recursive: true, force: true }));
    const pair = certs.leaf('chat', `DNS:${CHAT}`);
    const secure = createHttpsServer({
      key: readFileSync(pair.key),
      cert: readFileSync(pair.cert),
    });
    secure.on('upgrade', (req, socket) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      );
      const encrypted = (socket as { encrypted?: boolean }).encrypted === true;
      socket.on('data', (d: Buffer) =>
        socket.write(`${encrypted ? 'wss' : 'ws'}:${req.url}:${d.toString()}`),
      );
    });
    await new Promise<void>((r) => secure.listen(0, '127.0.0.1', () => r()));
    closers.push(() => secure.close());
    const table = buildTable({
      clusters: [
        {
          host: CHAT,
          endpoints: [(secure.address() as AddressInfo).port],
          trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: certs.ca } },
        },
      ],
    });
    const proxy = await serverWith(
      outboundUpgradeHandler({
        table: () => table,
        node: { namespace: 'default', labels: {} },
        active: new ActiveRequests(),
        log: () => undefined,
      }),
    );
    closers.push(() => proxy.server.close());
    expect(await upgrade(proxy.port, 'http://chat:9080/ws', 'chat:9080', 'hi')).toEqual({
      status: 101,
      reply: 'wss:/ws:hi',
    });
  });

  it('answers an unroutable upgrade and an unreachable app with a flag', async () => {
    const table = buildTable({ clusters: [] });
    const logs: UpgradeLogEntry[] = [];
    const proxy = await serverWith(
      outboundUpgradeHandler({
        table: () => table,
        node: { namespace: 'default', labels: {} },
        active: new ActiveRequests(),
        log: (e) => logs.push(e),
      }),
    );
    const down = await closedPort();
    const inbound = await serverWith(inboundUpgradeHandler(down, (e) => logs.push(e)));
    closers.push(
      () => proxy.server.close(),
      () => inbound.server.close(),
    );
    const nr = await upgrade(proxy.port, 'http://nowhere:80/ws', 'nowhere', 'x');
    expect(nr.status).toBe(404);
    expect(nr.error).toMatch(/^NR /);
    const uf = await upgrade(inbound.port, '/ws', 'chat:9080', 'x');
    expect(uf.status).toBe(503);
    expect(uf.error).toMatch(/^UF app not reachable/);
  });

  it('passes inbound upgrades to the app', async () => {
    const app = await echoUpgradeServer('app');
    const inbound = await serverWith(inboundUpgradeHandler(app.port, () => undefined));
    closers.push(
      () => app.server.close(),
      () => inbound.server.close(),
    );
    expect(await upgrade(inbound.port, '/ws', 'chat:9080', 'ping')).toEqual({
      status: 101,
      reply: 'app:ping',
    });
    expect(app.paths).toEqual(['chat:9080 /ws']);
  });
});
