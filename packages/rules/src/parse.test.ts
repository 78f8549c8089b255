import fc from 'fast-check';
import { formatDiagnostic } from './diagnostics.js';
import { parseObject, parseResources } from './parse.js';
import { validatePartial } from './validate/index.js';

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
      'VirtualService default/r: spec.http[0].route[0].wieght: unknown field "wieght"; did you mean "weight"?',
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

  it('skips non-Istio kinds with an info note', () => {
    const { resources, diagnostics } = parseResources(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n',
    );
    expect(resources).toEqual([]);
    expect(diagnostics).toMatchObject([{ severity: 'info', kind: 'Deployment' }]);
  });
});

describe('parseResources on arbitrary input', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const { diagnostics } = parseResources(text);
        expect(Array.isArray(diagnostics)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary objects of every kind, and reports a path for each error', () => {
    const kinds = [
      'VirtualService',
      'DestinationRule',
      'Gateway',
      'ServiceEntry',
      'Sidecar',
      'WorkloadEntry',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.anything(),
        fc.anything(),
        (kind, spec, metadata) => {
          const { diagnostics } = parseObject({
            apiVersion: 'networking.istio.io/v1',
            kind,
            metadata,
            spec,
          });
          for (const d of diagnostics) {
            expect(d.kind).toBe(kind);
            expect(d.path).not.toBe('');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('structural errors do not hide the rest', () => {
  const yaml = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews }, weight: -1 }]
    timeout: 10
    retries: { attempts: 2, bogus: true }
`;

  it('says a duration is expected and what it got instead', () => {
    expect(parseResources(yaml).diagnostics.map(formatDiagnostic)).toEqual([
      'VirtualService default/reviews: spec.http[0].timeout: expected a duration string such as "1.5s" or "250ms", got the integer 10',
      'VirtualService default/reviews: spec.http[0].retries.bogus: unknown field "bogus"',
    ]);
  });

  it('returns the spec without the failing fields as a partial resource, never as a resource', () => {
    const { resources, partials } = parseResources(yaml);
    expect(resources).toEqual([]);
    expect(partials).toHaveLength(1);
    const http = (partials[0]!.spec as { http: Record<string, unknown>[] }).http[0]!;
    expect(http.timeout).toBeUndefined();
    expect(http.retries).toEqual({ attempts: 2 });
    expect(http.route).toEqual([{ destination: { host: 'reviews' }, weight: -1 }]);
  });

  it('gives no partial when metadata is broken too', () => {
    const broken = yaml.replace('metadata: { name: reviews }', 'metadata: { name: Not_A_Name }');
    expect(parseResources(broken).partials).toEqual([]);
  });
});

describe('help with typos and other kinds', () => {
  const one = (text: string) => parseResources(text).diagnostics.map(formatDiagnostic);

  it('suggests the field meant, at any depth', () => {
    expect(
      one(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: r }
spec:
  host: r
  subsets: [{ name: v1, lables: { version: v1 } }]
  trafficPolicy: { connectionPool: { tcp: { maxConnection: 1 } }, bogusField: 1 }
`),
    ).toEqual([
      'DestinationRule default/r: spec.trafficPolicy.connectionPool.tcp.maxConnection: unknown field "maxConnection"; did you mean "maxConnections"?',
      'DestinationRule default/r: spec.trafficPolicy.bogusField: unknown field "bogusField"',
      'DestinationRule default/r: spec.subsets[0].lables: unknown field "lables"; did you mean "labels"?',
    ]);
  });

  it('suggests the kind meant in networking.istio.io', () => {
    expect(
      one(
        'apiVersion: networking.istio.io/v1\nkind: virtualservice\nmetadata: {name: r}\nspec: {}\n',
      ),
    ).toEqual([
      'virtualservice default/r: kind: unknown kind "virtualservice" in networking.istio.io; did you mean "VirtualService"?',
    ]);
  });

  it('skips Istio kinds mesh does not implement with a warning, and lists every skipped object', () => {
    const { diagnostics, skipped } = parseResources(`
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: { name: lua, namespace: istio-system }
spec: {}
---
apiVersion: v1
kind: Service
metadata: { name: reviews }
`);
    expect(diagnostics.map((d) => [d.severity, d.code])).toEqual([
      ['warning', 'MESH-V0004'],
      ['info', 'MESH-V0002'],
    ]);
    expect(skipped).toEqual([
      {
        apiVersion: 'networking.istio.io/v1alpha3',
        kind: 'EnvoyFilter',
        namespace: 'istio-system',
        name: 'lua',
        source: { document: 0 },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        namespace: 'default',
        name: 'reviews',
        source: { document: 1 },
      },
    ]);
  });
});

describe('validatePartial', () => {
  it('reports the semantic errors of the rest of a structurally broken resource, once', () => {
    const { partials, diagnostics } = parseResources(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews, subset: v1 }, weight: -1 }]
    timeout: 10
  - route: 7
`);
    const semantic = validatePartial(partials[0]!, diagnostics).map(formatDiagnostic);
    expect(semantic).toContain(
      'VirtualService default/reviews: spec.http[0].route[0].weight: weight -1 is negative',
    );
    // http[1].route was removed as structurally broken: "no route" there would only restate it.
    expect(semantic.filter((line) => line.includes('spec.http[1]'))).toEqual([]);
    expect(semantic.filter((line) => line.includes('timeout'))).toEqual([]);
  });
});
