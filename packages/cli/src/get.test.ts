import type { ConfigDocument, ListRequest } from '@mesh/proto';
import { parseAllDocuments } from 'yaml';
import { renderKindTable, runGet, storedObject } from './get.js';
import { GRPC_STATUS, RpcError } from './rpc.js';
import { fakeControlPlane } from './test-support/fake-control-plane.js';
import { memoryIo } from './test-support/memory-io.js';

/** A stored document as the control plane returns it: JSON text, version beside it. */
function stored(
  kind: string,
  name: string,
  spec: unknown,
  namespace = 'default',
  rv = '7',
): ConfigDocument {
  return {
    kind,
    namespace,
    name,
    resourceVersion: rv,
    text: JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind,
      metadata: { name, namespace },
      spec,
    }),
  };
}

const reviewsVs = stored('VirtualService', 'reviews', {
  hosts: ['reviews'],
  http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
});
const bookinfoVs = stored(
  'VirtualService',
  'bookinfo',
  { hosts: ['*'], gateways: ['bookinfo-gateway'] },
  'default',
  '12',
);
const reviewsDr = stored('DestinationRule', 'reviews', {
  host: 'reviews',
  subsets: [{ name: 'v1' }, { name: 'v2' }],
});

const table = (doc: ConfigDocument, allNamespaces = false) =>
  renderKindTable(doc.kind, [storedObject(doc)], allNamespaces, false);

describe('renderKindTable', () => {
  it('VirtualService: HOSTS, GATEWAYS', () => {
    expect(
      renderKindTable('VirtualService', [reviewsVs, bookinfoVs].map(storedObject), false, false),
    ).toBe(
      'NAME       HOSTS     GATEWAYS           RESOURCE VERSION\n' +
        'reviews    reviews   <none>             7\n' +
        'bookinfo   *         bookinfo-gateway   12\n',
    );
  });

  it('DestinationRule: HOST, SUBSETS, with NAMESPACE first under -A', () => {
    expect(table(reviewsDr, true)).toBe(
      'NAMESPACE   NAME      HOST      SUBSETS   RESOURCE VERSION\n' +
        'default     reviews   reviews   v1,v2     7\n',
    );
  });

  it('Gateway: SELECTOR, SERVERS', () => {
    const gw = stored('Gateway', 'bookinfo-gateway', {
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'] },
      ],
    });
    expect(table(gw)).toBe(
      'NAME               SELECTOR               SERVERS               RESOURCE VERSION\n' +
        'bookinfo-gateway   istio=ingressgateway   8080/HTTP,443/HTTPS   7\n',
    );
  });

  it("ServiceEntry: HOSTS, LOCATION, RESOLUTION, with Istio's defaults", () => {
    const se = stored('ServiceEntry', 'httpbin-ext', {
      hosts: ['httpbin.org', 'api.example.com'],
      resolution: 'DNS',
    });
    expect(table(se)).toBe(
      'NAME          HOSTS                         LOCATION        RESOLUTION   RESOURCE VERSION\n' +
        'httpbin-ext   httpbin.org,api.example.com   MESH_EXTERNAL   DNS          7\n',
    );
  });

  it('Sidecar: SELECTOR', () => {
    expect(table(stored('Sidecar', 'default', { egress: [{ hosts: ['./*'] }] }))).toBe(
      'NAME      SELECTOR   RESOURCE VERSION\ndefault   <none>     7\n',
    );
    expect(
      table(stored('Sidecar', 'ratings', { workloadSelector: { labels: { app: 'ratings' } } })),
    ).toBe('NAME      SELECTOR      RESOURCE VERSION\nratings   app=ratings   7\n');
  });

  it('WorkloadEntry: ADDRESS, LABELS', () => {
    const we = stored('WorkloadEntry', 'vm-1', {
      address: '10.0.0.5',
      labels: { app: 'details', version: 'v1' },
    });
    expect(table(we)).toBe(
      'NAME   ADDRESS    LABELS                   RESOURCE VERSION\n' +
        'vm-1   10.0.0.5   app=details,version=v1   7\n',
    );
  });

  it('copes with a spec it cannot read', () => {
    const odd: ConfigDocument = {
      kind: 'VirtualService',
      namespace: 'default',
      name: 'x',
      resourceVersion: '1',
      text: 'not: [json',
    };
    expect(table(odd)).toBe(
      'NAME   HOSTS    GATEWAYS   RESOURCE VERSION\nx      <none>   <none>     1\n',
    );
  });
});

