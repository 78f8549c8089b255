import type { Diagnostic } from '@mesh/rules';
import { diagnosticLines, duplicateErrors, splitDocuments } from './documents.js';
import { service, vs } from './test-support/fixtures.js';

const REVIEWS = vs(
  'reviews',
  '  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n',
);

describe('splitDocuments', () => {
  it('keeps file, document index and first line of each mesh resource, and skips the rest', () => {
    const text = `# Bookinfo, mixed\n${service('productpage')}---\n# the route\n${REVIEWS}---\n---\n${vs('ratings', '  hosts: [ratings]\n', 'shop')}`;
    const { resources, skipped, diagnostics } = splitDocuments(
      [{ name: 'mix.yaml', text }],
      'default',
    );
    expect(diagnostics).toEqual([]);
    expect(skipped.map((s) => [s.kind, s.namespace, s.name, s.document, s.line])).toEqual([
      ['Service', 'default', 'productpage', 0, 2],
    ]);
    expect(resources.map((r) => [r.kind, r.namespace, r.name, r.document, r.line])).toEqual([
      ['VirtualService', 'default', 'reviews', 1, 12],
      ['VirtualService', 'shop', 'ratings', 3, 23],
    ]);
    expect(text.split('\n')[11]).toBe('apiVersion: networking.istio.io/v1');
    expect(text.split('\n')[22]).toBe('apiVersion: networking.istio.io/v1');
    // The text sent is the document as written.
    expect(resources[0]!.text).toBe(REVIEWS);
    expect(resources[0]!.apiVersion).toBe('networking.istio.io/v1');
  });

  it('puts resources without a namespace in the -n namespace', () => {
    const { resources } = splitDocuments([{ name: 'a.yaml', text: REVIEWS }], 'bookinfo');
    expect(resources[0]).toMatchObject({ namespace: 'bookinfo', file: 'a.yaml', line: 1 });
  });

  it('reads metadata.resourceVersion as the precondition', () => {
    const text = REVIEWS.replace('  name: reviews\n', '  name: reviews\n  resourceVersion: "42"\n');
    expect(
      splitDocuments([{ name: 'a.yaml', text }], 'default').resources[0]!.resourceVersion,
    ).toBe('42');
  });

  it('skips Kubernetes kinds but sends mesh kinds under a wrong apiVersion for the server to judge', () => {
    const text =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\n' +
      'apiVersion: v1\nkind: VirtualService\nmetadata: {name: typo}\n---\n' +
      'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: ef}\n';
    const { resources, skipped } = splitDocuments([{ name: 'k.yaml', text }], 'default');
    expect(skipped.map((s) => s.kind)).toEqual(['Deployment']);
    expect(resources.map((r) => [r.kind, r.name])).toEqual([
      ['VirtualService', 'typo'],
      ['EnvoyFilter', 'ef'],
    ]);
  });

  it('sends the items of a kind: List as JSON, each with its own line', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n' +
      '- apiVersion: networking.istio.io/v1\n  kind: DestinationRule\n  metadata: {name: reviews, namespace: shop}\n  spec: {host: reviews}\n' +
      '- apiVersion: v1\n  kind: Service\n  metadata: {name: reviews}\n';
    const { resources, skipped } = splitDocuments([{ name: 'list.yaml', text }], 'default');
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatchObject({
      kind: 'DestinationRule',
      namespace: 'shop',
      document: 0,
      line: 4,
    });
    expect(JSON.parse(resources[0]!.text)).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { host: 'reviews' },
    });
    expect(skipped).toMatchObject([{ kind: 'Service', line: 8 }]);
  });

  it('reports what cannot be sent: YAML errors, no kind, no name, not an object', () => {
    const text =
      'kind: VirtualService\nmetadata: {}\nspec: {}\n---\n' +
      'metadata: {name: x}\n---\n' +
      'hosts: [\n---\n' +
      '- a list\n---\n' +
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nspec: {}\n';
    const { resources, diagnostics } = splitDocuments([{ name: 'bad.yaml', text }], 'default');
    expect(resources).toEqual([]);
    expect(diagnostics.map((d) => [d.kind, d.name, d.path, d.message, d.source?.document])).toEqual(
      [
        ['VirtualService', '<unnamed>', 'metadata.name', 'required field is missing', 0],
        ['Document', 'bad.yaml#2', '', 'kind: required field is missing', 1],
        ['Document', 'bad.yaml#3', '', expect.stringMatching(/^yaml: /), 2],
        ['Document', 'bad.yaml#4', '', 'expected a Kubernetes object, got a list', 3],
        ['Gateway', '<unnamed>', 'metadata', 'required field is missing', 4],
      ],
    );
  });

  it('rejects binary content', () => {
    const { diagnostics } = splitDocuments([{ name: 'b.bin', text: 'a\u0000b' }], 'default');
    expect(diagnostics).toMatchObject([
      { kind: 'Document', name: 'b.bin', message: 'binary content: expected YAML or JSON text' },
    ]);
  });
});

