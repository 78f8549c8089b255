// DestinationRule tls origination over real sockets: the sidecar's outbound listener takes a
// plaintext request and opens TLS to an HTTPS upstream, as in Istio's egress TLS origination
// task. Certificates are made for the run with the openssl CLI (a CA, a server certificate for
// upstream.test, a client certificate for MUTUAL).
import { rmSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { ResolvedTrafficPolicy } from '@mesh/rules';
import { buildTable, startOutbound } from '../http/test-support/fixtures.js';
import { makeTestCerts, type TestCerts } from '../test-support/certs.js';
import { ActiveRequests } from './active-requests.js';

const HOST = 'upstream.test';
const URL = `http://${HOST}:9080/hello`;
let dir: string;
let certs: TestCerts;
let server: Server;
let port: number;
const seen: { servername: string | false | null; peer: unknown; host: unknown }[] = [];

beforeAll(async () => {
  certs = makeTestCerts();
  dir = certs.dir;
  const serverPair = certs.leaf('server', `DNS:${HOST}`);
  certs.leaf('client', 'URI:spiffe://cluster.local/ns/default/sa/productpage');
  server = createServer(
    {
      key: readFileSync(serverPair.key),
      cert: readFileSync(serverPair.cert),
      ca: readFileSync(certs.ca),
      // Asks for a client certificate; whether one is required is decided per test below.
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      seen.push({
        servername: socket.servername,
        peer: peer && 'subject' in peer && peer.subject ? peer.subject.CN : undefined,
        host: req.headers.host,
      });
      if (requireClientCert && !socket.authorized) {
        res.writeHead(403).end('client certificate required');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('over tls');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

let requireClientCert = false;

async function through(tls: ResolvedTrafficPolicy['tls']) {
  const table = buildTable({
    clusters: [{ host: HOST, endpoints: [port], trafficPolicy: { tls } }],
  });
  const proxy = await startOutbound(table, { active: new ActiveRequests() });
  try {
    return await proxy.request(URL);
  } finally {
    await proxy.close();
  }
}

const ca = () => join(dir, 'ca.crt');

describe('DestinationRule tls: SIMPLE', () => {
  it('originates TLS, SNI from the cluster host, verified against caCertificates', async () => {
    seen.length = 0;
    const res = await through({ mode: 'SIMPLE', caCertificates: ca() });
    expect([res.status, res.body]).toEqual([200, 'over tls']);
    expect(seen).toEqual([{ servername: HOST, peer: undefined, host: `${HOST}:9080` }]);
  });

  it('sends the DestinationRule sni instead', async () => {
    seen.length = 0;
    const res = await through({
      mode: 'SIMPLE',
      caCertificates: ca(),
      sni: 'other.test',
      insecureSkipVerify: true,
    });
    expect(res.status).toBe(200);
    expect(seen[0]?.servername).toBe('other.test');
  });

  it('refuses a certificate the system roots do not trust: 503 UF, TLS error', async () => {
    const res = await through({ mode: 'SIMPLE' });
    expect(res.status).toBe(503);
    expect(res.headers['x-mesh-error']).toMatch(
      /^UF .*connection failure, transport failure reason: TLS error: .*certificate/,
    );
  });

  it('skips verification with insecureSkipVerify', async () => {
    expect((await through({ mode: 'SIMPLE', insecureSkipVerify: true })).status).toBe(200);
  });

  it('checks subjectAltNames when given, instead of the name', async () => {
    const ok = await through({
      mode: 'SIMPLE',
      caCertificates: ca(),
      sni: 'not-the-name.test',
      subjectAltNames: [HOST],
    });
    expect(ok.status).toBe(200);
    const bad = await through({
      mode: 'SIMPLE',
      caCertificates: ca(),
      subjectAltNames: ['spiffe://cluster.local/ns/default/sa/reviews'],
    });
    expect(bad.status).toBe(503);
    expect(bad.headers['x-mesh-error']).toMatch(
      /^UF .*TLS error: .*subject alt names \(upstream\.test\) include none of DestinationRule tls\.subjectAltNames/,
    );
  });

  it('says which file it cannot read, and that credentialName needs a secret store', async () => {
    const missing = await through({ mode: 'SIMPLE', caCertificates: join(dir, 'nope.crt') });
    expect(missing.status).toBe(503);
    expect(missing.headers['x-mesh-error']).toMatch(
      /^UF .*cannot read DestinationRule tls\.caCertificates .*nope\.crt: ENOENT/,
    );
    const secret = await through({ mode: 'SIMPLE', credentialName: 'upstream-secret' });
    expect(secret.headers['x-mesh-error']).toMatch(
      /credentialName upstream-secret names a Kubernetes secret/,
    );
  });

  it('sends plaintext with DISABLE and ISTIO_MUTUAL (the mesh transport here)', async () => {
    for (const mode of ['DISABLE', 'ISTIO_MUTUAL']) {
      const res = await through({ mode });
      // Plaintext to a TLS port: the server answers with something that is not HTTP.
      expect(res.status).not.toBe(200);
    }
  });
});

describe('DestinationRule tls: MUTUAL', () => {
  beforeAll(() => (requireClientCert = true));
  afterAll(() => (requireClientCert = false));

  it('presents clientCertificate and privateKey', async () => {
    seen.length = 0;
    const res = await through({
      mode: 'MUTUAL',
      caCertificates: ca(),
      clientCertificate: join(dir, 'client.crt'),
      privateKey: join(dir, 'client.key'),
    });
    expect([res.status, res.body]).toEqual([200, 'over tls']);
    expect(seen[0]?.peer).toBe('client');
  });

  it('presents nothing with SIMPLE, so the server refuses', async () => {
    expect((await through({ mode: 'SIMPLE', caCertificates: ca() })).status).toBe(403);
  });
});
