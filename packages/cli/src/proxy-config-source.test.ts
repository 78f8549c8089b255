import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TYPE_URLS } from '@mesh/proto';
import { InputError } from './inputs.js';
import {
  HttpGetError,
  nodeHttpGet,
  UnexpectedAnswerError,
  type HttpGet,
} from './proxy-config-http.js';
import {
  adminAddress,
  controlPlaneHttpAddress,
  NotConnectedError,
  readFromAdmin,
  readFromControlPlane,
  TYPE_URL_OF,
} from './proxy-config-source.js';
import {
  GATEWAY_CONFIG_DUMP,
  NOT_CONNECTED_SNAPSHOTZ,
  clustersAsProxySendsThem,
  PRODUCTPAGE_CLUSTERS,
  PRODUCTPAGE_CONFIG_DUMP,
  snapshotzOf,
} from './test-support/proxy-config-recorded.js';

/** An HttpGet double answering by path, recording every URL. */
function answering(pages: Record<string, { status?: number; body: unknown }>) {
  const urls: string[] = [];
  const httpGet: HttpGet = async (url) => {
    urls.push(url);
    const u = new URL(url);
    const page = pages[u.pathname + u.search] ?? pages[u.pathname];
    if (!page) return { status: 404, body: 'not found\n' };
    const body = typeof page.body === 'string' ? page.body : JSON.stringify(page.body);
    return { status: page.status ?? 200, body };
  };
  return { httpGet, urls };
}

describe('addresses', () => {
  it.each([
    ['127.0.0.1:15000', '127.0.0.1:15000'],
    ['localhost', 'localhost:15000'],
    ['15001', 'localhost:15001'],
    ['http://127.0.0.1:15000/', '127.0.0.1:15000'],
    ['[::1]:15000', '[::1]:15000'],
    ['[::1]', '[::1]:15000'],
    [' pod-1.bookinfo:15000 ', 'pod-1.bookinfo:15000'],
  ])('reads --admin %j as %s', (value, expected) => {
    expect(adminAddress(value)).toBe(expected);
  });

  it('defaults the control plane HTTP port to localhost:15014, and a bare host to :15014', () => {
    expect(controlPlaneHttpAddress(undefined)).toBe('localhost:15014');
    expect(controlPlaneHttpAddress('cp.example')).toBe('cp.example:15014');
  });

  it.each([
    ['', '--admin: "" is not an address; use HOST:PORT, e.g. 127.0.0.1:15000'],
    ['a b:1', '--admin: "a b:1" is not an address; use HOST:PORT, e.g. 127.0.0.1:15000'],
    [
      'https://x:1',
      '--admin: "https://x:1" is not an address; use HOST:PORT, e.g. 127.0.0.1:15000',
    ],
    ['host:0', '--admin: "host:0": port 0 is not between 1 and 65535'],
    ['70000', '--admin: "70000": port 70000 is not between 1 and 65535'],
  ])('rejects --admin %j as a usage error', (value, message) => {
    expect(() => adminAddress(value)).toThrow(new InputError(message));
  });
});

describe('TYPE_URL_OF', () => {
  it("is @mesh/proto's TYPE_URLS, spelled out", () => {
    expect(TYPE_URL_OF).toEqual(TYPE_URLS);
  });
});

describe('readFromAdmin', () => {
  it('reads /config_dump, and /clusters only when asked', async () => {
    const { httpGet, urls } = answering({
      '/config_dump': { body: PRODUCTPAGE_CONFIG_DUMP },
      '/clusters': { body: clustersAsProxySendsThem(PRODUCTPAGE_CLUSTERS) },
    });
    const config = await readFromAdmin(httpGet, '127.0.0.1:15000', 1000, false);
    expect(urls).toEqual(['http://127.0.0.1:15000/config_dump']);
    expect(config.source).toBe('the proxy at 127.0.0.1:15000');
    expect(config.live).toBeUndefined();
    expect(config.clusters).toEqual(snapshotzOf(PRODUCTPAGE_CONFIG_DUMP)[TYPE_URLS.clusters]);
    expect(config.routes.version).toBe(PRODUCTPAGE_CONFIG_DUMP.routes.version);

    const withLive = await readFromAdmin(httpGet, '127.0.0.1:15000', 1000, true);
    expect(urls.slice(1)).toEqual([
      'http://127.0.0.1:15000/config_dump',
      'http://127.0.0.1:15000/clusters',
    ]);
    expect(withLive.live).toEqual(PRODUCTPAGE_CLUSTERS);
  });

  it('sorts each set by name: a dump lists resources in the order they arrived', async () => {
    const { httpGet } = answering({ '/config_dump': { body: GATEWAY_CONFIG_DUMP } });
    const names = (await readFromAdmin(httpGet, 'h:1', 0, false)).clusters.resources.map(
      (r) => r.name,
    );
    const held = GATEWAY_CONFIG_DUMP.clusters.resources.map((r) => r.name);
    expect(held).not.toEqual([...held].sort());
    expect(names).toEqual([...held].sort());
  });

  it.each<[string, Record<string, { status?: number; body: unknown }>, string]>([
    ['another server', {}, 'the proxy admin at h:1 answered /config_dump with HTTP 404: not found'],
    [
      'a failing admin',
      { '/config_dump': { status: 500, body: '' } },
      'the proxy admin at h:1 answered /config_dump with HTTP 500',
    ],
    [
      'text',
      { '/config_dump': { body: 'LIVE\n' } },
      'the proxy admin at h:1 answered /config_dump with something that is not JSON',
    ],
    [
      'a list',
      { '/config_dump': { body: [] } },
      'the proxy admin at h:1 answered /config_dump with something that is not a config dump',
    ],
    [
      'a dump without routes',
      { '/config_dump': { body: { ...PRODUCTPAGE_CONFIG_DUMP, routes: undefined } } },
      'the proxy admin at h:1: /config_dump routes is missing or not an object',
    ],
    [
      'a set without resources',
      { '/config_dump': { body: { ...PRODUCTPAGE_CONFIG_DUMP, listeners: { version: '' } } } },
      'the proxy admin at h:1: /config_dump listeners has no resources list',
    ],
    [
      'a resource without a body',
      {
        '/config_dump': {
          body: {
            ...PRODUCTPAGE_CONFIG_DUMP,
            clusters: { version: '', resources: [{ name: 'x' }] },
          },
        },
      },
      'the proxy admin at h:1: /config_dump clusters: resources[0] has no name or body',
    ],
    [
      'clusters that are not a list',
      { '/config_dump': { body: PRODUCTPAGE_CONFIG_DUMP }, '/clusters': { body: {} } },
      'the proxy admin at h:1: /clusters is not a list of clusters',
    ],
    [
      'an endpoint without id',
      {
        '/config_dump': { body: PRODUCTPAGE_CONFIG_DUMP },
        '/clusters': { body: [{ name: 'c', endpoints: [{ ready: true }] }] },
      },
      'the proxy admin at h:1: /clusters: c: endpoints[0] has no id',
    ],
  ])('rejects %s as an unexpected answer', async (_, pages, message) => {
    const { httpGet } = answering(pages);
    await expect(readFromAdmin(httpGet, 'h:1', 1000, true)).rejects.toThrow(
      new UnexpectedAnswerError(message),
    );
  });
});

