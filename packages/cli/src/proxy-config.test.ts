// meshctl proxy-config end to end in-process: real HTTP over loopback to servers that answer with
// pages recorded from a real proxy's admin port and a real control plane's debug port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { runMeshctl } from './program.js';
import { runProxyConfig } from './proxy-config.js';
import type { HttpGet } from './proxy-config-http.js';
import { memoryIo } from './test-support/memory-io.js';
import {
  NOT_CONNECTED_SNAPSHOTZ,
  clustersAsProxySendsThem,
  PRODUCTPAGE_CLUSTERS,
  PRODUCTPAGE_CONFIG_DUMP,
  snapshotzOf,
  type ConfigDump,
} from './test-support/proxy-config-recorded.js';

const PROXY_ID = 'productpage-v1-1.bookinfo';
const V1 = 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local';

interface Page {
  status?: number;
  body: unknown;
}

interface TestServer {
  address: string;
  port: number;
  /** Paths with query, in arrival order. */
  requests: string[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A node:http server on 127.0.0.1:0 answering JSON pages by path (query ignored). */
async function serve(
  pages: (path: string, query: URLSearchParams) => Page | undefined,
): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    const page = pages(url.pathname, url.searchParams);
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${url.pathname}\n`);
      return;
    }
    res.writeHead(page.status ?? 200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(page.body, null, 2)}\n`);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { address: `127.0.0.1:${port}`, port, requests };
}

/** A proxy admin port, as packages/proxy/src/admin/admin-server.ts serves it. */
const admin = (
  dump: ConfigDump = PRODUCTPAGE_CONFIG_DUMP,
  clusters: unknown = clustersAsProxySendsThem(PRODUCTPAGE_CLUSTERS),
) =>
  serve((path) =>
    path === '/config_dump'
      ? { body: dump }
      : path === '/clusters'
        ? { body: clusters }
        : undefined,
  );

/** A control plane's HTTP port: /debug/snapshotz for the one connected proxy. */
const controlPlane = (dump: ConfigDump = PRODUCTPAGE_CONFIG_DUMP) =>
  serve((path, query) =>
    path === '/debug/snapshotz'
      ? {
          body:
            query.get('proxy') === PROXY_ID
              ? snapshotzOf(dump)
              : {
                  error: NOT_CONNECTED_SNAPSHOTZ.error.replace(
                    'ghost-1.bookinfo',
                    query.get('proxy') ?? '',
                  ),
                },
        }
      : undefined,
  );

async function meshctl(args: string[]) {
  const io = memoryIo();
  const code = await runMeshctl(args, io);
  return { code, out: io.out(), err: io.err() };
}

// productpage has no VirtualService: its row is Istio's default route.
const ROUTES_TABLE =
  'NAME               HOSTS                                    GATEWAYS   MATCH                 DESTINATIONS\n' +
  'bookinfo/ratings   ratings                                  mesh       /ratings* (+1 more)   ratings:9080\n' +
  'bookinfo/reviews   reviews                                  mesh       end-user=jason        reviews|v2\n' +
  'bookinfo/reviews   reviews                                  mesh       /*                    reviews|v1 50%, reviews|v3 50%\n' +
  '(default)          productpage.bookinfo.svc.cluster.local   mesh       /*                    productpage.bookinfo.svc.cluster.local:9080\n';

