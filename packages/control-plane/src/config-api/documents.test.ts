// The per-document checks, compared with what `meshctl validate` reports for the same file.
import { parseResources, validatePartial, validateResource } from '@mesh/rules';
import type { Diagnostic } from '@mesh/rules';
import type { ConfigDocument } from '@mesh/proto';
import { checkDocument, checkDocuments, completeIdentity } from './documents.js';
import { doc, virtualService } from './test-support/fixtures.js';

/** meshctl validate's pipeline (packages/cli/src/check.ts) over one file. */
function meshctlValidate(text: string, file: string): Diagnostic[] {
  const parsed = parseResources(text, { file });
  return [
    ...parsed.diagnostics,
    ...parsed.partials.flatMap((p) => validatePartial(p, parsed.diagnostics)),
    ...parsed.resources.flatMap(validateResource),
  ];
}

const byJson = (a: Diagnostic, b: Diagnostic) =>
  JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0;

const FILE = 'samples/broken.yaml';

// Each document as meshctl apply would send it: kind and name as the text says.
const DOCUMENTS: [kind: string, name: string, text: string][] = [
  ['VirtualService', 'reviews', virtualService('reviews', 'reviews', 'v1')],
  [
    'VirtualService',
    'ratings',
    [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata: {name: ratings}',
      'spec:',
      '  hosts: [ratings]',
      '  http:',
      '  - timeout: 1x',
      '    retries: {attempts: -1}',
      '    route: [{destination: {host: ratings}}]',
      '  bogus: 1',
    ].join('\n'),
  ],
  [
    'DestinationRule',
    'details',
    [
      'apiVersion: networking.istio.io/v1beta1',
      'kind: DestinationRule',
      'metadata: {name: details}',
      'spec:',
      '  host: details',
      '  trafficPolicy: {loadBalancer: {simple: FASTEST}}',
      '  subsets: [{name: V_1}]',
    ].join('\n'),
  ],
  [
    'Gateway',
    'gw',
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: {servers: [{port: {number: 80}}]}\n',
  ],
  ['VirtualService', 'broken-yaml', 'kind: VirtualService\nmetadata: {name: [unclosed\n'],
];

describe('checkDocument', () => {
  it('reports what meshctl validate reports for the same file, document by document', () => {
    const file = DOCUMENTS.map(([, , text]) => text).join('\n---\n');
    const local = meshctlValidate(file, FILE);
    const remote = DOCUMENTS.flatMap(
      ([kind, name, text], index) =>
        checkDocument(doc(kind, name, text, { source: { file: FILE, document: index } }))
          .diagnostics,
    );
    expect(local.filter((d) => d.severity === 'error').length).toBeGreaterThan(4);
    // A YAML error's line counts within the text sent; the Document carries no line offset.
    const lines = (d: Diagnostic) => ({
      ...d,
      message: d.message.replace(/at line \d+/, 'at line N'),
    });
    expect(remote.map(lines).sort(byJson)).toEqual(local.map(lines).sort(byJson));
  });

  it('gives the resource only when the document has no error', () => {
    const [good, bad] = checkDocuments([
      doc('VirtualService', 'reviews', virtualService('reviews', 'reviews')),
      doc('VirtualService', 'ratings', DOCUMENTS[1]![2]),
    ]);
    expect(good?.resource?.metadata).toMatchObject({ name: 'reviews', namespace: 'default' });
    expect(good?.diagnostics).toEqual([]);
    expect(bad?.resource).toBeUndefined();
  });

  it('copies the Document source into every diagnostic', () => {
    const { diagnostics } = checkDocument(
      doc('VirtualService', 'ratings', DOCUMENTS[1]![2], {
        source: { file: 'a.yaml', document: 4 },
      }),
    );
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics) expect(d.source).toEqual({ file: 'a.yaml', document: 4 });
    const bare = checkDocument(doc('VirtualService', 'ratings', DOCUMENTS[1]![2]));
    for (const d of bare.diagnostics) expect(d.source).toBeUndefined();
  });

  it.each<[string, ConfigDocument, string, string]>([
    [
      'no resource',
      doc('VirtualService', 'x', '# nothing here\n'),
      '',
      'the text holds no resource',
    ],
    [
      'a List of two',
      doc(
        'VirtualService',
        'a',
        `kind: List\nitems:\n- ${JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'a' }, spec: { hosts: ['a'] } })}\n- ${JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'b' }, spec: { hosts: ['b'] } })}\n`,
      ),
      '',
      'the text holds 2 objects; a Document holds exactly one resource',
    ],
    [
      'another kind',
      doc('DestinationRule', 'reviews', virtualService('reviews', 'reviews')),
      'kind',
      'the text is a VirtualService, but the request names a DestinationRule',
    ],
    [
      'a Kubernetes Service',
      doc('Service', 'reviews', 'apiVersion: v1\nkind: Service\nmetadata: {name: reviews}\n'),
      'kind',
      'Service (v1) cannot be applied: only networking.istio.io kinds are stored (VirtualService, DestinationRule, Gateway, ServiceEntry, Sidecar, WorkloadEntry)',
    ],
    [
      'an unsupported Istio kind',
      doc(
        'EnvoyFilter',
        'f',
        'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: f}\nspec: {}\n',
      ),
      'kind',
      'EnvoyFilter (networking.istio.io/v1alpha3) cannot be applied',
    ],
    [
      'a bad namespace field',
      doc('VirtualService', 'reviews', virtualService('reviews', 'reviews'), {
        namespace: 'Not_Valid',
      }),
      'metadata.namespace',
      '"Not_Valid" is not a DNS label',
    ],
  ])('refuses %s', (_what, document, path, message) => {
    const checked = checkDocument(document);
    expect(checked.resource).toBeUndefined();
    expect(checked.diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        path,
        message: expect.stringContaining(message),
      }),
    );
    // A skipped object's "skipped" note would contradict the error.
    expect(checked.diagnostics.map((d) => d.code)).not.toContain('MESH-V0002');
    expect(checked.diagnostics.map((d) => d.code)).not.toContain('MESH-V0004');
  });

  it('takes the namespace from the text when the request leaves it empty', () => {
    const checked = checkDocument(
      doc('VirtualService', 'reviews', virtualService('reviews', 'reviews', undefined, 'bookinfo')),
    );
    expect(checked.identity).toEqual({
      kind: 'VirtualService',
      namespace: 'bookinfo',
      name: 'reviews',
    });
    expect(checked.diagnostics).toEqual([]);
    const given = checkDocument(
      doc('VirtualService', 'reviews', virtualService('reviews', 'reviews'), {
        namespace: 'bookinfo',
      }),
    );
    expect(given.resource?.metadata.namespace).toBe('bookinfo');
  });
});

describe('completeIdentity', () => {
  const wire = (kind: string, name: string, text: string) => ({ kind, name, text, namespace: '' });

  it('fills an empty kind or name from a text holding one named object', () => {
    expect(completeIdentity(wire('', '', virtualService('reviews', 'reviews')))).toMatchObject({
      kind: 'VirtualService',
      name: 'reviews',
    });
    expect(
      completeIdentity(wire('Gateway', '', virtualService('reviews', 'reviews'))),
    ).toMatchObject({
      kind: 'Gateway',
      name: 'reviews',
    });
  });

  it('leaves the fields empty when the text cannot say', () => {
    expect(completeIdentity(wire('', '', 'kind: VirtualService\n'))).toMatchObject({ name: '' });
    expect(completeIdentity(wire('', '', 'a: [\n'))).toMatchObject({ kind: '', name: '' });
  });
});
