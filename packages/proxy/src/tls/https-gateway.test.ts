// HTTPS gateway servers over real sockets, as Istio's Secure Gateways task runs them: TLS is
// terminated with the server's certificate chosen by SNI, then the request is routed with the
// VirtualServices bound to the Gateway. Certificates are made for the run with openssl.
import { readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { GatewayListener } from '@mesh/proto';
import { buildTable, startUpstream, type TestUpstream } from '../http/test-support/fixtures.js';
import { createOutboundServer } from '../http/outbound-server.js';
import { makeTestCerts, type TestCerts } from '../test-support/certs.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { createHttpsGatewayServer, httpsRedirectOf } from './https-gateway.js';

const PRODUCTPAGE = 'productpage.default.svc.cluster.local';
let certs: TestCerts;
let bookinfo: { cert: string; key: string };
let other: { cert: string; key: string };
let client: { cert: string; key: string };
let upstream: TestUpstream;

beforeAll(async () => {
  certs = makeTestCerts();
  bookinfo = certs.leaf('bookinfo', 'DNS:bookinfo.example.com');
  other = certs.leaf('other', 'DNS:*.example.org');
  client = certs.leaf('client', 'DNS:client.example.com');
  upstream = await startUpstream('productpage', (req, res) => {
    res.writeHead(200, { 'x-forwarded-proto-seen': String(req.headers['x-forwarded-proto']) });
    res.end(`productpage ${req.url}`);
  });
});
afterAll(async () => {
  await upstream.close();
  rmSync(certs.dir, { recursive: true, force: true });
});

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo}
spec:
  hosts: ["bookinfo.example.com", "shop.example.org"]
  gateways: [bookinfo-gateway]
  http:
  - match: [{uri: {prefix: /secure}, scheme: {exact: https}}]
    route: [{destination: {host: productpage, port: {number: 9080}}}]
  - directResponse: {status: 418, body: {string: "plain http only"}}
