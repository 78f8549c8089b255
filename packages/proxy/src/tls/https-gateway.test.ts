// HTTPS gateway servers over real sockets, as Istio's Secure Gateways task runs them: TLS is
// terminated with the server's certificate chosen by SNI, then the request is routed with the
// VirtualServices bound to the Gateway. Certificates are made for the run with openssl.
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { GatewayListener } from '@mesh/proto';
import { buildTable, startUpstream, type TestUpstream } from '../http/test-support/fixtures.js';
import { createOutboundServer } from '../http/outbound-server.js';
import { makeTestCerts, type TestCerts } from '../test-support/certs.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { createHttpsGatewayServer } from './https-gateway.js';

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
