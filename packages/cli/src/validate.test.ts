import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';
import { runValidate } from './validate.js';
import {
  capturingNodeIo,
  lines,
  removeTempTrees,
  routeToSubset,
  service,
  tempTree,
  vs,
} from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';

afterAll(removeTempTrees);

const UNKNOWN_FIELD = vs('r', '  hosts: [reviews]\n  bogus: 1\n');

describe('runValidate', () => {
  it('exits 0 with only a summary for valid resources', async () => {
    const root = tempTree({
      'a.yaml': routeToSubset('reviews', 'reviews', 'v1'),
      'b.yaml': routeToSubset('ratings', 'ratings', 'v1'),
    });
    const io = capturingNodeIo();
    expect(await runValidate({ filenames: [root] }, io)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('validated 2 resources in 2 files: 0 errors, 0 warnings\n');
  });

  it('prints each error as its formatDiagnostic line and exits 1', async () => {
    const root = tempTree({ 'bad.yaml': UNKNOWN_FIELD });
    const io = capturingNodeIo();
    expect(await runValidate({ filenames: [join(root, 'bad.yaml')] }, io)).toBe(1);
    expect(io.out()).toBe(
      `${join(root, 'bad.yaml')}:7: VirtualService default/r: spec.bogus: unknown field "bogus"\n`,
    );
    expect(io.err()).toBe('validated 0 resources in 1 file: 1 error, 0 warnings\n');
  });

  it('reports semantic errors alongside structural ones, in one run', async () => {
    const io = memoryIo({
      'vs.yaml':
        'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n' +
        '  hosts: [r]\n  http:\n  - route: [{destination: {host: r}, weight: -1}]\n    timeout: 10\n',
    });
    expect(await runValidate({ filenames: ['vs.yaml'] }, io)).toBe(1);
    expect(io.out()).toBe(
      'vs.yaml:8: VirtualService default/r: spec.http[0].timeout: expected a duration string such as "1.5s" or "250ms", got the integer 10\n' +
        'vs.yaml:7: VirtualService default/r: spec.http[0].route[0].weight: weight -1 is negative\n',
    );
  });

  it('prefixes info notes and does not fail on them', async () => {
    const io = memoryIo({ 'svc.yaml': service('reviews') });
    expect(await runValidate({ filenames: ['svc.yaml'] }, io)).toBe(0);
    expect(io.out()).toBe(
      'svc.yaml: info: Service default/reviews: not an Istio networking resource (v1); skipped\n',
    );
    expect(io.err()).toBe('validated 0 resources in 1 file: 0 errors, 0 warnings\n');
  });

  it('puts resources without a namespace in --namespace', async () => {
    const io = memoryIo({ 'bad.yaml': UNKNOWN_FIELD });
    await runValidate({ filenames: ['bad.yaml'], namespace: 'bookinfo' }, io);
    expect(io.out()).toBe(
      'bad.yaml:7: VirtualService bookinfo/r: spec.bogus: unknown field "bogus"\n',
    );
  });

  it('prints one JSON document with every diagnostic field', async () => {
    const io = memoryIo({
      'bad.yaml': UNKNOWN_FIELD,
      'svc.yaml': service('reviews'),
      'ok.yaml': routeToSubset('x', 'x', 'v1'),
    });
    expect(
      await runValidate({ filenames: ['bad.yaml', 'svc.yaml', 'ok.yaml'], output: 'json' }, io),
    ).toBe(1);
    const doc = JSON.parse(io.out()) as Record<string, unknown>;
    expect(doc).toEqual({
      resources: 1,
      files: 3,
      errors: [
        {
          severity: 'error',
          code: 'MESH-V0001',
          kind: 'VirtualService',
          namespace: 'default',
          name: 'r',
          path: 'spec.bogus',
          message: 'unknown field "bogus"',
          source: { file: 'bad.yaml', document: 0, line: 7 },
        },
      ],
      warnings: [],
      info: [
        expect.objectContaining({
          severity: 'info',
          code: 'MESH-V0002',
          kind: 'Service',
          name: 'reviews',
        }),
      ],
    });
    expect(io.err()).toBe('validated 1 resource in 3 files: 1 error, 0 warnings\n');
  });

  it('prints the same document as YAML with -o yaml', async () => {
    const files = { 'bad.yaml': UNKNOWN_FIELD, 'ok.yaml': routeToSubset('x', 'x', 'v1') };
    const asJson = memoryIo(files);
    const asYaml = memoryIo(files);
    expect(await runValidate({ filenames: ['bad.yaml', 'ok.yaml'], output: 'json' }, asJson)).toBe(
      1,
    );
    expect(await runValidate({ filenames: ['bad.yaml', 'ok.yaml'], output: 'yaml' }, asYaml)).toBe(
      1,
    );
    expect(asYaml.out()).toMatch(/^resources: 1\nfiles: 2\nerrors:\n {2}- severity: error\n/);
    expect(parseYaml(asYaml.out())).toEqual(JSON.parse(asJson.out()));
    expect(asYaml.err()).toBe(asJson.err());
  });

  it('reads YAML from stdin with -f -', async () => {
    const io = memoryIo({}, UNKNOWN_FIELD);
    expect(await runValidate({ filenames: ['-'] }, io)).toBe(1);
    expect(io.out()).toBe(
      '<stdin>:7: VirtualService default/r: spec.bogus: unknown field "bogus"\n',
    );
    expect(io.err()).toBe('validated 0 resources in 1 file: 1 error, 0 warnings\n');
  });

  it('reports a missing file by name as a usage error, before checking anything', async () => {
    const root = tempTree({ 'bad.yaml': UNKNOWN_FIELD });
    const io = capturingNodeIo();
    const missing = join(root, 'missing.yaml');
    expect(await runValidate({ filenames: [join(root, 'bad.yaml'), missing] }, io)).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(`meshctl: error: ${missing}: no such file or directory\n`);
  });

  it('flags an http rule with no route, redirect or directResponse at spec.http[0]', async () => {
    // Istio rejects this VirtualService ("http route, redirect or direct_response is required").
    const io = memoryIo({
      'vs.yaml': vs('reviews', '  hosts: [reviews]\n  http:\n    - timeout: 1s\n'),
    });
    expect(await runValidate({ filenames: ['vs.yaml'] }, io)).toBe(1);
    expect(lines(io.out())).toEqual([
      expect.stringMatching(/^vs\.yaml:8: VirtualService default\/reviews: spec\.http\[0\]: \S/),
    ]);
  });

  it('says a file with a YAML error and {{ }} is a template to render first', async () => {
    const io = memoryIo({
      'chart.yaml': vs(
        '{{ .Values.name }}',
        '  hosts:\n  {{- range .Values.hosts }}\n  - {{ . }}\n  {{- end }}\n',
      ),
    });
    expect(await runValidate({ filenames: ['chart.yaml'] }, io)).toBe(1);
    expect(io.out()).toBe(
      'Document chart.yaml#1: yaml: Implicit keys need to be on a single line at line 7, column 3; the file looks like a Helm or Go template ({{ ... }}): render it first, e.g. helm template CHART | meshctl validate -f -\n',
    );
  });

  it('accepts kubectl get -o yaml output, CRLF line endings and a UTF-8 BOM', async () => {
    const kubectl = [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  annotations:',
      '    kubectl.kubernetes.io/last-applied-configuration: |',
      '      {"apiVersion":"networking.istio.io/v1","kind":"VirtualService"}',
      '  creationTimestamp: "2024-05-01T10:00:00Z"',
      '  generation: 3',
      '  managedFields:',
      '  - apiVersion: networking.istio.io/v1',
      '    fieldsType: FieldsV1',
      '    fieldsV1: {"f:spec": {"f:hosts": {}}}',
      '    manager: kubectl-client-side-apply',
      '    operation: Update',
      '  name: reviews',
      '  namespace: bookinfo',
      '  resourceVersion: "123456"',
      '  uid: 3f0c1a2b-1111-2222-3333-444455556666',
      'spec:',
      '  hosts: [reviews]',
      '  http:',
      '  - route:',
      '    - destination: {host: reviews}',
      'status:',
      '  observedGeneration: 3',
      '  validationMessages: [{level: ERROR, type: {code: IST0101}}]',
      '',
    ].join('\n');
    const io = memoryIo({
      'list.yaml': `apiVersion: v1\nkind: List\nitems:\n- ${kubectl.replace(/\n(?!$)/g, '\n  ')}`,
      'crlf-bom.yaml': `\uFEFF${kubectl.replace(/\n/g, '\r\n')}`,
    });
    expect(await runValidate({ filenames: ['list.yaml', 'crlf-bom.yaml'] }, io)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('validated 2 resources in 2 files: 0 errors, 0 warnings\n');
  });

  it('names file, resource and field for a typo and a string destination', async () => {
    const io = memoryIo({
      'vs.yaml': vs(
        'reviews',
        '  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n      wieght: 50\n    - destination: reviews\n',
      ),
    });
    expect(await runValidate({ filenames: ['vs.yaml'] }, io)).toBe(1);
    expect(lines(io.out())).toEqual([
      'vs.yaml:10: VirtualService default/reviews: spec.http[0].route[0].wieght: unknown field "wieght"; did you mean "weight"?',
      'vs.yaml:11: VirtualService default/reviews: spec.http[0].route[1].destination: expected an object, got the string "reviews"',
    ]);
  });

  describe('never crashes on garbage', () => {
    const garbage = {
      'binary.yaml': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0xff, 0xfe]),
      'empty.yaml': '',
      'foo.yaml': 'apiVersion: networking.istio.io/v1\nkind: Foo\nmetadata:\n  name: f\n',
      'syntax.yaml': 'a: [\n',
      'scalar.json': '42',
      'unrelated/readme.md': '# not config',
      'unrelated/pic.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]),
    };

    it('reports each bad document as an error line and exits 1', async () => {
      const root = tempTree(garbage);
      const io = capturingNodeIo();
      expect(await runValidate({ filenames: [root] }, io)).toBe(1);
      expect(lines(io.out())).toEqual([
        `Document ${join(root, 'binary.yaml')}: binary content: expected YAML or JSON text`,
        `${join(root, 'foo.yaml')}:2: Foo default/f: kind: unknown kind "Foo" in networking.istio.io; expected one of VirtualService, DestinationRule, Gateway, ServiceEntry, Sidecar, WorkloadEntry`,
        `Document ${join(root, 'scalar.json')}#1: expected a Kubernetes object, got the integer 42`,
        expect.stringMatching(
          new RegExp(`^Document ${escape(join(root, 'syntax.yaml'))}#1: yaml: `),
        ),
      ]);
      expect(io.err()).toBe('validated 0 resources in 5 files: 4 errors, 0 warnings\n');
    });

    it('reports garbage as JSON too', async () => {
      const root = tempTree(garbage);
      const io = capturingNodeIo();
      expect(await runValidate({ filenames: [root], output: 'json' }, io)).toBe(1);
      const doc = JSON.parse(io.out()) as { errors: unknown[]; files: number };
      expect(doc.files).toBe(5);
      expect(doc.errors).toHaveLength(4);
    });
  });

  it('reports a file it cannot read by name as a usage error', async () => {
    const io = {
      ...memoryIo({ 'locked.yaml': '' }),
      readFile: () => Promise.reject(new Error('EACCES: permission denied')),
    };
    let err = '';
    io.stderr = (t: string) => void (err += t);
    expect(await runValidate({ filenames: ['locked.yaml'] }, io)).toBe(2);
    expect(err).toBe('meshctl: error: locked.yaml: cannot read: EACCES: permission denied\n');
  });

  it('turns an unexpected exception into an internal error with exit 3', async () => {
    const io = { ...memoryIo({ 'x.yaml': 'a: [' }), stdout: brokenStdout };
    const err: string[] = [];
    io.stderr = (t: string) => void err.push(t);
    expect(await runValidate({ filenames: ['x.yaml'] }, io)).toBe(3);
    expect(err.join('')).toBe(
      'meshctl: internal error: disk on fire\n(run again with --debug for the stack trace)\n',
    );
  });

  it('prints the stack of an internal error with debug', async () => {
    const io = { ...memoryIo({ 'x.yaml': 'a: [' }), stdout: brokenStdout };
    const err: string[] = [];
    io.stderr = (t: string) => void err.push(t);
    expect(await runValidate({ filenames: ['x.yaml'], debug: true }, io)).toBe(3);
    expect(err[0]).toBe('meshctl: internal error: disk on fire\n');
    expect(err[1]).toMatch(/^Error: disk on fire\n\s+at /);
  });
});

// Output failing under us is not the user's input: it is the internal-error path.
function brokenStdout(): void {
  throw new Error('disk on fire');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