describe('meshctl proxy-config --admin', () => {
  it('shows the routes the proxy holds, reading only /config_dump', async () => {
    const proxy = await admin();
    const r = await meshctl(['proxy-config', 'routes', '--admin', proxy.address]);
    expect(r).toEqual({ code: 0, out: ROUTES_TABLE, err: '' });
    expect(proxy.requests).toEqual(['/config_dump']);
  });

  it('shows endpoints with their health from /clusters, filtered with --cluster', async () => {
    const proxy = await admin();
    const r = await meshctl(['pc', 'ep', '--admin', proxy.address, '--cluster', V1]);
    expect(r).toEqual({
      code: 0,
      out:
        'ENDPOINT            STATUS    OUTLIER CHECK   CLUSTER\n' +
        `10.244.0.11:20081   HEALTHY   OK              ${V1}\n`,
      err: '',
    });
    expect(proxy.requests).toEqual(['/config_dump', '/clusters']);

    const all = await meshctl(['pc', 'endpoints', '--admin', proxy.address]);
    expect(all.out).toContain(
      '10.244.0.13:20083   UNHEALTHY   OK              outbound|9080|v3|reviews.bookinfo.svc.cluster.local\n',
    );
    expect(all.out.split('\n')).toHaveLength(11);
  });

  it('shows clusters and listeners', async () => {
    const proxy = await admin();
    const clusters = await meshctl(['pc', 'cluster', '--admin', proxy.address, '--cluster', V1]);
    expect(clusters.out).toBe(
      'SERVICE FQDN                         PORT   SUBSET   DIRECTION   TYPE     DESTINATION RULE   LB POLICY\n' +
        'reviews.bookinfo.svc.cluster.local   9080   v1       outbound    STATIC   bookinfo/reviews   ROUND_ROBIN\n',
    );
    const listeners = await meshctl(['pc', 'listeners', '--admin', proxy.address]);
    expect(listeners.out).toBe(
      'NAME           DIRECTION   PORT    PROTOCOL   DESTINATION\n' +
        'outbound       outbound    -       HTTP       Routes: 2 VirtualServices for mesh\n' +
        'inbound|9080   inbound     20080   HTTP       Cluster: inbound|9080|| -> app :19080\n',
    );
  });

  it('prints all four tables, in istioctl order, with all', async () => {
    const proxy = await admin();
    const r = await meshctl(['pc', 'all', '--admin', proxy.address]);
    expect(r.code).toBe(0);
    const tables = r.out.split('\n\n');
    expect(tables.map((t) => t.split('\n')[0]!.split(/\s{3,}/)[0])).toEqual([
      'SERVICE FQDN',
      'NAME',
      'NAME',
      'ENDPOINT',
    ]);
    expect(`${tables[2]}\n`).toBe(ROUTES_TABLE);
  });

  it('prints the held resources, sorted by name, with -o json and -o yaml', async () => {
    const proxy = await admin();
    const json = await meshctl(['pc', 'endpoints', '--admin', proxy.address, '-o', 'json']);
    expect(JSON.parse(json.out)).toEqual(
      snapshotzOf(PRODUCTPAGE_CONFIG_DUMP)['type.mesh.dev/mesh.v1.Endpoints'],
    );
    // The resources are printed as held: /clusters is not read.
    expect(proxy.requests).toEqual(['/config_dump']);

    const yaml = await meshctl(['pc', 'routes', '--admin', proxy.address, '-o', 'yaml']);
    expect(parseYaml(yaml.out)).toEqual(PRODUCTPAGE_CONFIG_DUMP.routes);

    const one = await meshctl(['pc', 'c', '--admin', proxy.address, '--cluster', V1, '-o', 'json']);
    expect(JSON.parse(one.out)).toEqual({
      version: PRODUCTPAGE_CONFIG_DUMP.clusters.version,
      resources: PRODUCTPAGE_CONFIG_DUMP.clusters.resources.filter((r) => r.name === V1),
    });

    const all = await meshctl(['pc', 'all', '--admin', proxy.address, '-o', 'json']);
    expect(Object.keys(JSON.parse(all.out) as object)).toEqual([
      'clusters',
      'listeners',
      'routes',
      'endpoints',
    ]);
  });

  it('says so on stderr when the proxy holds nothing of a type, exit 0', async () => {
    const empty = { version: '', resources: [] };
    const proxy = await admin({
      generation: 0,
      listeners: empty,
      routes: empty,
      clusters: empty,
      endpoints: empty,
    });
    expect(await meshctl(['pc', 'routes', '--admin', proxy.address])).toEqual({
      code: 0,
      out: '',
      err: `No routes in the proxy at ${proxy.address}.\n`,
    });
  });

  it('exits 1 when --cluster names no cluster the proxy holds', async () => {
    const proxy = await admin();
    expect(
      await meshctl(['pc', 'ep', '--admin', proxy.address, '--cluster', 'outbound|1||x']),
    ).toEqual({
      code: 1,
      out: '',
      err: `Error: no cluster "outbound|1||x" in the proxy at ${proxy.address}\n`,
    });
  });

  it('exits 3 with what to do when the admin port is closed', async () => {
    const closed = await admin();
    const server = servers.pop()!;
    await new Promise((r) => server.close(r));
    expect(await meshctl(['pc', 'routes', '--admin', closed.address])).toEqual({
      code: 3,
      out: '',
      err:
        `Error: cannot reach the proxy admin at ${closed.address}: connect ECONNREFUSED ${closed.address}. ` +
        "The admin port listens on 127.0.0.1 only: run meshctl on the proxy's host, or forward the port (e.g. ssh -L 15000:127.0.0.1:15000 HOST).\n",
    });
  });

  it('exits 3 after --timeout when the admin port does not answer', async () => {
    const hung = createServer(() => undefined);
    servers.push(hung);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    const address = `127.0.0.1:${(hung.address() as AddressInfo).port}`;
    expect(await meshctl(['pc', 'routes', '--admin', address, '--timeout', '200ms'])).toEqual({
      code: 3,
      out: '',
      err: `Error: the proxy admin at ${address} did not answer within 200ms. Check that it is running, or raise --timeout.\n`,
    });
  });

  it('exits 3 when --admin points at something else, e.g. the control plane', async () => {
    const cp = await controlPlane();
    expect(await meshctl(['pc', 'routes', '--admin', cp.address])).toEqual({
      code: 3,
      out: '',
      err: `Error: the proxy admin at ${cp.address} answered /config_dump with HTTP 404: not found: /config_dump. Is --admin pointing at a mesh proxy's admin port?\n`,
    });
  });
});

