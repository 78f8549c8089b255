// `meshctl version` against real HTTP servers on 127.0.0.1, port 0: one that answers /version as
// mesh-control-plane's HTTP port does (packages/control-plane/src/http-server.ts; the cli may not
// import the control plane), one that is not a control plane, one that never answers, and a
// closed port.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { runMeshctl } from './program.js';
import { HttpGetError, nodeProxyConfigDeps, type HttpGet } from './proxy-config-http.js';
import { writeState } from './local-mesh/state.js';
import { fakeControlPlane } from './test-support/fake-control-plane.js';
import { removeTempTrees, tempTree } from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';
import type { Env } from './token.js';
import { VERSION } from './version.js';

interface Served {
  address: string;
  paths: string[];
  close(): Promise<void>;
}

async function serve(handler: (path: string, res: ServerResponse) => void): Promise<Served> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    paths,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The body mesh-control-plane serves on /version. */
const CONTROL_PLANE_VERSION = {
  version: '0.1.0',
  name: 'control-plane-vm-123',
  nodeVersion: process.version,
};

const controlPlane = () =>
  serve((path, res) => {
    if (path !== '/version') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(`${JSON.stringify(CONTROL_PLANE_VERSION)}\n`);
  });

async function closedPort(): Promise<string> {
  const s = await serve(() => undefined);
  await s.close();
  return s.address;
}

let home: string;
beforeEach(() => {
  home = tempTree({});
});
afterAll(removeTempTrees);

/** meshctl with an empty MESH_HOME (no local mesh) unless `env` says otherwise, and real HTTP. */
async function meshctl(args: string[], env: Env = {}, httpGet?: HttpGet) {
  const io = memoryIo();
  const code = await runMeshctl(
    args,
    io,
    fakeControlPlane({}, { MESH_HOME: home, ...env }, home).deps,
    httpGet ? { httpGet } : nodeProxyConfigDeps(),
  );
  return { code, out: io.out(), err: io.err() };
}

describe('meshctl version', () => {
  let cp: Served;
  beforeAll(async () => {
    cp = await controlPlane();
  });
  afterAll(() => cp.close());

  it("prints the client's version and the control plane's, like istioctl version", async () => {
    expect(await meshctl(['version', '--control-plane-http', cp.address])).toEqual({
      code: 0,
      out:
        `client version: ${VERSION}\n` +
        `control plane version: 0.1.0 (mesh-control-plane control-plane-vm-123 at ${cp.address})\n`,
      err: '',
    });
    expect(cp.paths.at(-1)).toBe('/version');
  });

  it('--short: the versions only', async () => {
    expect(await meshctl(['version', '--short', '--control-plane-http', cp.address])).toEqual({
      code: 0,
      out: `client version: ${VERSION}\ncontrol plane version: 0.1.0\n`,
      err: '',
    });
  });

  it('-o json and -o yaml: {clientVersion, controlPlane: {version, name, address}}', async () => {
    const report = {
      clientVersion: VERSION,
      controlPlane: { version: '0.1.0', name: 'control-plane-vm-123', address: cp.address },
    };
    const json = await meshctl(['version', '-o', 'json', '--control-plane-http', cp.address]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(report);
    const yaml = await meshctl(['version', '-o', 'yaml', '--control-plane-http', cp.address]);
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.out)).toEqual(report);
  });

  it("asks the local mesh's control plane when meshctl up runs one", async () => {
    writeState(home, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      ready: true,
      controlPlane: '127.0.0.1:1',
      controlPlaneHttp: cp.address,
      store: 'embedded store',
      components: [],
    });
    const r = await meshctl(['version']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`(mesh-control-plane control-plane-vm-123 at ${cp.address})`);
  });

  it('--client: this meshctl only, nothing is asked', async () => {
    const before = cp.paths.length;
    expect(await meshctl(['version', '--client'])).toEqual({
      code: 0,
      out: `client version: ${VERSION}\n`,
      err: '',
    });
    expect(JSON.parse((await meshctl(['version', '--client', '-o', 'json'])).out)).toEqual({
      clientVersion: VERSION,
      controlPlane: null,
    });
    expect(cp.paths.length).toBe(before);
  });
});

describe('meshctl version without a control plane', () => {
  it('prints the client version, says why on stderr, and exits 0 as istioctl version does', async () => {
    const address = await closedPort();
    expect(await meshctl(['version', '--control-plane-http', address])).toEqual({
      code: 0,
      out: `client version: ${VERSION}\n`,
      err: `control plane: not reachable at ${address} (connect ECONNREFUSED ${address})\n`,
    });
    const json = await meshctl(['version', '-o', 'json', '--control-plane-http', address]);
    expect(JSON.parse(json.out)).toEqual({ clientVersion: VERSION, controlPlane: null });
    expect(json.err).toMatch(/^control plane: not reachable at /);
  });

  it('asks localhost:15014 when there is no flag and no local mesh', async () => {
    const urls: string[] = [];
    const refused: HttpGet = async (url) => {
      urls.push(url);
      throw new HttpGetError('unreachable', 'connect ECONNREFUSED 127.0.0.1:15014');
    };
    expect(await meshctl(['version'], {}, refused)).toEqual({
      code: 0,
      out: `client version: ${VERSION}\n`,
      err: 'control plane: not reachable at localhost:15014 (connect ECONNREFUSED 127.0.0.1:15014)\n',
    });
    expect(urls).toEqual(['http://localhost:15014/version']);
  });

  it('gives up after --timeout on a port that never answers', async () => {
    const silent = await serve(() => undefined);
    try {
      expect(
        await meshctl(['version', '--timeout', '100ms', '--control-plane-http', silent.address]),
      ).toEqual({
        code: 0,
        out: `client version: ${VERSION}\n`,
        err: `control plane: not reachable at ${silent.address} (no answer within 100ms)\n`,
      });
    } finally {
      await silent.close();
    }
  });

  it('says so when something else answers on that port', async () => {
    const other = await serve((path, res) =>
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`),
    );
    const html = await serve((_path, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>\n'),
    );
    try {
      const hint =
        "Is --control-plane-http pointing at mesh-control-plane's HTTP port (--http-port, 15014 by default)?";
      expect(await meshctl(['version', '--control-plane-http', other.address])).toEqual({
        code: 0,
        out: `client version: ${VERSION}\n`,
        err: `control plane: no version from ${other.address} (HTTP 404: not found: /version). ${hint}\n`,
      });
      expect((await meshctl(['version', '--control-plane-http', html.address])).err).toBe(
        `control plane: no version from ${html.address} (the answer is not JSON: <html>hello</html>). ${hint}\n`,
      );
    } finally {
      await other.close();
      await html.close();
    }
  });
});

describe('meshctl version usage', () => {
  it('keeps --version to the bare client version, for scripts', async () => {
    expect(await meshctl(['--version'])).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
  });

  it('refuses --client with --control-plane-http, and a bad address or -o', async () => {
    expect(await meshctl(['version', '--client', '--control-plane-http', 'x:1'])).toEqual({
      code: 2,
      out: '',
      err: 'meshctl: error: --client prints this meshctl only; --control-plane-http is where to ask the control plane: pass one\n',
    });
    expect((await meshctl(['version', '--control-plane-http', 'a b'])).code).toBe(2);
    expect((await meshctl(['version', '-o', 'wide'])).code).toBe(2);
  });

  it('explains itself in --help', async () => {
    const r = await meshctl(['version', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--control-plane-http <address>');
    expect(r.out).toContain('meshctl version -o json | jq -r .controlPlane.version');
  });
});
