import { parseResources } from '@mesh/rules';
import type { Resource } from '@mesh/rules';
import { configKey } from '@mesh/store';
import type { KeyValue } from '@mesh/store';
import {
  canonicalJson,
  decodeStoredResource,
  encodeStoredResource,
  storedDocument,
} from './stored-resource.js';

function parseOne(text: string): Resource {
  const { resources, diagnostics } = parseResources(text, { file: 'x.yaml' });
  expect(diagnostics).toEqual([]);
  return resources[0]!;
}

const REVIEWS = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: bookinfo
  resourceVersion: "42"
  generation: 7
  uid: 1234
  creationTimestamp: "2024-01-01T00:00:00Z"
  managedFields: [{manager: kubectl}]
  labels: {app: reviews}
  annotations: {}
spec:
  subsets:
  - name: v1
    labels: {version: v1}
  host: reviews
`;

const kv = (value: string, extra: Partial<KeyValue> = {}): KeyValue => ({
  key: configKey('DestinationRule', 'bookinfo', 'reviews'),
  value,
  createRevision: 3,
  modRevision: 9,
  version: 2,
  ...extra,
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order and leaves out undefined', () => {
    expect(canonicalJson({ b: [{ z: 1, a: undefined, y: 'x' }, 2], a: null })).toBe(
      '{"a":null,"b":[{"y":"x","z":1},2]}',
    );
  });
});

describe('encodeStoredResource', () => {
  it('keeps what the user wrote and drops the source and server-managed metadata', () => {
    expect(JSON.parse(encodeStoredResource(parseOne(REVIEWS)))).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: { app: 'reviews' } },
      spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
    });
  });

  it('is the same string whatever the key order or format of the text', () => {
    const reordered = `{"spec":{"host":"reviews","subsets":[{"labels":{"version":"v1"},"name":"v1"}]},
      "metadata":{"labels":{"app":"reviews"},"namespace":"bookinfo","name":"reviews"},
      "kind":"DestinationRule","apiVersion":"networking.istio.io/v1"}`;
    expect(encodeStoredResource(parseOne(reordered))).toBe(encodeStoredResource(parseOne(REVIEWS)));
  });
});

describe('decodeStoredResource', () => {
  it('returns the resource with the store bookkeeping as StoredResource', () => {
    const value = encodeStoredResource(parseOne(REVIEWS));
    const stored = decodeStoredResource(kv(value));
    expect(stored).toEqual({
      resource: JSON.parse(value) as unknown,
      resourceVersion: '9',
      createRevision: 3,
    });
    expect(encodeStoredResource(stored.resource)).toBe(value);
  });

  it('refuses a value that is no resource or names another one than its key', () => {
    expect(() => decodeStoredResource(kv('{'))).toThrow(/stored value at .*reviews is not JSON/);
    expect(() => decodeStoredResource(kv('{"kind":"Service"}'))).toThrow(/not a resource/);
    const other = encodeStoredResource(parseOne(REVIEWS.replace('name: reviews', 'name: ratings')));
    expect(() => decodeStoredResource(kv(other))).toThrow(
      'is not a resource: it names DestinationRule bookinfo/ratings',
    );
  });
});

describe('storedDocument', () => {
  it('names the document by its key and gives the stored text as is', () => {
    expect(storedDocument(kv('{"x":1}'))).toEqual({
      kind: 'DestinationRule',
      namespace: 'bookinfo',
      name: 'reviews',
      resourceVersion: '9',
      text: '{"x":1}',
    });
    expect(storedDocument(kv('', { key: '/mesh/v1/registry/Proxy/default/p' }))).toBeUndefined();
  });
});
