import { formatDiagnostic } from './diagnostics.js';
import { parseResources } from './parse.js';

describe('parseResources', () => {
  it('parses multi-document YAML into typed resources with namespace defaulted', () => {
    const { resources, diagnostics } = parseResources(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v1 }
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: { name: reviews, namespace: bookinfo }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }]
`);
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      'VirtualService default/reviews',
      'DestinationRule bookinfo/reviews',
    ]);
  });

  it('names the field path of an unknown field', () => {
    const { diagnostics } = parseResources(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: r }
spec:
  hosts: [r]
  http:
  - route:
    - destination: { host: r }
      wieght: 10
`);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'VirtualService default/r: spec.http[0].route[0].wieght: unknown field "wieght"',
    ]);
  });

  it('never throws on garbage', () => {
    for (const text of [
      '\u0000\u0001binary',
      ': : :',
      '[1, 2',
      'just a string',
      '42',
      '',
      '---\n---',
    ]) {
      expect(() => parseResources(text, { file: 'x.yaml' })).not.toThrow();
    }
    expect(parseResources('\u0000').diagnostics[0]?.message).toMatch(/binary/);
  });

  it('skips non-Istio kinds with a warning', () => {
    const { resources, diagnostics } = parseResources(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n',
    );
    expect(resources).toEqual([]);
    expect(diagnostics).toMatchObject([{ severity: 'warning', kind: 'Deployment' }]);
  });
});
