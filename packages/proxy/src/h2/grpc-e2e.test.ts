// gRPC through the sidecar over real sockets, the way a gRPC app uses it: grpc-js with
// grpc_proxy opens `CONNECT greeter:50051` on the outbound forward proxy and speaks h2c inside;
// the proxy sniffs the preface, routes each call by :authority, and forwards over h2c to the
// upstream's HTTP2 inbound listener, which forwards to the gRPC app.
import * as grpc from '@grpc/grpc-js';
import { connect as connectH2 } from 'node:http2';
import type { Server } from 'node:net';
import type { InboundListener } from '@mesh/proto';
import type { AccessLogEntry } from '../http/access-log.js';
import { createOutboundServer } from '../http/outbound-server.js';
import { buildTable, closedPort, closeServer } from '../http/test-support/fixtures.js';
import { connectTunnelHandler, type TcpLogEntry } from '../tcp/tcp-proxy.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { createH2InboundServer } from './inbound.js';
import { withPortProtocol } from './test-support/table.js';
import {
  greet,
  h2Request,
  h2ViaTunnel,
  greeterViaProxy,
  listenOn,
  startGrpcApp,
  type GreeterClient,
  type GrpcApp,
  type Hello,
} from './test-support/grpc.js';

const GREETER = 'greeter.default.svc.cluster.local';

// grpc-js reports refused tunnels and reconnects on the console; the tests assert on statuses.
grpc.setLogVerbosity(grpc.logVerbosity.NONE);

const vs = (spec: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: greeter, namespace: default }
spec:
  hosts: [greeter]