describe('storedObject', () => {
  it('puts name, namespace and resourceVersion into metadata, apiVersion and kind first', () => {
    const object = storedObject({
      ...reviewsDr,
      text: JSON.stringify({
        spec: { host: 'reviews' },
        metadata: { labels: { a: 'b' } },
        kind: 'DestinationRule',
      }),
    });
    expect(object).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'default', labels: { a: 'b' }, resourceVersion: '7' },
      spec: { host: 'reviews' },
    });
    expect(Object.keys(object)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });
});

describe('runGet', () => {
  it('lists one kind in the namespace as a table', async () => {
    const fake = fakeControlPlane({
      list: async () => ({ documents: [reviewsVs], revision: '9' }),
    });
    const io = memoryIo();
    expect(await runGet({ type: 'vs' }, io, fake.deps)).toBe(0);
    expect(fake.calls).toEqual([
      {
        method: 'list',
        request: { kind: 'VirtualService', namespace: 'default', allNamespaces: false },
      },
    ]);
    expect(io.out()).toBe(
      'NAME      HOSTS     GATEWAYS   RESOURCE VERSION\nreviews   reviews   <none>     7\n',
    );
    expect(io.err()).toBe('');
  });

  it('lists all kinds with -A, one table per kind, names prefixed with their type', async () => {
    const fake = fakeControlPlane({
      list: async () => ({ documents: [reviewsDr, reviewsVs], revision: '9' }),
    });
    const io = memoryIo();
    expect(await runGet({ type: 'all', allNamespaces: true }, io, fake.deps)).toBe(0);
    expect((fake.calls[0]!.request as ListRequest).kind).toBe('');
    expect(io.out()).toBe(
      'NAMESPACE   NAME                                         HOSTS     GATEWAYS   RESOURCE VERSION\n' +
        'default     virtualservice.networking.istio.io/reviews   reviews   <none>     7\n' +
        '\n' +
        'NAMESPACE   NAME                                          HOST      SUBSETS   RESOURCE VERSION\n' +
        'default     destinationrule.networking.istio.io/reviews   reviews   v1,v2     7\n',
    );
  });

  it('asks once per kind for a comma list', async () => {
    const fake = fakeControlPlane({
      list: async (req) => ({
        documents: req.kind === 'DestinationRule' ? [reviewsDr] : [],
        revision: '9',
      }),
    });
    const io = memoryIo();
    expect(await runGet({ type: 'vs,dr', namespace: 'shop' }, io, fake.deps)).toBe(0);
    expect(fake.calls.map((c) => c.request)).toEqual([
      { kind: 'VirtualService', namespace: 'shop', allNamespaces: false },
      { kind: 'DestinationRule', namespace: 'shop', allNamespaces: false },
    ]);
    expect(io.out()).toMatch(/^NAME {3}.*\ndestinationrule\.networking\.istio\.io\/reviews /);
  });

  it('says so on stderr when nothing is found, and exits 0', async () => {
    const fake = fakeControlPlane({ list: async () => ({ documents: [], revision: '9' }) });
    const io = memoryIo();
    expect(await runGet({ type: 'gw' }, io, fake.deps)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('No resources found in default namespace.\n');
    const all = memoryIo();
    expect(await runGet({ type: 'gw', allNamespaces: true, output: 'json' }, all, fake.deps)).toBe(
      0,
    );
    expect(JSON.parse(all.out())).toEqual({ apiVersion: 'v1', kind: 'List', items: [] });
    expect(all.err()).toBe('No resources found\n');
  });

  it('prints a YAML stream with -o yaml', async () => {
    const fake = fakeControlPlane({
      list: async () => ({ documents: [reviewsVs, bookinfoVs], revision: '9' }),
    });
    const io = memoryIo();
    expect(await runGet({ type: 'virtualservices', output: 'yaml' }, io, fake.deps)).toBe(0);
    const docs = parseAllDocuments(io.out()).map((d) => d.toJS());
    expect(docs).toEqual([storedObject(reviewsVs), storedObject(bookinfoVs)]);
    expect(io.out()).toContain('---\n');
    expect(
      io
        .out()
        .startsWith(
          'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\n',
        ),
    ).toBe(true);
  });

  it('prints a List with -o json, names with -o name', async () => {
    const fake = fakeControlPlane({
      list: async () => ({ documents: [reviewsVs], revision: '9' }),
    });
    const io = memoryIo();
    expect(await runGet({ type: 'vs', output: 'json' }, io, fake.deps)).toBe(0);
    expect(JSON.parse(io.out())).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: [storedObject(reviewsVs)],
    });
    const names = memoryIo();
    expect(await runGet({ type: 'vs', output: 'name' }, names, fake.deps)).toBe(0);
    expect(names.out()).toBe('virtualservice.networking.istio.io/reviews\n');
  });

  it('gets one resource by name (also as type/name), JSON as the object itself', async () => {
    const fake = fakeControlPlane({ get: async () => ({ document: reviewsDr, revision: '9' }) });
    const io = memoryIo();
    expect(
      await runGet({ type: 'DestinationRule', name: 'reviews', output: 'json' }, io, fake.deps),
    ).toBe(0);
    expect(JSON.parse(io.out())).toEqual(storedObject(reviewsDr));
    const slash = memoryIo();
    expect(await runGet({ type: 'dr/reviews', namespace: 'shop' }, slash, fake.deps)).toBe(0);
    expect(fake.calls.map((c) => c.request)).toEqual([
      { kind: 'DestinationRule', namespace: 'default', name: 'reviews' },
      { kind: 'DestinationRule', namespace: 'shop', name: 'reviews' },
    ]);
    expect(slash.out()).toBe(
      'NAME      HOST      SUBSETS   RESOURCE VERSION\nreviews   reviews   v1,v2     7\n',
    );
  });

  it('reports a missing resource by kind, namespace and name, exit 1', async () => {
    const fake = fakeControlPlane({
      get: async () => {
        throw new RpcError(GRPC_STATUS.NOT_FOUND, 'VirtualService default/reviews not found');
      },
    });
    const io = memoryIo();
    expect(await runGet({ type: 'vs', name: 'reviews' }, io, fake.deps)).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('Error: VirtualService default/reviews not found\n');
  });

  it.each([
    [
      { type: 'vs', name: 'reviews', allNamespaces: true },
      'a resource cannot be retrieved by name across all namespaces',
    ],
    [{ type: 'pods' }, 'unknown resource type "pods"'],
    [{ type: 'vs,dr', name: 'reviews' }, 'a resource name needs exactly one type'],
    [{ type: 'all', name: 'reviews' }, '"all" is not one type'],
    [{ type: 'vs/reviews', name: 'x' }, '"vs/reviews" already names the resource'],
    [{ type: 'vs/' }, '"vs/": the name after "/" is empty'],
  ])('exits 2 without calling for %j', async (options, message) => {
    const fake = fakeControlPlane({});
    const io = memoryIo();
    expect(await runGet(options, io, fake.deps)).toBe(2);
    expect(io.err()).toContain(`meshctl: error: ${message}`);
    expect(fake.connects).toEqual([]);
  });
});