describe('meshctl proxy-config --from-control-plane', () => {
  it('shows what the control plane wants the proxy to hold, health from the resources', async () => {
    const cp = await controlPlane();
    const r = await meshctl([
      'pc',
      'endpoints',
      PROXY_ID,
      '--from-control-plane',
      '--control-plane-http',
      cp.address,
      '--cluster',
      'outbound|9080||reviews.bookinfo.svc.cluster.local',
    ]);
    expect(r).toEqual({
      code: 0,
      out:
        'ENDPOINT            STATUS      OUTLIER CHECK   CLUSTER\n' +
        '10.244.0.11:20081   HEALTHY     -               outbound|9080||reviews.bookinfo.svc.cluster.local\n' +
        '10.244.0.12:20082   HEALTHY     -               outbound|9080||reviews.bookinfo.svc.cluster.local\n' +
        '10.244.0.13:20083   UNHEALTHY   -               outbound|9080||reviews.bookinfo.svc.cluster.local\n',
      err: '',
    });
    expect(cp.requests).toEqual([`/debug/snapshotz?proxy=${PROXY_ID}`]);
  });

  it("prints JSON equal to the proxy's for a proxy in sync, so the two can be diffed", async () => {
    const proxy = await admin();
    const cp = await controlPlane();
    const held = await meshctl(['pc', 'all', '--admin', proxy.address, '-o', 'json']);
    const wanted = await meshctl([
      'pc',
      'all',
      PROXY_ID,
      '--from-control-plane',
      '--control-plane-http',
      cp.address,
      '-o',
      'json',
    ]);
    expect(wanted.code).toBe(0);
    expect(wanted.out).toBe(held.out);
  });

  it('shows a difference when the control plane wants more than the proxy holds', async () => {
    const dump = PRODUCTPAGE_CONFIG_DUMP;
    const proxy = await admin({
      ...dump,
      routes: { ...dump.routes, resources: dump.routes.resources.slice(0, 1) },
    });
    const cp = await controlPlane();
    const held = await meshctl(['pc', 'routes', '--admin', proxy.address]);
    const wanted = await meshctl([
      'pc',
      'routes',
      PROXY_ID,
      '--from-control-plane',
      '--control-plane-http',
      cp.address,
    ]);
    expect(held.out).not.toContain('bookinfo/reviews');
    // Without its VirtualService, reviews goes by the default route: the tables show that too.
    expect(held.out).toMatch(
      /^\(default\)\s+reviews\.bookinfo\.svc\.cluster\.local\s+mesh\s+\/\*\s/m,
    );
    expect(wanted.out).toBe(ROUTES_TABLE);
  });

  it('exits 1 when the proxy is not connected to that replica, naming where to look', async () => {
    const cp = await controlPlane();
    expect(
      await meshctl([
        'pc',
        'routes',
        'ghost-1.bookinfo',
        '--from-control-plane',
        '--control-plane-http',
        cp.address,
      ]),
    ).toEqual({
      code: 1,
      out: '',
      err:
        'Error: no proxy "ghost-1.bookinfo" is connected to control-plane-0. ' +
        "A proxy's snapshot is served by the replica it is connected to: meshctl proxy-status shows which (CONTROL PLANE); point --control-plane-http at its HTTP port.\n",
    });
  });

  it('exits 3 when the control plane HTTP port cannot be reached', async () => {
    const closed = await controlPlane();
    const server = servers.pop()!;
    await new Promise((r) => server.close(r));
    const r = await meshctl([
      'pc',
      'routes',
      PROXY_ID,
      '--from-control-plane',
      '--control-plane-http',
      closed.address,
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toBe(
      `Error: cannot reach the control plane's HTTP port at ${closed.address}: connect ECONNREFUSED ${closed.address}. ` +
        'Set --control-plane-http to the HTTP port of the replica the proxy is connected to (mesh-control-plane --http-port, 15014 by default).\n',
    );
  });
});

describe('meshctl proxy-config usage', () => {
  it('lists proxy-config (pc) in the help, and explains --admin in its own', async () => {
    const top = await meshctl(['--help']);
    expect(top.out).toMatch(/\n {2}proxy-config\|pc /);
    const help = await meshctl(['pc', '--help']);
    for (const text of [
      '--admin <address>',
      '--from-control-plane',
      '--control-plane-http <address>',
      '--cluster <name>',
      "The control plane does not know proxies' admin addresses yet",
    ])
      expect(help.out).toContain(text);
  });

  it('explains why a proxy name is not enough, without any request', async () => {
    const calls: string[] = [];
    const httpGet: HttpGet = async (url) => {
      calls.push(url);
      return { status: 500, body: '' };
    };
    const io = memoryIo();
    expect(await runMeshctl(['pc', 'routes', PROXY_ID], io, undefined, { httpGet })).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      `meshctl: error: cannot reach proxy "${PROXY_ID}" by name: the control plane does not know proxies' admin addresses yet. ` +
        "Pass --admin HOST:PORT, the proxy's admin port (15000 unless it was started with --admin-port; it listens on 127.0.0.1 only, so run meshctl on the proxy's host or forward the port), " +
        `or add --from-control-plane to see what the control plane sends "${PROXY_ID}"\n`,
    );
    expect(calls).toEqual([]);
  });

  it.each([
    [['pc'], "missing required argument 'type'"],
    [
      ['pc', 'routes'],
      'say which proxy to read: --admin HOST:PORT (its admin port), or <proxy-id> --from-control-plane',
    ],
    [
      ['pc', 'pods', '--admin', '1'],
      'unknown config type "pods"; use clusters (c), listeners (l), routes (r), endpoints (ep) or all',
    ],
    [
      ['pc', 'routes', '--admin', '1', '-o', 'xml'],
      "option '-o, --output <format>' argument 'xml' is invalid",
    ],
    [['pc', 'routes', '--admin', 'a b'], '--admin: "a b" is not an address'],
    [['pc', 'routes', '--admin', '1', '--timeout', 'soon'], '--timeout: "soon" is not a duration'],
    [
      ['pc', 'routes', '--admin', '1', '--cluster', 'x'],
      '--cluster filters clusters and endpoints only',
    ],
    [
      ['pc', 'routes', 'p', '--admin', '1', '--from-control-plane'],
      'pass one (run twice to compare)',
    ],
    [
      ['pc', 'routes', '--admin', '1', '--control-plane-http', 'x:1'],
      '--control-plane-http is only used with --from-control-plane',
    ],
    [['pc', 'routes', '--from-control-plane'], '--from-control-plane needs the proxy id'],
    [['pc', 'routes', 'a', 'b', '--admin', '1'], 'too many arguments'],
  ])('exits 2 on %j without any request', async (args, message) => {
    const calls: string[] = [];
    const io = memoryIo();
    const httpGet: HttpGet = async (url) => {
      calls.push(url);
      return { status: 500, body: '' };
    };
    expect(await runMeshctl(args, io, undefined, { httpGet })).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(/^meshctl: error: /);
    expect(io.err()).toContain(message);
    expect(calls).toEqual([]);
  });

  it('checks -o when called as a library too', async () => {
    const io = memoryIo();
    const httpGet: HttpGet = async () => ({ status: 500, body: '' });
    expect(
      await runProxyConfig({ type: 'routes', admin: '1', output: 'xml' as 'json' }, io, {
        httpGet,
      }),
    ).toBe(2);
    expect(io.err()).toBe('meshctl: error: -o: "xml" is not one of table, json, yaml\n');
  });
});
