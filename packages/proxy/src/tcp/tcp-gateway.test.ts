// The TCP ingress gateway over real sockets: Istio's tcp-echo gateway task, a Gateway server on a
// TCP port and a VirtualService bound to it whose tcp route sends connections to a subset.
import { readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import type { GatewayListener } from '@mesh/proto';
import { buildTable, closedPort } from '../http/test-support/fixtures.js';
import { makeTestCerts, type TestCerts } from '../test-support/certs.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { createTcpGatewayServer } from './tcp-gateway.js';
import type { TcpLogEntry } from './tcp-proxy.js';

const ECHO = 'tcp-echo.default.svc.cluster.local';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function listening(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

async function echo(prefix: string): Promise<number> {
  return listening(
    createServer((s) => s.on('data', (d: Buffer) => s.end(`${prefix} ${d.toString()}`))),
  );
}

/** Connects, sends `text`, and returns what came back before the gateway or app closed. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
    socket.write(text);
  });
}

const listener = (port: number, hosts = ['*']): GatewayListener => ({
  name: `gateway|${port}`,
  direction: 'gateway',
  port,
  protocol: 'TCP',
  servers: [{ gateway: 'default/tcp-echo-gateway', hosts }],
});

const vs = (port: number, weights: [number, number]) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-echo}
spec:
  hosts: ["*"]
  gateways: [tcp-echo-gateway]
  tcp:
  - match: [{port: ${port}}]
    route:
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v1}, weight: ${weights[0]}}
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v2}, weight: ${weights[1]}}
`;

async function gateway(yaml: string, gatewayPort: number, hosts?: string[]) {
  const v1 = await echo('one');
  const v2 = await echo('two');
  const table = buildTable({
    yaml,
    clusters: [
      { host: ECHO, port: 9000, endpoints: [v1, v2] },
      { host: ECHO, subset: 'v1', port: 9000, endpoints: [v1] },
      { host: ECHO, subset: 'v2', port: 9000, endpoints: [v2] },
    ],
  });
  const logs: TcpLogEntry[] = [];
  const opened: TcpLogEntry[] = [];
  const server = createTcpGatewayServer(listener(gatewayPort, hosts), {
    table: () => table,
    node: { namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
    active: new ActiveRequests(),
    log: Object.assign((e: TcpLogEntry) => logs.push(e), {
      opened: (e: TcpLogEntry) => opened.push(e),
    }),
  });
  return { port: await listening(server), logs, opened };
}

describe('TCP gateway listener', () => {
  it('routes each connection by the tcp route bound to the Gateway, as the tcp-echo task', async () => {
    const { port, logs, opened } = await gateway(vs(31400, [100, 0]), 31400);
    for (let i = 0; i < 5; i++) expect(await exchange(port, `hello ${i}`)).toBe(`one hello ${i}`);
    await new Promise((r) => setTimeout(r, 20));
    expect(logs).toHaveLength(5);
    // Each connection was announced when spliced (telemetry's opened count), then logged.
    expect(opened).toEqual(logs);
    for (let i = 0; i < 5; i++) expect(opened[i]).toBe(logs[i]);
    expect(logs[0]).toMatchObject({
      direction: 'gateway',
      response_flags: '-',
      upstream_cluster: `outbound|9000|v1|${ECHO}`,
    });
    expect(logs.every((l) => l.bytes_received === 'hello 0'.length)).toBe(true);
  });

  it('splits connections by weight', async () => {
    const { port } = await gateway(vs(31400, [20, 80]), 31400);
    let two = 0;
    const n = 200;
    for (let i = 0; i < n; i++) if ((await exchange(port, 'x')).startsWith('two')) two++;
    // 80% of 200: sd ~5.7; 5 sd either side.
    expect(Math.abs(two - 160)).toBeLessThan(29);
  });

  it('closes connections no route takes, and says why in the log (NR)', async () => {
    // The VirtualService matches another port than this Gateway server's.
    const { port, logs, opened } = await gateway(vs(31401, [100, 0]), 31400);
    expect(await exchange(port, 'hello')).toBe('');
    await new Promise((r) => setTimeout(r, 20));
    expect(logs[0]).toMatchObject({ response_flags: 'NR', upstream_cluster: null });
    // Never spliced: telemetry counts it opened and closed from the log entry alone.
    expect(opened).toEqual([]);
    expect(logs[0]?.reason).toBe('no tcp route matched *:31400');
  });

  it('closes with UF when the endpoint refuses', async () => {
    const down = await closedPort();
    const table = buildTable({
      yaml: vs(31400, [100, 0]),
      clusters: [{ host: ECHO, subset: 'v1', port: 9000, endpoints: [down] }],
    });
    const logs: TcpLogEntry[] = [];
    const server = createTcpGatewayServer(listener(31400), {
      table: () => table,
      node: { namespace: 'istio-system', labels: {} },
      active: new ActiveRequests(),
      log: (e) => logs.push(e),
    });
    const port = await listening(server);
    expect(await exchange(port, 'hello')).toBe('');
    await new Promise((r) => setTimeout(r, 20));
    expect(logs[0]).toMatchObject({ response_flags: 'UF', upstream_host: `127.0.0.1:${down}` });
  });
});

describe('TLS PASSTHROUGH gateway port', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeTestCerts();
  });
  afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

  /** An HTTPS-like backend for `name`: answers `<name> <what the client sent>` over its own TLS. */
  async function tlsBackend(name: string): Promise<number> {
    const pair = certs.leaf(name, `DNS:${name}.example.com`);
    return listening(
      createTlsServer({ key: readFileSync(pair.key), cert: readFileSync(pair.cert) }, (s) =>
        s.on('data', (d: Buffer) => s.end(`${name} ${d.toString()}`)),
      ) as unknown as Server,
    );
  }

  const PASSTHROUGH_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: passthrough}
spec:
  hosts: ["a.example.com", "b.example.com"]
  gateways: [tls-gateway]
  tls:
  - match: [{port: 443, sniHosts: [a.example.com]}]
    route: [{destination: {host: a.example.com, port: {number: 443}}}]
  - match: [{port: 443, sniHosts: [b.example.com]}]
    route: [{destination: {host: b.example.com, port: {number: 443}}}]
`;

  async function passthroughGateway() {
    const a = await tlsBackend('a');
    const b = await tlsBackend('b');
    const table = buildTable({
      yaml: PASSTHROUGH_VS,
      clusters: [
        { host: 'a.example.com', port: 443, endpoints: [a] },
        { host: 'b.example.com', port: 443, endpoints: [b] },
      ],
    });
    const logs: TcpLogEntry[] = [];
    const server = createTcpGatewayServer(
      {
        name: 'gateway|443',
        direction: 'gateway',
        port: 443,
        protocol: 'TLS',
        servers: [
          {
            gateway: 'default/tls-gateway',
            hosts: ['a.example.com', 'b.example.com'],
            tls: { mode: 'PASSTHROUGH' },
          },
        ],
      },
      {
        table: () => table,
        node: { namespace: 'istio-system', labels: {} },
        active: new ActiveRequests(),
        log: (e) => logs.push(e),
        sniffTimeoutMs: 2_000,
      },
    );
    return { port: await listening(server), logs };
  }

  /** Opens TLS through the gateway with `servername`; what came back and whose certificate. */
  function overTls(port: number, servername: string): Promise<{ text: string; cn: string }> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port,
        servername,
        ca: readFileSync(certs.ca),
      });
      let text = '';
      socket.on('secureConnect', () => socket.write('hello'));
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('end', () => {
        const cert = socket.getPeerCertificate() as { subject?: { CN?: unknown } } | null;
        if (!cert?.subject) reject(new Error('closed before the TLS handshake'));
        else resolve({ text, cn: String(cert.subject.CN) });
      });
      socket.on('error', reject);
    });
  }

  it('routes by SNI and passes the TLS through: the backend terminates it', async () => {
    const { port, logs } = await passthroughGateway();
    expect(await overTls(port, 'a.example.com')).toEqual({ text: 'a hello', cn: 'a' });
    expect(await overTls(port, 'b.example.com')).toEqual({ text: 'b hello', cn: 'b' });
    await new Promise((r) => setTimeout(r, 20));
    expect(
      logs.map((l) => [l.requested_server_name, l.upstream_cluster, l.response_flags]),
    ).toEqual([
      ['a.example.com', 'outbound|443||a.example.com', '-'],
      ['b.example.com', 'outbound|443||b.example.com', '-'],
    ]);
  });

  it('closes connections whose SNI no server or route takes, or that are not TLS (NR)', async () => {
    const { port, logs } = await passthroughGateway();
    await expect(overTls(port, 'c.example.com')).rejects.toThrow();
    expect(await exchange(port, 'GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n')).toBe('');
    await new Promise((r) => setTimeout(r, 20));
    expect(logs.map((l) => [l.response_flags, l.reason])).toEqual([
      ['NR', 'no server on port 443 has a host matching SNI c.example.com'],
      ['NR', expect.stringMatching(/^not a TLS ClientHello on a PASSTHROUGH port/)],
    ]);
  });
});