describe('readFromControlPlane', () => {
  it('asks /debug/snapshotz for the proxy id, encoded', async () => {
    const { httpGet, urls } = answering({
      '/debug/snapshotz': { body: snapshotzOf(PRODUCTPAGE_CONFIG_DUMP) },
    });
    const config = await readFromControlPlane(httpGet, 'cp:15014', 'a b&c', 0);
    expect(urls).toEqual(['http://cp:15014/debug/snapshotz?proxy=a%20b%26c']);
    expect(config.source).toBe("the control plane's snapshot for a b&c");
    expect(config.live).toBeUndefined();
    expect(config.listeners.resources.map((r) => r.name)).toEqual(['inbound|9080', 'outbound']);
  });

  it("turns the page's error (the proxy is not connected here) into NotConnectedError", async () => {
    const { httpGet } = answering({ '/debug/snapshotz': { body: NOT_CONNECTED_SNAPSHOTZ } });
    await expect(readFromControlPlane(httpGet, 'cp:1', 'ghost-1.bookinfo', 0)).rejects.toThrow(
      new NotConnectedError('no proxy "ghost-1.bookinfo" is connected to control-plane-0'),
    );
  });

  it('rejects a page without a type', async () => {
    const { [TYPE_URLS.routes]: _routes, ...rest } = snapshotzOf(PRODUCTPAGE_CONFIG_DUMP);
    const { httpGet } = answering({ '/debug/snapshotz': { body: rest } });
    await expect(readFromControlPlane(httpGet, 'cp:1', 'p', 0)).rejects.toThrow(
      new UnexpectedAnswerError(
        'the control plane at cp:1: /debug/snapshotz type.mesh.dev/mesh.v1.RouteTable is missing or not an object',
      ),
    );
  });
});

describe('nodeHttpGet', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return (server.address() as AddressInfo).port;
  }

  it('returns status and body, asking for JSON', async () => {
    let accept: string | undefined;
    const port = await serve((req, res) => {
      accept = req.headers.accept;
      res.writeHead(req.url === '/x' ? 200 : 404);
      res.end(req.url === '/x' ? '{"ü":1}' : 'nope');
    });
    expect(await nodeHttpGet(`http://127.0.0.1:${port}/x`, 1000)).toEqual({
      status: 200,
      body: '{"ü":1}',
    });
    expect(await nodeHttpGet(`http://127.0.0.1:${port}/y`, 0)).toEqual({
      status: 404,
      body: 'nope',
    });
    expect(accept).toBe('application/json');
  });

  it("reports a closed port as unreachable, in node's words", async () => {
    const port = await serve(() => undefined);
    const server = servers.pop()!;
    await new Promise((r) => server.close(r));
    const err = await nodeHttpGet(`http://127.0.0.1:${port}/`, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpGetError);
    expect(err).toMatchObject({
      reason: 'unreachable',
      details: `connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('gives up after the deadline, before headers or in the middle of the body', async () => {
    const silent = await serve(() => undefined);
    const started = Date.now();
    await expect(nodeHttpGet(`http://127.0.0.1:${silent}/`, 150)).rejects.toMatchObject({
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const halfway = await serve((_, res) => {
      res.writeHead(200);
      res.write('{"partial":');
    });
    await expect(nodeHttpGet(`http://127.0.0.1:${halfway}/`, 150)).rejects.toMatchObject({
      reason: 'timeout',
    });
  });
});
