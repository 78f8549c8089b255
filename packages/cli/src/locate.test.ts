import { parseResources, validateResource, type Diagnostic } from '@mesh/rules';
import { lineNumbers, locate, parsePath } from './locate.js';

const diagnosticsOf = (text: string): Diagnostic[] => {
  const parsed = parseResources(text, { file: 'f.yaml' });
  return [...parsed.diagnostics, ...parsed.resources.flatMap((r) => validateResource(r))];
};
const linesOf = (text: string) =>
  locate(text, diagnosticsOf(text)).map(({ diagnostic, line }) => `${line}: ${diagnostic.path}`);

describe('parsePath', () => {
  it('reads back the paths formatPath writes', () => {
    expect(parsePath('spec.http[0].route[12].weight')).toEqual([
      'spec',
      'http',
      0,
      'route',
      12,
      'weight',
    ]);
    expect(parsePath('metadata.labels["app.kubernetes.io/name"]')).toEqual([
      'metadata',
      'labels',
      'app.kubernetes.io/name',
    ]);
    expect(parsePath('')).toEqual([]);
  });
});

describe('locate', () => {
  it('finds the line of an unknown key, a wrong value and a missing field', () => {
    const text = [
      'apiVersion: networking.istio.io/v1', // 1
      'kind: VirtualService',
      'metadata: {name: r}',
      'spec:',
      '  hosts: [r]', // 5
      '  http:',
      '  - route:',
      '    - destination: {host: r}',
      '      wieght: 5',
      '    - destination: r', // 10
      '---',
      'apiVersion: networking.istio.io/v1',
      'kind: DestinationRule',
      'metadata: {name: d}', // 14
      '',
    ].join('\n');
    expect(linesOf(text)).toEqual([
      '9: spec.http[0].route[0].wieght',
      '10: spec.http[0].route[1].destination',
      // spec is missing: the deepest part of the path that exists is the document itself.
      '12: spec',
    ]);
  });

  it('finds the item of a kind: List, with CRLF and a BOM', () => {
    const text =
      '\uFEFFapiVersion: v1\r\nkind: List\r\nitems:\r\n- apiVersion: networking.istio.io/v1\r\n  kind: DestinationRule\r\n  metadata: {name: a}\r\n  spec: {host: a}\r\n- apiVersion: networking.istio.io/v1\r\n  kind: DestinationRule\r\n  metadata: {name: b}\r\n  spec: {host: b, bogus: 1}\r\n';
    expect(linesOf(text)).toEqual(['11: spec.bogus']);
  });

  it('gives no line to info notes or broken documents, and parses nothing for them', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\na: [\n';
    const diagnostics = diagnosticsOf(text);
    expect(diagnostics.map((d) => d.severity)).toEqual(['info', 'error']);
    expect(lineNumbers([{ name: 'f.yaml', text }], diagnostics).size).toBe(0);
  });
});
