import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlPlaneDeps } from './connection.js';
import { runMeshctl } from './program.js';
import type { HttpGet } from './proxy-config-http.js';
import { dr, routeToSubset, service, vs } from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';
import { VERSION } from './version.js';

const files = {
  'cfg/bad.yaml': vs('r', '  hosts: [reviews]\n  bogus: 1\n'),
  'ok/svc.yaml': service('reviews'),
  'ok/dr.yaml': dr('reviews', 'reviews', ['v1']),
  'ok/vs.yaml': routeToSubset('reviews', 'reviews', 'v1'),
  'ok/tasks/vs.yaml': vs('r', '  hosts: [reviews]\n  bogus: 1\n'),
};

describe('runMeshctl', () => {
  it('prints the version', async () => {
    const io = memoryIo();
    expect(await runMeshctl(['--version'], io)).toBe(0);
    expect(io.out()).toBe(`${VERSION}\n`);
  });

  it('prints help with examples and exit codes', async () => {
    const io = memoryIo();
    expect(await runMeshctl(['--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: meshctl [options] [command]');
    expect(io.out()).toContain(
      'Exit codes: 0 no errors, 1 errors found, 2 usage error, 3 internal error.',
    );
    const sub = memoryIo();
    expect(await runMeshctl(['analyze', '--help'], sub)).toBe(0);
    expect(sub.out()).toContain('--known-host <host>');
    expect(sub.out()).toContain('meshctl analyze -f samples/bookinfo --exclude tasks');
  });

  it('prints help on stdout and exits 0 without arguments, like kubectl and istioctl', async () => {
    const io = memoryIo();
    expect(await runMeshctl([], io)).toBe(0);
    expect(io.out().split('\n')[0]).toBe('Usage: meshctl [options] [command]');
    expect(io.err()).toBe('');
  });

  it('prints the client version with version --client (version-command.test.ts: the rest)', async () => {
    const io = memoryIo();
    expect(await runMeshctl(['version', '--client'], io)).toBe(0);
    expect(io.out()).toBe(`client version: ${VERSION}\n`);
  });

  it('suggests the closest command for a typo, with the meshctl prefix', async () => {
    const io = memoryIo();
    expect(await runMeshctl(['valdate', '-f', 'x'], io)).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      "meshctl: error: unknown command 'valdate'\n(Did you mean validate?)\n(run with --help for usage)\n",
    );
  });

  it('names the missing flag on stderr', async () => {
    const io = memoryIo();
    expect(await runMeshctl(['validate'], io)).toBe(2);
    expect(io.err()).toBe(
      "meshctl: error: required option '-f, --filename <path>' not specified\n(run with --help for usage)\n",
    );
  });

  it.each([
    [['validate']],
    [['validate', '-f']],
    [['validate', '-f', 'x', '-o', 'xml']],
    [['validate', '-f', 'x', '--frobnicate']],
    [['lint', '-f', 'x']],
  ])('exits 2 on the usage error %j', async (args) => {
    const io = memoryIo();
    expect(await runMeshctl(args, io)).toBe(2);
    expect(io.err()).not.toBe('');
  });

  it('runs validate with repeated -f and -n', async () => {
    const io = memoryIo(files);
    expect(await runMeshctl(['validate', '-f', 'cfg', '-f', 'ok/vs.yaml', '-n', 'shop'], io)).toBe(
      1,
    );
    expect(io.out()).toBe(
      'cfg/bad.yaml:7: VirtualService shop/r: spec.bogus: unknown field "bogus"\n',
    );
    expect(io.err()).toBe('validated 1 resource in 2 files: 1 error, 0 warnings\n');
  });

  it('runs analyze with --exclude and -o json', async () => {
    const io = memoryIo(files);
    expect(await runMeshctl(['analyze', '-f', 'ok', '--exclude', 'tasks', '-o', 'json'], io)).toBe(
      0,
    );
    expect(JSON.parse(io.out())).toEqual({
      resources: 2,
      files: 3,
      errors: [],
      warnings: [],
      info: [],
    });
  });

  it('accepts --known-host repeatedly', async () => {
    const io = memoryIo({ 'vs.yaml': files['ok/vs.yaml'], 'dr.yaml': files['ok/dr.yaml'] });
    expect(
      await runMeshctl(
        [
          'analyze',
          '-f',
          'vs.yaml',
          '-f',
          'dr.yaml',
          '--known-host',
          'reviews',
          '--known-host',
          'api.example.com',
        ],
        io,
      ),
    ).toBe(0);
  });

  it('passes --debug through to internal errors', async () => {
    const io = {
      ...memoryIo({ 'x.yaml': 'a: [' }),
      stdout: () => {
        throw new Error('boom');
      },
    };
    let err = '';
    io.stderr = (t: string) => void (err += t);
    expect(await runMeshctl(['validate', '-f', 'x.yaml', '--debug'], io)).toBe(3);
    expect(err).toMatch(/^meshctl: internal error: boom\nError: boom\n\s+at /);
  });
});

describe('runMeshctl analyze without -f: the live mesh (analyze-live.test.ts: the rest)', () => {
  /** MESH_HOME with a running local mesh whose control plane HTTP port is `http`, or none. */
  const meshHome = (http?: string): ControlPlaneDeps => {
    const home = mkdtempSync(join(tmpdir(), 'meshctl-analyze-'));
    if (http) {
      mkdirSync(join(home, 'local-mesh'));
      writeFileSync(
        join(home, 'local-mesh', 'state.json'),
        JSON.stringify({
          pid: process.pid,
          startedAt: '',
          ready: true,
          controlPlane: '127.0.0.1:1',
          controlPlaneHttp: http,
          store: 'embedded',
          components: [],
        }),
      );
    }
    return {
      env: { MESH_HOME: home },
      homeDir: home,
      connect: () => Promise.reject(new Error('analyze does not use gRPC')),
    };
  };
  const emptyMesh = () => {
    const urls: string[] = [];
    const httpGet: HttpGet = async (url) => {
      urls.push(url);
      return { status: 200, body: '[]' };
    };
    return { urls, deps: { httpGet } };
  };

  it.each([
    {
      flags: ['--control-plane-http', 'cp.example:15014'],
      local: '127.0.0.1:7777',
      at: 'cp.example:15014',
    },
    { flags: [], local: '127.0.0.1:7777', at: '127.0.0.1:7777' },
    { flags: [], local: undefined, at: 'localhost:15014' },
  ])(
    'reads the control plane at $at (flags $flags, local mesh $local)',
    async ({ flags, local, at }) => {
      const io = memoryIo();
      const { urls, deps } = emptyMesh();
      expect(await runMeshctl(['analyze', ...flags], io, meshHome(local), deps)).toBe(0);
      expect(urls).toEqual([`http://${at}/debug/configz`, `http://${at}/debug/registryz`]);
      expect(io.err()).toBe(
        `analyzed 0 resources and 0 workloads from the control plane at ${at}: 0 errors, 0 warnings\n`,
      );
    },
  );

  it('reports every namespace unless -n names one', async () => {
    const io = memoryIo();
    const { deps } = emptyMesh();
    expect(
      await runMeshctl(['analyze', '-n', 'shop', '-o', 'json'], io, meshHome('127.0.0.1:7'), deps),
    ).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ controlPlane: '127.0.0.1:7', namespace: 'shop' });
  });

  it.each([
    { args: ['analyze', '--exclude', 'tasks'], says: '--exclude' },
    {
      args: ['analyze', '-f', 'ok', '--control-plane-http', 'cp:15014'],
      says: '--control-plane-http',
    },
  ])('exits 2 on $says used with the other mode', async ({ args, says }) => {
    const io = memoryIo(files);
    const { urls, deps } = emptyMesh();
    expect(await runMeshctl(args, io, meshHome(), deps)).toBe(2);
    expect(io.err()).toContain(`meshctl: error: ${says}`);
    expect(urls).toEqual([]);
  });
});
