import type { Diagnostic } from '@mesh/rules';
import { findingLines, sortBySource, summaryLine, validationLine } from './report.js';

const d = (over: Partial<Diagnostic>): Diagnostic => ({
  severity: 'error',
  code: 'MESH-A0001',
  kind: 'VirtualService',
  namespace: 'default',
  name: 'reviews',
  path: 'spec.http[0].route[0].destination.subset',
  message: 'subset "v9" is not defined',
  ...over,
});

describe('validationLine', () => {
  it('prints errors bare and prefixes other severities', () => {
    expect(validationLine(d({}))).toBe(
      'VirtualService default/reviews: spec.http[0].route[0].destination.subset: subset "v9" is not defined',
    );
    expect(validationLine(d({ severity: 'warning', path: '' }))).toBe(
      'warning: VirtualService default/reviews: subset "v9" is not defined',
    );
  });
});

describe('file label', () => {
  it('puts the file first on resource lines, not on documents that name it already', () => {
    const source = { file: 'cfg/vs.yaml', document: 2 };
    expect(validationLine(d({ source, path: '' }))).toBe(
      'cfg/vs.yaml: VirtualService default/reviews: subset "v9" is not defined',
    );
    expect(validationLine(d({ source, severity: 'info', path: '' }))).toBe(
      'cfg/vs.yaml: info: VirtualService default/reviews: subset "v9" is not defined',
    );
    expect(findingLines(d({ source, path: '' }))).toEqual([
      'cfg/vs.yaml: Error [MESH-A0001] VirtualService default/reviews: subset "v9" is not defined',
    ]);
    expect(
      validationLine(
        d({ source, kind: 'Document', namespace: '', name: 'cfg/vs.yaml#3', path: '' }),
      ),
    ).toBe('Document cfg/vs.yaml#3: subset "v9" is not defined');
  });
});

describe('findingLines', () => {
  it('prints severity and code first and the hint on its own indented line', () => {
    expect(findingLines(d({ hint: 'add subset v9 to a DestinationRule for reviews' }))).toEqual([
      'Error [MESH-A0001] VirtualService default/reviews: spec.http[0].route[0].destination.subset: subset "v9" is not defined',
      '  hint: add subset v9 to a DestinationRule for reviews',
    ]);
    expect(findingLines(d({ severity: 'warning', code: 'MESH-A0002' }))).toEqual([
      'Warning [MESH-A0002] VirtualService default/reviews: spec.http[0].route[0].destination.subset: subset "v9" is not defined',
    ]);
  });
});

describe('summaryLine', () => {
  it('counts errors and warnings with singular and plural nouns', () => {
    const ds = [d({}), d({}), d({ severity: 'warning' }), d({ severity: 'info' })];
    expect(summaryLine('validated', { resources: 12, files: 3 }, ds)).toBe(
      'validated 12 resources in 3 files: 2 errors, 1 warning',
    );
    expect(summaryLine('analyzed', { resources: 1, files: 1 }, [])).toBe(
      'analyzed 1 resource in 1 file: 0 errors, 0 warnings',
    );
  });
});

describe('sortBySource', () => {
  it('orders by file as given, then document, keeping the order within a document', () => {
    const a = d({ name: 'a', source: { file: 'y.yaml', document: 1 } });
    const b = d({ name: 'b', source: { file: 'x.yaml', document: 2 } });
    const c = d({ name: 'c', source: { file: 'y.yaml', document: 0 } });
    const e = d({ name: 'e', source: { file: 'y.yaml', document: 0 } });
    const noSource = d({ name: 'n' });
    expect(sortBySource([noSource, a, b, c, e], ['x.yaml', 'y.yaml']).map((x) => x.name)).toEqual([
      'b',
      'c',
      'e',
      'a',
      'n',
    ]);
  });
});
