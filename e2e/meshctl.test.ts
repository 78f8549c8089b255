// meshctl as users run it: a real node process on real files. The lead's CI builds first
// (rules, cli, meshctl dist); these tests build nothing themselves.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '..');
const bin = join(repo, 'apps/meshctl/bin/meshctl.js');
const samples = join(repo, 'samples');

function meshctl(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshctl-e2e-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const vs = (name: string, body: string) =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\nspec:\n${body}`;

describe('meshctl from the workspace', () => {
  it('runs as `npx meshctl` from the repository root, through the linked workspace bin', () => {
    const r = spawnSync('npx', ['--no-install', 'meshctl', 'validate', '-f', 'samples/bookinfo'], {
      cwd: repo,
      encoding: 'utf8',
    });
    if (r.error) throw r.error;
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^validated \d+ resources in \d+ files: 0 errors, 0 warnings$/m);
  });
});

describe('meshctl on the samples', () => {
  it('validates every sample file', () => {
    const r = meshctl(['validate', '-f', 'samples']);
    expect(r.code).toBe(0);
    // Only the Kubernetes Services are reported, as skipped.
    expect(
      lines(r.out).every((l) =>
        /^samples\/[a-z/-]+\.yaml: info: Service default\/[a-z-]+: not an Istio networking resource \(v1\); skipped$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(r.err).toMatch(/^validated \d+ resources in \d+ files: 0 errors, \d+ warnings\n$/);
  });

  it.each(['bookinfo', 'httpbin', 'tcp-echo'])(
    'analyzes samples/%s without its tasks clean',
    (dir) => {
      const r = meshctl(['analyze', '-f', `samples/${dir}`, '--exclude', 'tasks']);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/^analyzed \d+ resources? in \d+ files?: 0 errors, 0 warnings\n$/);
    },
  );

  it('analyzes all samples together, tasks excluded, clean', () => {
    const r = meshctl(['analyze', '-f', 'samples', '--exclude', 'tasks']);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('validates each Bookinfo task file on its own', () => {
    const tasks = readdirSync(join(samples, 'bookinfo/tasks')).sort();
    expect(tasks.length).toBeGreaterThanOrEqual(7);
    for (const task of tasks) {
      const r = meshctl(['validate', '-f', `samples/bookinfo/tasks/${task}`]);
      expect({ task, code: r.code, out: r.out }).toEqual({ task, code: 0, out: '' });
    }
  });

  it.each(readdirSync(join(samples, 'bookinfo/tasks')).sort())(
    'analyzes bookinfo task %s over the Services and DestinationRules clean',
    (task) => {
      // A task's VirtualService replaces the base one of the same name (kubectl apply), so it is
      // analyzed with the Services and DestinationRules only.
      const r = meshctl([
        'analyze',
        '-f',
        'samples/bookinfo/platform.yaml',
        '-f',
        'samples/bookinfo/destination-rule-all.yaml',
        '-f',
        `samples/bookinfo/tasks/${task}`,
      ]);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    },
  );

  it('analyzes the httpbin mirroring task with the httpbin Service clean', () => {
    const r = meshctl([
      'analyze',
      '-f',
      'samples/httpbin/httpbin.yaml',
      '-f',
      'samples/httpbin/tasks/mirroring.yaml',
    ]);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('prints the version and help', () => {
    expect(meshctl(['--version'])).toEqual({ code: 0, out: '0.1.0\n', err: '' });
    const help = meshctl(['validate', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('-f, --filename <path>');
  });
});

describe('meshctl on bad input', () => {
  let bad: string;
  beforeAll(() => {
    bad = join(tmp, 'bad');
    mkdirSync(join(bad, 'nested'), { recursive: true });
    writeFileSync(
      join(bad, 'binary.yaml'),
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x02, 0xff]),
    );
    writeFileSync(join(bad, 'empty.yaml'), '');
    writeFileSync(
      join(bad, 'foo.yaml'),
      'apiVersion: networking.istio.io/v1\nkind: Foo\nmetadata:\n  name: f\n',
    );
    writeFileSync(join(bad, 'nested/syntax.yml'), 'hosts: [\n');
    writeFileSync(
      join(bad, 'nested/unknown-field.yaml'),
      vs('r', '  hosts: [reviews]\n  bogus: 1\n'),
    );
    writeFileSync(join(bad, 'README.md'), '# not config\n');
  });

  it('validate reports every problem, in path order, and exits 1', () => {
    const r = meshctl(['validate', '-f', bad]);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([
      `Document ${join(bad, 'binary.yaml')}: binary content: expected YAML or JSON text`,
      `${join(bad, 'foo.yaml')}:2: Foo default/f: kind: unknown kind "Foo" in networking.istio.io; expected one of VirtualService, DestinationRule, Gateway, ServiceEntry, Sidecar, WorkloadEntry`,
      expect.stringMatching(/^Document .*nested\/syntax\.yml#1: yaml: /),
      `${join(bad, 'nested/unknown-field.yaml')}:7: VirtualService default/r: spec.bogus: unknown field "bogus"`,
    ]);
    expect(r.err).toBe('validated 0 resources in 5 files: 4 errors, 0 warnings\n');
  });

  it('validate -o json prints one parseable document', () => {
    const r = meshctl(['validate', '-f', bad, '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as {
      files: number;
      resources: number;
      errors: { code: string }[];
    };
    expect(doc.files).toBe(5);
    expect(doc.resources).toBe(0);
    expect(doc.errors.map((e) => e.code)).toEqual([
      'MESH-V0003',
      'MESH-V0001',
      'MESH-V0003',
      'MESH-V0001',
    ]);
  });

  it('analyze reports the same problems as findings and exits 1', () => {
    const r = meshctl(['analyze', '-f', bad]);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toContain(
      `${join(bad, 'nested/unknown-field.yaml')}:7: Error [MESH-V0001] VirtualService default/r: spec.bogus: unknown field "bogus"`,
    );
  });

  it('a missing file is a usage error naming it', () => {
    const r = meshctl(['validate', '-f', 'samples', '-f', 'no/such.yaml']);
    expect(r).toEqual({
      code: 2,
      out: '',
      err: 'meshctl: error: no/such.yaml: no such file or directory\n',
    });
  });

  it('a Helm template is called one, with how to render it', () => {
    const chart = join(tmp, 'chart.yaml');
    writeFileSync(
      chart,
      vs(
        '{{ .Values.name }}',
        '  hosts:\n  {{- range .Values.hosts }}\n  - {{ . }}\n  {{- end }}\n',
      ),
    );
    expect(meshctl(['validate', '-f', chart])).toEqual({
      code: 1,
      out: `Document ${chart}#1: yaml: Implicit keys need to be on a single line at line 7, column 3; the file looks like a Helm or Go template ({{ ... }}): render it first, e.g. helm template CHART | meshctl validate -f -\n`,
      err: 'validated 0 resources in 1 file: 1 error, 0 warnings\n',
    });
  });

  it('tabs, a not-served apiVersion in a kind: List, and a JSON file each name the file', () => {
    const dir = join(tmp, 'messy');
    mkdirSync(join(dir, 'node_modules/pkg'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/pkg/x.yaml'), 'a: [\n');
    writeFileSync(join(dir, 'tabs.yaml'), vs('t', '\thosts: [a]\n'));
    writeFileSync(
      join(dir, 'list.yaml'),
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1beta2\n  kind: VirtualService\n  metadata: {name: r}\n  spec: {hosts: [r], http: [{route: [{destination: {host: r}}]}]}\n',
    );
    writeFileSync(
      join(dir, 'dr.json'),
      '{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"d"},"spec":{"host":"r","subsets":[{"name":"v1","labels":{"version":"v1"}}],"bogus":1}}',
    );
    const r = meshctl(['validate', '-f', dir]);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([
      `${join(dir, 'dr.json')}:1: DestinationRule default/d: spec.bogus: unknown field "bogus"`,
      `${join(dir, 'list.yaml')}:4: VirtualService default/r: apiVersion: "networking.istio.io/v1beta2" is not served for VirtualService; use networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3`,
      `Document ${join(dir, 'tabs.yaml')}#1: yaml: Tabs are not allowed as indentation at line 6, column 1`,
    ]);
    expect(r.err).toBe('validated 0 resources in 3 files: 3 errors, 0 warnings\n');
  });

  it('no arguments prints help on stdout and exits 0; version and typos work like istioctl', () => {
    const help = meshctl([]);
    expect(help.code).toBe(0);
    expect(lines(help.out)[0]).toBe('Usage: meshctl [options] [command]');
    expect(help.err).toBe('');
    expect(meshctl(['version', '--client'])).toEqual({
      code: 0,
      out: 'client version: 0.1.0\n',
      err: '',
    });
    expect(meshctl(['--version'])).toEqual({ code: 0, out: '0.1.0\n', err: '' });
    expect(meshctl(['analyse', '-f', 'x'])).toEqual({
      code: 2,
      out: '',
      err: "meshctl: error: unknown command 'analyse'\n(Did you mean analyze?)\n(run with --help for usage)\n",
    });
  });

  it('a directory without config files is a usage error, not a silent pass', () => {
    const dir = join(tmp, 'docs-only');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    writeFileSync(join(dir, 'README.md'), '# docs\n');
    writeFileSync(join(dir, 'node_modules/x.yaml'), 'a: 1\n');
    expect(meshctl(['validate', '-f', dir])).toEqual({
      code: 2,
      out: '',
      err: `meshctl: error: ${dir}: no .yaml, .yml or .json files in this directory (node_modules, dot-directories and --exclude matches are not walked)\n`,
    });
  });

  it('bad flags exit 2', () => {
    expect(meshctl(['validate']).code).toBe(2);
    expect(meshctl(['validate', '-f', bad, '-o', 'xml']).code).toBe(2);
    expect(meshctl(['frobnicate']).code).toBe(2);
  });
});

describe('docs/cli.md', () => {
  it('shows the JSON output meshctl really prints', () => {
    const doc = readFileSync(join(repo, 'docs/cli.md'), 'utf8');
    const example = /## JSON output[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)![1]!;
    const dir = join(tmp, 'docs-json');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vs.yaml'), vs('r', '  hosts: [reviews]\n  bogus: 1\n'));
    const r = spawnSync(process.execPath, [bin, 'validate', '-f', 'vs.yaml', '-o', 'json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(example));
    expect(r.stderr).toBe('validated 0 resources in 1 file: 1 error, 0 warnings\n');
  });
});

describe('meshctl -f - (stdin)', () => {
  it('validates piped YAML', () => {
    const r = meshctl(['validate', '-f', '-'], vs('r', '  hosts: [reviews]\n  bogus: 1\n'));
    expect(r).toEqual({
      code: 1,
      out: '<stdin>:7: VirtualService default/r: spec.bogus: unknown field "bogus"\n',
      err: 'validated 0 resources in 1 file: 1 error, 0 warnings\n',
    });
  });

  it('analyzes piped YAML together with files', () => {
    const route = vs(
      'reviews',
      '  hosts: [reviews]\n  http:\n    - route:\n        - destination:\n            host: reviews\n            subset: v1\n',
    );
    const r = meshctl(
      [
        'analyze',
        '-f',
        'samples/bookinfo/platform.yaml',
        '-f',
        'samples/bookinfo/destination-rule-all.yaml',
        '-f',
        '-',
      ],
      route,
    );
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^analyzed 5 resources in 3 files: 0 errors, 0 warnings\n$/);
  });
});

describe('meshctl at scale', () => {
  it('validates 500 generated files', () => {
    const dir = join(tmp, 'many');
    for (let i = 0; i < 500; i++) {
      const sub = join(dir, `ns-${String(i % 10)}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(
        join(sub, `vs-${String(i).padStart(3, '0')}.yaml`),
        vs(
          `svc-${i}`,
          `  hosts: [svc-${i}]\n  http:\n    - route:\n        - destination:\n            host: svc-${i}\n`,
        ),
      );
    }
    const r = meshctl(['validate', '-f', dir]);
    expect(r.err).toBe('validated 500 resources in 500 files: 0 errors, 0 warnings\n');
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});