${spec}`;

interface Sidecar {
  readonly port: number;
  readonly inboundPort: number;
  readonly h2Logs: AccessLogEntry[];
  readonly inboundLogs: AccessLogEntry[];
  readonly tunnelLogs: TcpLogEntry[];
  /** Connections the inbound listener accepted. */
  inboundConnections(): number;
}

let app: GrpcApp;
const closers: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  app = await startGrpcApp('greeter-v1');
});

afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await app.close();
});

function client(target: string, port: number, options: grpc.ChannelOptions = {}): GreeterClient {
  const c = greeterViaProxy(target, port, options);
  closers.push(() => c.close());
  return c;
}

async function inboundFor(targetPort: number, logs: AccessLogEntry[]) {
  const listener: InboundListener = {
    name: 'inbound|50051',
    direction: 'inbound',
    port: 50051,
    bindPort: 0,
    protocol: 'GRPC',
    targetPort,
    cluster: 'inbound|50051||',
  };
  const server: Server = createH2InboundServer(listener, (e) => logs.push(e));
  let connections = 0;
  server.on('connection', () => connections++);
  const port = await listenOn(server);
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        setTimeout(r, 200);
      }),
  );
  return { port, connections: () => connections };
}

/** Outbound sidecar (forward proxy + CONNECT) in front of an inbound sidecar in front of `app`. */
async function mesh(yaml = '', endpoints?: number[], protocol = 'GRPC'): Promise<Sidecar> {
  const inboundLogs: AccessLogEntry[] = [];
  const inbound = await inboundFor(app.port, inboundLogs);
  const built = buildTable({
    yaml,
    clusters: [
      { host: GREETER, port: 50051, endpoints: endpoints ?? [inbound.port] },
      { host: GREETER, port: 50051, subset: 'v1', endpoints: endpoints ?? [inbound.port] },
    ],
  });
  const table = withPortProtocol(built, protocol);
  const h2Logs: AccessLogEntry[] = [];
  const tunnelLogs: TcpLogEntry[] = [];
  const node = { namespace: 'default', labels: { app: 'client' } };
  const outbound = createOutboundServer({
    table: () => table,
    node,
    log: () => undefined,
  });
  const tunnels = connectTunnelHandler({
    table: () => table,
    node,
    active: new ActiveRequests(),
    log: (e) => tunnelLogs.push(e),
    httpLog: (e) => h2Logs.push(e),
  });
  outbound.on('connect', tunnels);
  const port = await listenOn(outbound);
  closers.push(async () => {
    await tunnels.close();
    await closeServer(outbound);
  });
  return {
    port,
    inboundPort: inbound.port,
    h2Logs,
    inboundLogs,
    tunnelLogs,
    inboundConnections: inbound.connections,
  };
}

function mdValue(md: grpc.Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0];
  return v === undefined ? undefined : String(v);
}

/** A raw h2 Greet call with a grpc-timeout (grpc-js would give up by itself at its deadline). */
function greetWithTimeout(
  session: Parameters<typeof h2Request>[0],
  grpcTimeout: string,
  extra: Record<string, string> = {},
): ReturnType<typeof h2Request> {
  return h2Request(
    session,
    {
      ':method': 'POST',
      ':path': '/test.Greeter/Greet',
      ...extra,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': grpcTimeout,
    },
    // One gRPC message frame: uncompressed, 2 bytes, `{}`.
    '\u0000\u0000\u0000\u0000\u0002{}',
  );
}

describe('gRPC through CONNECT + h2c sniffing', () => {
  it('carries a unary call end to end, trailers included, over one tunnel and one upstream session', async () => {
    const sidecar = await mesh();
    const c = client('greeter:50051', sidecar.port);
    const first = await greet(c, 'world');
    expect(first.err).toBeNull();
    expect(first.res).toMatchObject<Hello>({
      name: 'hello world',
      from: 'greeter-v1',
      authority: 'greeter:50051',
      attempt: '1',
    });
    expect(mdValue(first.trailers, 'x-app-trailer')).toBe('greeter-v1');
    for (let i = 0; i < 4; i++) expect((await greet(c, `n${i}`)).err).toBeNull();
    // Keep-alive both sides: one tunnel (not closed yet, so not logged) and one upstream session.
    expect(sidecar.tunnelLogs).toEqual([]);
    expect(sidecar.inboundConnections()).toBe(1);
    await waitFor(() => sidecar.h2Logs.length === 5);
    expect(await firstLog(sidecar.h2Logs)).toMatchObject({
      direction: 'outbound',
      method: 'POST',
      authority: 'greeter:50051',
      path: '/test.Greeter/Greet',
      protocol: 'HTTP/2',
      response_code: 200,
      response_flags: '-',
      upstream_cluster: `outbound|50051||${GREETER}`,
      upstream_host: `127.0.0.1:${sidecar.inboundPort}`,
      attempts: 1,
      route_name: 'default',
    });
    expect(await firstLog(sidecar.inboundLogs)).toMatchObject({
      direction: 'inbound',
      protocol: 'HTTP/2',
      response_code: 200,
      upstream_host: `127.0.0.1:${app.port}`,
    });
    c.close();
    await waitFor(() => sidecar.tunnelLogs.length === 1);
    expect(sidecar.tunnelLogs[0]).toMatchObject({
      authority: 'greeter:50051',
      protocol: 'h2c',
      response_flags: '-',
    });
    expect(sidecar.tunnelLogs[0]!.bytes_received).toBeGreaterThan(0);
  });

  it('on a port not declared HTTP/2 the tunnel is connected before 200, then sniffed as h2c', async () => {
    const sidecar = await mesh('', undefined, 'HTTP');
    const { err, res } = await greet(client('greeter:50051', sidecar.port), 'x');
    expect(err).toBeNull();
    expect(res?.from).toBe('greeter-v1');
    // One connection made for a possible TCP splice and dropped unused, one h2c session.
    expect(sidecar.inboundConnections()).toBe(2);
  });

  it('passes the app status through: NOT_FOUND stays NOT_FOUND with its message', async () => {
    app.greet = (_call, callback) =>
      callback({ code: grpc.status.NOT_FOUND, details: 'no such greeting' });
    const sidecar = await mesh();
    const { err } = await greet(client('greeter:50051', sidecar.port), 'x');
    expect(err?.code).toBe(grpc.status.NOT_FOUND);
    expect(err?.details).toBe('no such greeting');
    expect(await firstLog(sidecar.h2Logs)).toMatchObject({
      response_code: 200,
      response_flags: '-',
    });
  });

  it('streams server-streaming responses', async () => {
    const sidecar = await mesh();
    const c = client('greeter:50051', sidecar.port);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = c.Count({ name: '500' });
      call.on('data', (m: Hello) => got.push(m.name));
      call.on('error', reject);
      call.on('status', (s: grpc.StatusObject) =>
        s.code === grpc.status.OK ? resolve() : reject(new Error(s.details)),
      );
    });
    expect(got).toHaveLength(500);
    expect(got[499]).toBe('499');
  });

  it('answers an unknown :authority with UNIMPLEMENTED and x-mesh-error NR (trailers-only)', async () => {
    const sidecar = await mesh();
    const c = client('greeter:50051', sidecar.port, { 'grpc.default_authority': 'nowhere:50051' });
    const { err, headers } = await greet(c, 'x');
    expect(err?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err?.details).toMatch(/no VirtualService or service for host nowhere/);
    expect(mdValue(err?.metadata ?? headers, 'x-mesh-error')).toMatch(/^NR /);
    expect(app.calls).toEqual([]);
    expect(await firstLog(sidecar.h2Logs)).toMatchObject({
      response_code: 200,
      response_flags: 'NR',
    });
  });

  it('refuses a tunnel to an unknown host: the client sees UNAVAILABLE', async () => {
    const sidecar = await mesh();
    const { err } = await greet(
      client('nowhere:50051', sidecar.port),
      'x',
      {},
      { deadline: Date.now() + 2000 },
    );
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    await waitFor(() => sidecar.tunnelLogs.length > 0);
    expect(sidecar.tunnelLogs[0]).toMatchObject({ response_flags: 'NR' });
  });

  it('aborts with the configured grpcStatus (fault injection, 100%)', async () => {
    const sidecar = await mesh(
      vs(`  http:
  - fault: { abort: { grpcStatus: UNAVAILABLE, percentage: { value: 100 } } }
    route: [{ destination: { host: greeter } }]`),
    );
    const { err } = await greet(client('greeter:50051', sidecar.port), 'x');
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(err?.details).toBe('fault filter abort');
    expect(mdValue(err?.metadata, 'x-mesh-error')).toBe('FI fault filter abort');
    expect(app.calls).toEqual([]);
    expect(await firstLog(sidecar.h2Logs)).toMatchObject({ response_flags: 'FI' });
  });

  it('maps local replies to gRPC statuses: endpoint down is UNAVAILABLE (UF)', async () => {
    const down = await closedPort();
    const sidecar = await mesh(
      vs(`  http:
  - route: [{ destination: { host: greeter, subset: v1 } }]`),
      [down],
    );
    // The tunnel itself goes to a tcp-less VirtualService: answered at once, routed per call.
    const { err } = await greet(client('greeter:50051', sidecar.port), 'x');
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(mdValue(err?.metadata, 'x-mesh-error')).toMatch(/^UF upstream connect error/);
    expect(await firstLog(sidecar.h2Logs)).toMatchObject({ response_code: 200 });
    // Istio's default retry policy (2 attempts on connect-failure) ran out: UF plus URX.
    expect(sidecar.h2Logs[0]!.response_flags).toBe('UF,URX');
  });

  it('maps a route timeout to DEADLINE_EXCEEDED (UT)', async () => {
    app.greet = (call, callback) => {
      const t = setTimeout(() => callback(null, { name: 'late' }), 2000);
      call.on('cancelled', () => clearTimeout(t));
    };
    const sidecar = await mesh(
      vs(`  http:
  - timeout: 100ms
    route: [{ destination: { host: greeter } }]`),
    );
    const started = Date.now();
    const { err } = await greet(client('greeter:50051', sidecar.port), 'x');
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(mdValue(err?.metadata, 'x-mesh-error')).toMatch(/^UT /);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("enforces the client's grpc-timeout, capped by the route timeout (Istio's grpcTimeoutHeaderMax)", async () => {
    app.greet = (call, callback) => {
      const t = setTimeout(() => callback(null, { name: 'late' }), 3000);
      call.on('cancelled', () => clearTimeout(t));
    };
    const call = async (port: number, grpcTimeout: string) => {
      // A raw h2 client: grpc-js would give up by itself at its deadline, hiding the proxy's.
      const session = await h2ViaTunnel(port, 'greeter:50051');
      closers.push(() => void session.destroy());
      const started = Date.now();
      const reply = await greetWithTimeout(session, grpcTimeout);
      return { ...reply, elapsed: Date.now() - started };
    };

    const open = await mesh();
    const own = await call(open.port, '150m');
    expect(own.headers['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    expect(String(own.headers['x-mesh-error'])).toMatch(/^UT .*client's grpc-timeout of 150 ms/);
    expect(own.elapsed).toBeGreaterThanOrEqual(140);
    expect(own.elapsed).toBeLessThan(2000);

    const capped = await mesh(
      vs(`  http:
  - timeout: 100ms
    route: [{ destination: { host: greeter } }]`),
    );
    const route = await call(capped.port, '10S');
    expect(route.headers['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    expect(String(route.headers['x-mesh-error'])).toMatch(/^UT .*route timeout of 100 ms/);
    expect(route.elapsed).toBeLessThan(2000);
  });

  it("enforces grpc-timeout on the inbound side too, where routes have no timeout (Istio's inbound)", async () => {
    app.greet = (call, callback) => {
      const t = setTimeout(() => callback(null, { name: 'late' }), 3000);
      call.on('cancelled', () => clearTimeout(t));
    };
    const logs: AccessLogEntry[] = [];
    const inbound = await inboundFor(app.port, logs);
    const session = connectH2(`http://127.0.0.1:${inbound.port}`);
    closers.push(() => void session.destroy());
    const started = Date.now();
    const reply = await greetWithTimeout(session, '150m', { ':authority': 'greeter:50051' });
    expect(reply.headers['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    expect(String(reply.headers['x-mesh-error'])).toMatch(/^UT .*client's grpc-timeout of 150 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('retries on grpc-status UNAVAILABLE only when retryOn says unavailable', async () => {
    let n = 0;
    app.greet = (_call, callback) =>
      ++n % 2 === 1
        ? callback({ code: grpc.status.UNAVAILABLE, details: 'warming up' })
        : callback(null, { name: `ok after ${n}` });
    const sidecar = await mesh(
      vs(`  http:
  - retries: { attempts: 2, retryOn: unavailable }
    route: [{ destination: { host: greeter } }]`),
    );
    const { err, res } = await greet(client('greeter:50051', sidecar.port), 'x');
    expect(err).toBeNull();
    expect(res?.name).toBe('ok after 2');
    expect(await firstLog(sidecar.h2Logs)).toMatchObject({ attempts: 2, response_flags: '-' });

    // Without the condition the first UNAVAILABLE is final.
    n = 0;
    const plain = await mesh(
      vs(`  http:
  - retries: { attempts: 2, retryOn: internal }
    route: [{ destination: { host: greeter } }]`),
    );
    const once = await greet(client('greeter:50051', plain.port), 'x');
    expect(once.err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(await firstLog(plain.h2Logs)).toMatchObject({ attempts: 1 });
  });

  it('retries connect failures onto another endpoint', async () => {
    app.greet = undefined;
    const down = await closedPort();
    const inboundLogs: AccessLogEntry[] = [];
    const inbound = await inboundFor(app.port, inboundLogs);
    const sidecar = await mesh(
      vs(`  http:
  - retries: { attempts: 3, retryOn: connect-failure }
    route: [{ destination: { host: greeter } }]`),
      [down, inbound.port],
    );
    const c = client('greeter:50051', sidecar.port);
    for (let i = 0; i < 6; i++) {
      const { err } = await greet(c, `n${i}`);
      expect(err).toBeNull();
    }
    await waitFor(() => sidecar.h2Logs.length === 6);
    expect(sidecar.h2Logs.some((l) => l.attempts > 1)).toBe(true);
  });
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function firstLog<T>(logs: T[]): Promise<T> {
  await waitFor(() => logs.length > 0);
  return logs[0]!;
}
