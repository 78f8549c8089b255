// TCP over real sockets: CONNECT tunnels routed by tcp routes (the Istio TCP traffic-shifting
// task's tcp-echo v1/v2), local refusals that say why, and inbound splicing to the app.
import { createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import type { InboundListener } from '@mesh/proto';
import { buildTable, closedPort } from '../http/test-support/fixtures.js';
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
    const table = buildTable({
      yaml,
      clusters: [
        { host: ECHO, port: 9000, endpoints: [v1, v2] },
        { host: ECHO, subset: 'v1', port: 9000, endpoints: [v1] },
        { host: ECHO, subset: 'v2', port: 9000, endpoints: [v2] },
      ],
    });
    const logs: TcpLogEntry[] = [];
    const server: HttpServer = createHttpServer();
    server.on(
      'connect',
      connectTunnelHandler({
        table: () => table,
        node: { namespace: 'default', labels: { app: 'sleep' } },
        active: new ActiveRequests(),
        log: (e) => logs.push(e),
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.push(() => server.close());
    return { port: (server.address() as AddressInfo).port, logs };
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
});