describe('duplicateErrors', () => {
  it('names where the first copy is', () => {
    const { resources } = splitDocuments(
      [
        { name: 'a.yaml', text: REVIEWS },
        { name: 'b.yaml', text: `${service('x')}---\n${REVIEWS}` },
      ],
      'default',
    );
    expect(duplicateErrors(resources)).toEqual([
      {
        severity: 'error',
        code: 'MESH-V0001',
        kind: 'VirtualService',
        namespace: 'default',
        name: 'reviews',
        path: 'metadata.name',
        message:
          'also defined at a.yaml:1; one apply writes each resource once, so keep one of them',
        source: { file: 'b.yaml', document: 1 },
      },
    ]);
  });
});

describe('diagnosticLines', () => {
  const files = [
    { name: 'svc.yaml', text: service('reviews') },
    { name: 'vs.yaml', text: `${service('x')}---\n${REVIEWS}` },
  ];
  const { resources } = splitDocuments(files, 'default');
  const diag = (over: Partial<Diagnostic>): Diagnostic => ({
    severity: 'error',
    code: 'MESH-V0001',
    kind: 'VirtualService',
    namespace: 'default',
    name: 'reviews',
    path: '',
    message: 'm',
    source: { file: 'vs.yaml', document: 1 },
    ...over,
  });

  it('prints validate lines with the field line, or the resource line when the path is not in the file', () => {
    expect(
      diagnosticLines(
        [
          diag({ path: 'spec.http[0].route[0].destination.host', message: 'bad host' }),
          diag({ severity: 'warning', path: '', message: 'whole resource' }),
          diag({ severity: 'info', message: 'note' }),
          diag({
            kind: 'DestinationRule',
            name: 'other',
            source: undefined,
            message: 'stored one',
          }),
        ],
        files,
        resources,
      ),
    ).toEqual([
      'vs.yaml:18: VirtualService default/reviews: spec.http[0].route[0].destination.host: bad host',
      'vs.yaml:10: warning: VirtualService default/reviews: whole resource',
      'vs.yaml:10: info: VirtualService default/reviews: note',
      'DestinationRule default/other: stored one',
    ]);
    expect(files[1]!.text.split('\n')[17]).toBe('    - destination: {host: reviews}');
  });

  it('finds the document of a diagnostic that names only the resource it is about', () => {
    expect(
      diagnosticLines(
        [
          diag({ source: undefined, path: 'spec.hosts', message: 'no source' }),
          diag({ source: { file: 'vs.yaml' }, message: 'file only' }),
        ],
        files,
        resources,
      ),
    ).toEqual([
      'vs.yaml:15: VirtualService default/reviews: spec.hosts: no source',
      'vs.yaml:10: VirtualService default/reviews: file only',
    ]);
  });

  it('orders by input file and document', () => {
    const lines = diagnosticLines(
      [
        diag({ message: 'second' }),
        diag({
          kind: 'Service',
          name: 'reviews',
          message: 'first',
          source: { file: 'svc.yaml', document: 0 },
        }),
      ],
      files,
      resources,
    );
    expect(lines.map((l) => l.split(': ').at(-1))).toEqual(['first', 'second']);
  });
});
