// The HTTP port on a real socket (127.0.0.1, port 0), with the endpoints it is given.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpServer, type HttpEndpoints, type VersionInfo } from './http-server.js';

let server: Server;
let base: string;
let ready = true;
let metricsFail = false;

const endpoints: HttpEndpoints = {
  name: 'control-plane-vm-123',
  readiness: () => (ready ? { ready, reasons: [] } : { ready, reasons: ['store down'] }),
  metrics: async () => {
    if (metricsFail) throw new Error('collection failed');
    return 'pilot_xds 0\n';
  },
  debug: { syncz: () => [{ proxyId: 'a.default' }] },
};

beforeAll(async () => {
  server = createHttpServer(endpoints);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function get(path: string, method = 'GET') {
  const res = await fetch(`${base}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('/version', () => {
  it('names the version of package.json, the replica and the Node.js running it', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    const res = await get('/version');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    const info = JSON.parse(res.body) as VersionInfo;
    expect(info).toEqual({
      version: pkg.version,
      name: 'control-plane-vm-123',
      nodeVersion: process.version,
    });
  });

  it('answers HEAD too', async () => {
    const res = await get('/version', 'HEAD');
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
  });
});

describe('the other pages', () => {
  it('serves health, readiness, metrics and debug pages', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get('/readyz')).toMatchObject({ status: 200 });
    ready = false;
    const notReady = await get('/readyz');
    ready = true;
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toEqual({ ready: false, reasons: ['store down'] });
    expect(await get('/metrics')).toMatchObject({
      status: 200,
      type: 'text/plain; version=0.0.4; charset=utf-8',
      body: 'pilot_xds 0\n',
    });
    expect(JSON.parse((await get('/debug/syncz')).body)).toEqual([{ proxyId: 'a.default' }]);
  });

  it('answers 500, not a hung request, when the metrics cannot be collected', async () => {
    metricsFail = true;
    const res = await get('/metrics');
    metricsFail = false;
    expect(res).toMatchObject({
      status: 500,
      body: 'metrics unavailable: Error: collection failed\n',
    });
  });

  it('lists every page, /version included, on a path it does not serve', async () => {
    expect(await get('/nope')).toMatchObject({
      status: 404,
      body: 'not found: /nope\ntry /healthz /readyz /metrics /version /debug/syncz\n',
    });
  });

  it('only answers GET and HEAD', async () => {
    expect(await get('/version', 'POST')).toMatchObject({ status: 405, body: 'only GET\n' });
  });
});