`;

type Servers = GatewayListener['servers'];

async function gateway(servers: Servers, report: string[] = []) {
  const table = buildTable({
    yaml: VS,
    clusters: [{ host: PRODUCTPAGE, endpoints: [upstream.port] }],
  });
  const http = createOutboundServer({
    table: () => table,
    node: { namespace: 'istio-system', labels: {}, gateway: 'default/bookinfo-gateway' },
    log: () => undefined,
    active: new ActiveRequests(),
  });
  const body: GatewayListener = {
    name: 'gateway|443',
    direction: 'gateway',
    port: 443,
    protocol: 'HTTPS',
    servers,
  };
  const server = createHttpsGatewayServer(body, http, (m) => report.push(m));
  if (!server) return undefined;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

function get(
  port: number,
  servername: string,
  path: string,
  withClientCert = false,
): Promise<{ status: number; body: string; proto: string; subject: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername,
        headers: { host: servername },
        ca: readFileSync(certs.ca),
        agent: false,
        ...(withClientCert && { cert: readFileSync(client.cert), key: readFileSync(client.key) }),
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            proto: String(res.headers['x-forwarded-proto-seen']),
            subject: String((res.socket as TLSSocket).getPeerCertificate().subject.CN),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const simple = (hosts: string[], pair: { cert: string; key: string }) => ({
  gateway: 'default/bookinfo-gateway',
  hosts,
  tls: { mode: 'SIMPLE', serverCertificate: pair.cert, privateKey: pair.key },
});

describe('HTTPS gateway servers (tls SIMPLE, MUTUAL)', () => {
  it('terminates TLS and routes by the bound VirtualService, scheme https', async () => {
    const gw = (await gateway([simple(['bookinfo.example.com'], bookinfo)]))!;
    try {
      const res = await get(gw.port, 'bookinfo.example.com', '/secure/page');
      expect(res).toEqual({
        status: 200,
        body: 'productpage /secure/page',
        proto: 'https',
        subject: 'bookinfo',
      });
    } finally {
      await gw.close();
    }
  });

  it('picks the certificate by SNI, wildcard hosts included', async () => {
    const gw = (await gateway([
      simple(['bookinfo.example.com'], bookinfo),
      simple(['*.example.org'], other),
    ]))!;
    try {
      expect((await get(gw.port, 'bookinfo.example.com', '/secure')).subject).toBe('bookinfo');
      expect((await get(gw.port, 'shop.example.org', '/secure')).subject).toBe('other');
      // No server for this name and none for `*`: the handshake fails.
      await expect(get(gw.port, 'nobody.example.net', '/secure')).rejects.toThrow();
    } finally {
      await gw.close();
    }
  });

  it('MUTUAL requires a client certificate signed by caCertificates', async () => {
    const gw = (await gateway([
      {
        gateway: 'default/bookinfo-gateway',
        hosts: ['bookinfo.example.com'],
        tls: {
          mode: 'MUTUAL',
          serverCertificate: bookinfo.cert,
          privateKey: bookinfo.key,
          caCertificates: certs.ca,
        },
      },
    ]))!;
    try {
      expect((await get(gw.port, 'bookinfo.example.com', '/secure', true)).status).toBe(200);
      await expect(get(gw.port, 'bookinfo.example.com', '/secure')).rejects.toThrow();
    } finally {
      await gw.close();
    }
  });

  it('reports servers it cannot serve, with the reason, and serves none of them', async () => {
    const report: string[] = [];
    const gw = await gateway(
      [
        {
          gateway: 'default/g',
          hosts: ['*'],
          tls: { mode: 'SIMPLE', credentialName: 'bookinfo-secret' },
        },
        {
          gateway: 'default/g',
          hosts: ['*'],
          tls: { mode: 'SIMPLE', serverCertificate: '/nonexistent.crt', privateKey: bookinfo.key },
        },
        {
          gateway: 'default/g',
          hosts: ['*'],
          tls: { mode: 'MUTUAL', serverCertificate: bookinfo.cert, privateKey: bookinfo.key },
        },
      ],
      report,
    );
    expect(gw).toBeUndefined();
    expect(report).toEqual([
      expect.stringMatching(/server 0 .*credentialName bookinfo-secret names a Kubernetes secret/),
      expect.stringMatching(
        /server 1 .*cannot read tls.serverCertificate \/nonexistent.crt: ENOENT/,
      ),
      expect.stringMatching(/server 2 .*tls.caCertificates is required for MUTUAL/),
    ]);
  });
});

function plainGet(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, headers: { host }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, location: res.headers.location }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('tls.httpsRedirect on a gateway HTTP port (Envoy require_tls)', () => {
  const listener = (servers: Servers): GatewayListener => ({
    name: 'gateway|80',
    direction: 'gateway',
    port: 80,
    protocol: 'HTTP',
    servers,
  });

  it('names the hosts of the servers that ask for it, wildcards and namespaces included', () => {
    const redirect = httpsRedirectOf(
      listener([
        {
          gateway: 'default/g',
          hosts: ['default/bookinfo.example.com', '*.example.org'],
          tls: { httpsRedirect: true },
        },
        { gateway: 'default/g', hosts: ['plain.example.com'] },
      ]),
    )!;
    expect(redirect('bookinfo.example.com')).toBe(true);
    expect(redirect('Bookinfo.Example.com:80')).toBe(true);
    expect(redirect('shop.example.org')).toBe(true);
    expect(redirect('plain.example.com')).toBe(false);
    expect(httpsRedirectOf(listener([{ gateway: 'default/g', hosts: ['*'] }]))).toBeUndefined();
  });

  it('answers 301 to the https URL before any routing', async () => {
    const table = buildTable({
      yaml: VS,
      clusters: [{ host: PRODUCTPAGE, endpoints: [upstream.port] }],
    });
    const logs: unknown[] = [];
    const http = createOutboundServer({
      table: () => table,
      node: { namespace: 'istio-system', labels: {}, gateway: 'default/bookinfo-gateway' },
      log: (e) => logs.push(e),
      active: new ActiveRequests(),
      httpsRedirect: httpsRedirectOf(
        listener([
          {
            gateway: 'default/bookinfo-gateway',
            hosts: ['bookinfo.example.com'],
            tls: { httpsRedirect: true },
          },
        ]),
      ),
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as AddressInfo).port;
    try {
      const res = await plainGet(port, 'bookinfo.example.com', '/secure/page?x=1');
      expect(res.status).toBe(301);
      expect(res.location).toBe('https://bookinfo.example.com/secure/page?x=1');
      const before = upstream.requests.length;
      // Not redirected: routed (the VirtualService answers plain HTTP with its direct response).
      expect((await plainGet(port, 'shop.example.org', '/')).status).toBe(418);
      expect(upstream.requests.length).toBe(before);
    } finally {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });
});
