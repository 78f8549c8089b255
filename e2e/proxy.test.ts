// Sidecars as users run them: real mesh-control-plane and mesh-proxy processes, real app servers,
// traffic through the client sidecar's forward proxy to the server sidecars' inbound ports.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { createServer, request, type Server } from 'node:http';
import {
  connect,
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mesh/store/testing';
import { heldDestinations, sameDestinations } from './support/config-dump.js';
import { startMeshProxy, stopAllProxies, type ProxyProcess } from './support/mesh-proxy.js';
import {
  meshctl,
  startControlPlane,
  stopAllControlPlanes,
  type ControlPlaneProcess,
} from './support/processes.js';
import { selfSignedCert } from './support/tls.js';
import { sleep, waitFor } from './support/wait.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request through a sidecar's outbound port, as an app with HTTP_PROXY set sends it. */
function viaProxy(
  port: number,
  url: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { host: '127.0.0.1', port, method: 'GET', path: url, headers: { host: u.host, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout for ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

async function app(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.end(`${name} ${req.url}\n`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

const DEFAULT_RULES = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;

const JASON_TO_V2 = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`;

const HALF_AND_HALF = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 50}
    - {destination: {host: reviews, subset: v2}, weight: 50}
`;

const TCP_RULES = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: tcp-echo}
spec:
  host: tcp-echo
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;

const TCP_80_20 = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-echo}
spec:
  hosts: [tcp-echo]
  tcp:
  - match: [{port: 9000}]
    route:
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v1}, weight: 80}
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v2}, weight: 20}
`;

describe('sidecars on a local control plane', () => {
  let home: string;
  let cp: ControlPlaneProcess;
  const apps: Server[] = [];
  const tcpApps: TcpServer[] = [];
  let client: ProxyProcess;
  const servers: ProxyProcess[] = [];
  let appDown: number;

  const apply = async (yaml: string) => {
    const file = join(home, `doc-${Date.now()}.yaml`);
    writeFileSync(file, yaml);
    const r = await meshctl(['apply', '-f', file], {
      env: { MESH_HOME: home, MESH_CONTROL_PLANE: cp.grpc },
    });
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mesh-e2e-proxy-'));
    cp = await startControlPlane({ home });
    const controlPlane = ['--control-plane', cp.grpc];
    for (const version of ['v1', 'v2']) {
      const a = await app(`reviews-${version}`);
      apps.push(a.server);
      const inbound = await freePort();
      servers.push(
        await startMeshProxy(
          [
            ...controlPlane,
            '--workload',
            `reviews-${version}`,
            '--labels',
            `app=reviews,version=${version}`,
            '--service-port',
            `http:9080:${a.port}:${inbound}`,
          ],
          { MESH_ACCESS_LOG: 'off' },
        ),
      );
    }
    // A workload whose app is not running: its sidecar must answer for it.
    appDown = await freePort();
    servers.push(
      await startMeshProxy(
        [
          ...controlPlane,
          '--workload',
          'ratings-v1',
          '--labels',
          'app=ratings,version=v1',
          '--service-port',
          `http:9080:${appDown}:${await freePort()}`,
        ],
        { MESH_ACCESS_LOG: 'off' },
      ),
    );
    // tcp-echo v1/v2, the TCP traffic-shifting task's service: each echoes with its prefix.
    for (const [version, prefix] of [
      ['v1', 'one'],
      ['v2', 'two'],
    ] as const) {
      const echo = createTcpServer((sock) =>
        sock.on('data', (d: Buffer) => sock.end(`${prefix} ${d.toString()}`)),
      );
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
      tcpApps.push(echo);
      servers.push(
        await startMeshProxy(
          [
            ...controlPlane,
            '--workload',
            `tcp-echo-${version}`,
            '--labels',
            `app=tcp-echo,version=${version}`,
            '--service-port',
            `tcp:9000:${(echo.address() as AddressInfo).port}:${await freePort()}`,
          ],
          { MESH_ACCESS_LOG: 'off' },
        ),
      );
    }
    client = await startMeshProxy([
      ...controlPlane,
      '--workload',
      'productpage',
      '--labels',
      'app=productpage',
    ]);
    await apply(`${DEFAULT_RULES}---\n${JASON_TO_V2}`);
    for (const p of [client, ...servers]) {
      await waitFor(
        `${p.id} ready`,
        () => fetch(`http://127.0.0.1:${p.healthPort}/healthz/ready`).then((r) => r.status),
        (s) => s === 200,
        10_000,
      );
    }
  });

  afterAll(async () => {
    await Promise.all([client, ...servers].map((p) => p?.stop()));
    await stopAllProxies();
    await cp?.stop();
    await stopAllControlPlanes();
    for (const a of apps) a.close();
    for (const a of tcpApps) a.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('routes by header through two sidecars, as the Bookinfo request-routing task', async () => {
    // Before the VirtualService arrives, reviews is load balanced over v1 and v2, so one lucky
    // answer proves nothing: wait for ten in a row of each.
    await waitFor(
      'the VirtualService in effect',
      async () => {
        for (let i = 0; i < 10; i++) {
          const j = await viaProxy(client.outboundPort, 'http://reviews:9080/w', {
            'end-user': 'jason',
          });
          const o = await viaProxy(client.outboundPort, 'http://reviews:9080/w');
          if (j.body !== 'reviews-v2 /w\n' || o.body !== 'reviews-v1 /w\n') return false;
        }
        return true;
      },
      (ok) => ok,
      10_000,
    );
    for (let i = 0; i < 10; i++) {
      expect((await viaProxy(client.outboundPort, `http://reviews:9080/r${i}`)).body).toBe(
        `reviews-v1 /r${i}\n`,
      );
      expect(
        (await viaProxy(client.outboundPort, `http://reviews:9080/j${i}`, { 'end-user': 'jason' }))
          .body,
      ).toBe(`reviews-v2 /j${i}\n`);
    }
    // The client sidecar logs each request as one JSON line with its upstream cluster (lines may
    // arrive a little after the responses, and not necessarily in request order).
    const entry = (path: string) =>
      client
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l['path'] === path);
    const jason = await waitFor(
      '/j9 in the access log',
      () => entry('/j9'),
      (l) => l !== undefined,
      5000,
    );
    expect(jason).toMatchObject({
      authority: 'reviews:9080',
      response_code: 200,
      response_flags: '-',
      upstream_cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local',
    });
  });

  it('splits traffic by weight within statistical bounds', async () => {
    await apply(`${DEFAULT_RULES}---\n${HALF_AND_HALF}`);
    await waitFor(
      'the split in effect',
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 20; i++)
          seen.add((await viaProxy(client.outboundPort, 'http://reviews:9080/')).body);
        return seen.size;
      },
      (n) => n === 2,
      10_000,
    );
    const n = 400;
    let v1 = 0;
    for (let i = 0; i < n; i++) {
      if (
        (await viaProxy(client.outboundPort, 'http://reviews:9080/')).body.startsWith('reviews-v1')
      )
        v1++;
    }
    // 50% of 400: sd 10; 4 sd either side fails by chance about once in 16,000 runs.
    expect(Math.abs(v1 - n / 2)).toBeLessThan(40);
  });

  it('explains its own replies: unknown host and an app that is down', async () => {
    const unknown = await viaProxy(client.outboundPort, 'http://nowhere:9080/');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-mesh-error']).toMatch(/^NR /);
    const down = await viaProxy(client.outboundPort, 'http://ratings:9080/ratings/0');
    expect(down.status).toBe(503);
    expect(String(down.headers['x-mesh-error'])).toMatch(/^(UF|URX|UC)/);
    expect(down.body).not.toBe('');
  });

  it("shows a real sidecar's config and endpoint health with meshctl proxy-config --admin", async () => {
    const admin = `127.0.0.1:${client.adminPort}`;
    for (const type of ['listeners', 'routes', 'clusters']) {
      const r = await meshctl(['proxy-config', type, '--admin', admin]);
      expect({ type, code: r.code, err: r.err }).toEqual({ type, code: 0, err: '' });
    }
    const endpoints = await meshctl(['proxy-config', 'endpoints', '--admin', admin]);
    expect(endpoints).toMatchObject({ code: 0, err: '' });
    const lines = endpoints.out.trim().split('\n');
    expect(lines[0]).toMatch(/^ENDPOINT\s+STATUS\s+OUTLIER CHECK\s+CLUSTER$/);
    // Live from the proxy's /clusters: every endpoint has an outlier verdict, and reviews is there.
    expect(lines.slice(1).every((l) => /\s(OK|FAILED)\s/.test(l))).toBe(true);
    expect(lines.some((l) => /HEALTHY\s+OK\s+outbound\|9080\|v1\|reviews\./.test(l))).toBe(true);
  });

  it('keeps routing on its last config while the control plane is down, and takes updates after', async () => {
    await apply(`${DEFAULT_RULES}---\n${JASON_TO_V2}`);
    // The previous case's 50/50 split also sends ten in a row to v1, once in a thousand polls:
    // only the client's held config tells the old routes from the new.
    await waitFor(
      'the client sidecar to hold jason to v2, the rest to v1',
      () => heldDestinations(`127.0.0.1:${client.adminPort}`, 'default/reviews'),
      (d) => sameDestinations(d, [['v2'], ['v1']]),
      10_000,
    );
    for (let i = 0; i < 10; i++)
      expect((await viaProxy(client.outboundPort, 'http://reviews:9080/x')).body).toBe(
        'reviews-v1 /x\n',
      );
    const grpcPort = cp.grpcPort;
    const httpPort = cp.httpPort;
    await cp.kill();
    for (let i = 0; i < 20; i++) {
      const a = await viaProxy(client.outboundPort, 'http://reviews:9080/x', {
        'end-user': 'jason',
      });
      expect(a.body).toBe('reviews-v2 /x\n');
    }
    // Same ports and data dir: the proxies reconnect by themselves.
    cp = await startControlPlane({
      home,
      args: ['--grpc-port', String(grpcPort), '--http-port', String(httpPort)],
    });
    await apply(
      `${DEFAULT_RULES}---\n${HALF_AND_HALF.replace('weight: 50}', 'weight: 0}').replace('weight: 50}', 'weight: 100}')}`,
    );
    await waitFor(
      'the update after the restart',
      () => viaProxy(client.outboundPort, 'http://reviews:9080/y'),
      (a) => a.body === 'reviews-v2 /y\n',
      20_000,
    );
  });

  it('shifts TCP connections by weight through CONNECT tunnels, as the TCP traffic-shifting task', async () => {
    await apply(`${TCP_RULES}---\n${TCP_80_20}`);
    const echo = (i: number) =>
      new Promise<string>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port: client.outboundPort,
          method: 'CONNECT',
          path: 'tcp-echo:9000',
        });
        req.on('connect', (res, socket) => {
          if (res.statusCode !== 200)
            return resolve(`refused ${String(res.headers['x-mesh-error'])}`);
          let got = '';
          socket.on('data', (d: Buffer) => (got += d.toString()));
          socket.on('end', () => resolve(got));
          socket.on('error', reject);
          socket.write(`hello ${i}`);
        });
        req.on('error', reject);
        req.end();
      });
    // With no TCP VirtualService the client already balances over v1 and v2, so both answering
    // says nothing about this one: first the client holds it, with its weights.
    await waitFor(
      'the client sidecar to hold the 80/20 tcp-echo VirtualService',
      () => heldDestinations(`127.0.0.1:${client.adminPort}`, 'default/tcp-echo'),
      (d) => sameDestinations(d, [['v1 80', 'v2 20']]),
      10_000,
    );
    await waitFor(
      // After the previous case restarted the control plane, sidecars re-register one by one:
      // wait until both versions answer and nothing is refused.
      'both tcp-echo versions reachable',
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 30; i++) {
          const r = await echo(-1);
          if (!/^(one|two) hello -1$/.test(r)) return r;
          seen.add(r.slice(0, 3));
        }
        return [...seen].sort().join();
      },
      (r) => r === 'one,two',
      15_000,
    );
    const n = 200;
    let one = 0;
    for (let i = 0; i < n; i++) {
      const reply = await echo(i);
      expect(reply).toMatch(new RegExp(`^(one|two) hello ${i}$`));
      if (reply.startsWith('one')) one++;
    }
    // 80% of 200: sd ~5.7; 5 sd either side.
    expect(Math.abs(one - 160)).toBeLessThan(29);
  });

  /** An ingress gateway proxy with the Gateway port mapped to a free local one. */
  const ingressGateway = async (gatewayPort: number) => {
    const local = await freePort();
    const gateway = await startMeshProxy([
      '--control-plane',
      cp.grpc,
      '--workload',
      'istio-ingressgateway',
      '--labels',
      'istio=ingressgateway',
      '--gateway-ports',
      `${gatewayPort}:${local}`,
    ]);
    return { local, gateway };
  };

  it('serves an ingress gateway: a Gateway and its VirtualService, on a mapped local port', async () => {
    await apply(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: reviews-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-ingress}
spec:
  hosts: ["*"]
  gateways: [reviews-gateway]
  http:
  - match: [{uri: {prefix: /reviews}}]
    route: [{destination: {host: reviews, subset: v2, port: {number: 9080}}}]
`);
    const { local, gateway } = await ingressGateway(80);
    try {
      const answer = await waitFor(
        'the gateway routing /reviews to v2',
        () =>
          fetch(`http://127.0.0.1:${local}/reviews/1`).then(async (r) => ({
            status: r.status,
            body: await r.text(),
          })),
        (a) => a.status === 200,
        10_000,
      );
      expect(answer.body).toBe('reviews-v2 /reviews/1\n');
      const other = await fetch(`http://127.0.0.1:${local}/elsewhere`);
      expect(other.status).toBe(404);
      expect(other.headers.get('x-mesh-error')).toMatch(/^NR /);
    } finally {
      await gateway.stop();
    }
  });

  it('serves a TCP ingress gateway: the tcp-echo gateway task', async () => {
    await apply(`${TCP_RULES}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: tcp-echo-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-echo-ingress}
spec:
  hosts: ["*"]
  gateways: [tcp-echo-gateway]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: tcp-echo, port: {number: 9000}, subset: v2}}]
`);
    const { local, gateway } = await ingressGateway(31400);
    const send = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(local, '127.0.0.1');
        let got = '';
        socket.on('data', (d: Buffer) => (got += d.toString()));
        socket.on('close', () => resolve(got));
        socket.on('error', () => resolve(got));
        socket.write(text);
      });
    try {
      await waitFor(
        'the TCP gateway routing to tcp-echo v2',
        () => send('ping'),
        (r) => r === 'two ping',
        10_000,
      );
      for (let i = 0; i < 10; i++) expect(await send(`hello ${i}`)).toBe(`two hello ${i}`);
    } finally {
      await gateway.stop();
    }
  });

  it('serves HTTPS on an ingress gateway with certificate files: the Secure Gateways task', async () => {
    // A self-signed certificate for the host, made for the run (Istio's task uses a secret; the
    // file-mount form gives the gateway the files).
    const cert = selfSignedCert('reviews.example.com');
    const { crt, key } = cert;
    await apply(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: secure-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["reviews.example.com"]
    tls: {mode: SIMPLE, serverCertificate: ${crt}, privateKey: ${key}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-secure}
spec:
  hosts: ["reviews.example.com"]
  gateways: [secure-gateway]
  http:
  - route: [{destination: {host: reviews, subset: v2, port: {number: 9080}}}]
`);
    const { local, gateway } = await ingressGateway(443);
    const get = () =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: local,
            path: '/reviews/7',
            servername: 'reviews.example.com',
            headers: { host: 'reviews.example.com' },
            ca: readFileSync(crt),
            agent: false,
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      const answer = await waitFor(
        'the HTTPS gateway routing to reviews v2',
        () => get().catch((err: Error) => ({ status: 0, body: err.message })),
        (a) => a.status === 200,
        10_000,
      );
      expect(answer.body).toBe('reviews-v2 /reviews/7\n');
    } finally {
      await gateway.stop();
      cert.remove();
    }
  });

  it('passes TLS through an ingress gateway by SNI: the task without TLS termination', async () => {
    // The backend terminates TLS itself with its own certificate, made for the run.
    const cert = selfSignedCert('nginx.example.com');
    const { crt, key } = cert;
    const backend = createTlsServer({ key: readFileSync(key), cert: readFileSync(crt) }, (s) =>
      s.on('data', (d: Buffer) => s.end(`nginx got ${d.toString()}`)),
    );
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    const backendPort = (backend.address() as AddressInfo).port;
    await apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: nginx}
spec:
  hosts: [nginx.example.com]
  location: MESH_INTERNAL
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {tls: ${backendPort}}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: passthrough-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 9443, name: tls, protocol: TLS}
    hosts: [nginx.example.com]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: nginx}
spec:
  hosts: [nginx.example.com]
  gateways: [passthrough-gateway]
  tls:
  - match: [{port: 9443, sniHosts: [nginx.example.com]}]
    route: [{destination: {host: nginx.example.com, port: {number: 443}}}]
`);
    // Its own port: the HTTPS test's Gateway holds 443 with another protocol.
    const { local, gateway } = await ingressGateway(9443);
    const exchangeTls = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: local,
          servername: 'nginx.example.com',
          ca: readFileSync(crt),
        });
        let got = '';
        socket.on('secureConnect', () => socket.write('hello'));
        socket.on('data', (d: Buffer) => (got += d.toString()));
        socket.on('end', () => resolve(got));
        socket.on('error', reject);
      });
    try {
      const answer = await waitFor(
        'the gateway passing TLS for nginx.example.com through',
        () => exchangeTls().catch((err: Error) => err.message),
        (a) => a === 'nginx got hello',
        10_000,
      );
      expect(answer).toBe('nginx got hello');
    } finally {
      await gateway.stop();
      await new Promise((r) => backend.close(r));
      cert.remove();
    }
  });

  /** A workload with its own sidecar, started inside a test; stopped by afterAll. */
  const sidecarFor = async (workload: string, labels: string, appPort: number) => {
    const p = await startMeshProxy(
      [
        '--control-plane',
        cp.grpc,
        '--workload',
        workload,
        '--labels',
        labels,
        '--service-port',
        `http:8000:${appPort}:${await freePort()}`,
      ],
      { MESH_ACCESS_LOG: 'off' },
    );
    servers.push(p);
    return p;
  };

  it('trips the circuit breaker under concurrent load, as the circuit-breaking task: 503 UO', async () => {
    // httpbin-like app: every request takes 300 ms, so concurrent requests pile up.
    let inApp = 0;
    let peak = 0;
    const slow = createServer((req, res) => {
      inApp++;
      peak = Math.max(peak, inApp);
      setTimeout(() => {
        inApp--;
        res.end(`httpbin ${req.url}\n`);
      }, 300);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    apps.push(slow);
    await sidecarFor('httpbin-v1', 'app=httpbin,version=v1', (slow.address() as AddressInfo).port);
    await apply(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
`);
    await waitFor(
      'httpbin reachable with the DestinationRule in effect',
      async () => {
        const burst = await Promise.all(
          Array.from({ length: 6 }, () => viaProxy(client.outboundPort, 'http://httpbin:8000/get')),
        );
        return burst.some((a) => a.status === 503) && burst.some((a) => a.status === 200);
      },
      (ok) => ok,
      15_000,
    );
    peak = 0;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => viaProxy(client.outboundPort, 'http://httpbin:8000/get')),
    );
    const ok = answers.filter((a) => a.status === 200);
    const overflow = answers.filter((a) => a.status === 503);
    expect(ok.length + overflow.length).toBe(20);
    // One connection in use and one request waiting: at least the first two get through, the
    // rest overflow at the client sidecar without reaching the app.
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(overflow.length).toBeGreaterThanOrEqual(10);
    expect(peak).toBe(1);
    for (const a of overflow) {
      expect(String(a.headers['x-mesh-error'])).toMatch(/^UO .*maxConnections/);
      expect(a.headers['x-envoy-overloaded']).toBe('true');
    }
    // The client sidecar's admin page counts them for the cluster (upstream_rq_pending_overflow),
    // the warm-up bursts' overflows included.
    const views = (await (await fetch(`http://127.0.0.1:${client.adminPort}/clusters`)).json()) as {
      name: string;
      circuitBreakers: { pendingOverflows: number };
    }[];
    const httpbin = views.find(
      (v) => v.name === 'outbound|8000||httpbin.default.svc.cluster.local',
    );
    expect(httpbin?.circuitBreakers.pendingOverflows).toBeGreaterThanOrEqual(overflow.length);
  });

  it('mirrors traffic to another version, fire and forget, as the mirroring task', async () => {
    const seen: { version: string; host: string | undefined; url: string | undefined }[] = [];
    for (const version of ['v1', 'v2']) {
      const a = createServer((req, res) => {
        seen.push({ version, host: req.headers.host, url: req.url });
        res.end(`mirror-demo-${version}\n`);
      });
      await new Promise<void>((r) => a.listen(0, '127.0.0.1', () => r()));
      apps.push(a);
      await sidecarFor(
        `mirror-demo-${version}`,
        `app=mirror-demo,version=${version}`,
        (a.address() as AddressInfo).port,
      );
    }
    await apply(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: mirror-demo}
spec:
  host: mirror-demo
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: mirror-demo}
spec:
  hosts: [mirror-demo]
  http:
  - route: [{destination: {host: mirror-demo, subset: v1}, weight: 100}]
    mirror: {host: mirror-demo, subset: v2}
    mirrorPercentage: {value: 100.0}
`);
    // Each probe has its own path and waits for its own copy: a late copy of an earlier probe
    // (fire and forget) proves nothing about this one.
    let probe = 0;
    await waitFor(
      'the mirror in effect',
      async () => {
        const url = `/probe-${probe++}`;
        const a = await viaProxy(client.outboundPort, `http://mirror-demo:8000${url}`);
        await sleep(100);
        return (
          a.body === 'mirror-demo-v1\n' && seen.some((s) => s.version === 'v2' && s.url === url)
        );
      },
      (ok) => ok,
      15_000,
    );
    for (let i = 0; i < 10; i++) {
      const a = await viaProxy(client.outboundPort, `http://mirror-demo:8000/m${i}`);
      // The caller only ever sees v1's answer.
      expect(a.body).toBe('mirror-demo-v1\n');
    }
    // Only these ten requests and their copies count; probes' copies may still be arriving.
    const measured = (version: string) =>
      seen.filter((s) => s.version === version && /^\/m\d$/.test(s.url ?? ''));
    await waitFor(
      'ten mirrored copies at v2',
      () => measured('v2').length,
      (n) => n >= 10,
      5000,
    );
    const v2 = measured('v2');
    expect(v2.map((s) => s.url).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `/m${i}`).sort(),
    );
    // As in Istio, the copy's Host carries the -shadow suffix.
    for (const s of v2) expect(s.host).toBe('mirror-demo-shadow:8000');
    expect(
      measured('v1')
        .map((s) => s.url)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `/m${i}`).sort());
  });

  it('reports not ready until it has config, and drains on SIGTERM', async () => {
    const lonely = await startMeshProxy([
      '--control-plane',
      `127.0.0.1:${await freePort()}`,
      '--workload',
      'lonely',
    ]);
    const ready = await fetch(`http://127.0.0.1:${lonely.healthPort}/healthz/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/not ready: .*(Cluster|Listener|RouteTable|Endpoints)/);
    const exit = await lonely.stop();
    expect(exit.code).toBe(0);
  });
});
