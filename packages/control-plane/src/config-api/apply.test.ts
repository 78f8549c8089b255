// Apply and Validate over a real gRPC socket, on each store.
import * as grpc from '@grpc/grpc-js';
import { diagnosticsFromError } from '@mesh/proto';
import { configKey } from '@mesh/store';
import { BACKENDS } from './test-support/backends.js';
import type { Backend } from './test-support/backends.js';
import { failure, startApi, withToken } from './test-support/api.js';
import type { Api } from './test-support/api.js';
import { doc, dr, KNOWN_HOSTS, virtualService, vs } from './test-support/fixtures.js';

jest.setTimeout(30_000);

// A timeout that is no duration: an Istio webhook error with a field path.
const badTimeout = doc(
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
    '    route:',
    '    - destination: {host: ratings}',
  ].join('\n'),
  { source: { file: 'ratings.yaml', document: 2 } },
);

describe.each(BACKENDS)('Apply on %s', (_name, makeBackend) => {
  let backend: Backend;
  let api: Api;

  beforeAll(async () => {
    backend = await makeBackend();
    api = await startApi(backend.store, { knownHosts: () => KNOWN_HOSTS });
  });
  afterAll(async () => {
    await api?.close();
    await backend?.close();
  });
  beforeEach(() => backend.clear());

  it('creates, then configures, then leaves unchanged, with the versions that say so', async () => {
    const created = await api.apply([vs('reviews', 'v1'), dr('reviews')]);
    expect(created.results).toEqual([
      {
        kind: 'VirtualService',
        namespace: 'default',
        name: 'reviews',
        outcome: 'created',
        resourceVersion: created.revision,
      },
      {
        kind: 'DestinationRule',
        namespace: 'default',
        name: 'reviews',
        outcome: 'created',
        resourceVersion: created.revision,
      },
    ]);
    expect(created.diagnostics).toEqual([]);

    const configured = await api.apply([vs('reviews', 'v2'), dr('reviews')]);
    expect(Number(configured.revision)).toBeGreaterThan(Number(created.revision));
    expect(configured.results.map((r) => [r.outcome, r.resourceVersion])).toEqual([
      ['configured', configured.revision],
      ['unchanged', created.revision],
    ]);

    const again = await api.apply([vs('reviews', 'v2'), dr('reviews')]);
    expect(again.results.map((r) => [r.outcome, r.resourceVersion])).toEqual([
      ['unchanged', configured.revision],
      ['unchanged', created.revision],
    ]);
    // Nothing was written: the store is still at the revision of the last change.
    expect(again.revision).toBe(configured.revision);
    expect((await api.list()).revision).toBe(configured.revision);
  });

  it('stores canonical JSON, so applying what Get returned changes nothing', async () => {
    await api.apply([vs('reviews', 'v1', { namespace: 'default' })]);
    const { document } = await api.get({ kind: 'VirtualService', name: 'reviews' });
    expect(JSON.parse(document.text)).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'default' },
      spec: {
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
      },
    });
    const reapplied = await api.apply([{ ...document, resourceVersion: '' }]);
    expect(reapplied.results[0]?.outcome).toBe('unchanged');
    // Server-managed metadata in the text is not content.
    const withServerFields = document.text.replace(
      '"name":"reviews"',
      '"name":"reviews","resourceVersion":"999","generation":3,"uid":"x","creationTimestamp":"2024-01-01T00:00:00Z"',
    );
    const same = await api.apply([{ ...document, resourceVersion: '', text: withServerFields }]);
    expect(same.results[0]?.outcome).toBe('unchanged');
  });

  it('writes nothing when one document is invalid, and says where in the trailer', async () => {
    const before = await api.list({ allNamespaces: true });
    const err = await failure(api.apply([vs('reviews', 'v1'), badTimeout]));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    const diagnostics = diagnosticsFromError(err);
    expect(diagnostics[0]).toMatchObject({
      severity: 'error',
      kind: 'VirtualService',
      namespace: 'default',
      name: 'ratings',
      path: 'spec.http[0].timeout',
      source: expect.objectContaining({ file: 'ratings.yaml' }),
    });
    expect(err.details).toContain('VirtualService default/ratings: spec.http[0].timeout');
    const after = await api.list({ allNamespaces: true });
    expect(after).toEqual(before);
  });

  it('writes nothing when a later document has a stale version: ABORTED', async () => {
    const first = await api.apply([vs('reviews', 'v1'), dr('reviews')]);
    await api.apply([dr('reviews', ['v1', 'v2', 'v3'])]);
    const err = await failure(
      api.apply([
        vs('reviews', 'v2'),
        { ...dr('reviews', ['v1']), resourceVersion: first.revision },
      ]),
    );
    expect(err.code).toBe(grpc.status.ABORTED);
    expect(err.details).toContain(
      `DestinationRule default/reviews: resourceVersion ${first.revision} is stale`,
    );
    const { document } = await api.get({ kind: 'VirtualService', name: 'reviews' });
    expect(document.resourceVersion).toBe(first.revision);
    expect(document.text).toContain('"subset":"v1"');
  });

  it('checks resource_version: stale, current, "0" for must-not-exist, and absent', async () => {
    const created = await api.apply([vs('reviews', 'v1', { resourceVersion: '0' })]);
    expect(created.results[0]?.outcome).toBe('created');
    const v1 = created.revision;

    const exists = await failure(api.apply([vs('reviews', 'v2', { resourceVersion: '0' })]));
    expect(exists.code).toBe(grpc.status.ABORTED);

    const updated = await api.apply([vs('reviews', 'v2', { resourceVersion: v1 })]);
    expect(updated.results[0]).toMatchObject({ outcome: 'configured' });

    const stale = await failure(api.apply([vs('reviews', 'v3', { resourceVersion: v1 })]));
    expect(stale.code).toBe(grpc.status.ABORTED);
    expect(stale.details).toBe(
      `VirtualService default/reviews: resourceVersion ${v1} is stale (now ${updated.revision}); read it again and retry`,
    );

    const absent = await failure(api.apply([vs('ratings', 'v1', { resourceVersion: v1 })]));
    expect(absent.code).toBe(grpc.status.ABORTED);
    expect(absent.details).toContain('(now absent)');

    const garbage = await failure(api.apply([vs('reviews', 'v3', { resourceVersion: 'abc' })]));
    expect(garbage.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(diagnosticsFromError(garbage)[0]?.message).toContain('"abc" is not a store revision');
  });

  it('retries its own read when another writer slips in, but never overrides a caller version', async () => {
    const created = await api.apply([vs('reviews', 'v1')]);
    const key = configKey('VirtualService', 'default', 'reviews');
    const sneak = (subset: string) => async () => {
      const other = await backend.store.inner.get(key);
      await backend.store.inner.put(key, other!.value.replace('"v1"', `"${subset}"`));
    };

    backend.store.beforeNextCommit = sneak('v9');
    const applied = await api.apply([vs('reviews', 'v2')]);
    expect(applied.results[0]?.outcome).toBe('configured');
    const { document } = await api.get({ kind: 'VirtualService', name: 'reviews' });
    expect(document.text).toContain('"subset":"v2"');
    // The sneaked write happened in between: ours came after it.
    expect(Number(applied.revision)).toBeGreaterThan(Number(created.revision) + 1);

    backend.store.beforeNextCommit = async () => {
      const other = await backend.store.inner.get(key);
      await backend.store.inner.put(key, other!.value.replace('"v2"', '"v8"'));
    };
    const err = await failure(
      api.apply([vs('reviews', 'v3', { resourceVersion: applied.revision })]),
    );
    expect(err.code).toBe(grpc.status.ABORTED);
  });

  it('dry_run reports outcomes and the current revision, needs no token, and writes nothing', async () => {
    const created = await api.apply([dr('reviews')]);
    const dry = await api.apply([vs('reviews', 'v1'), dr('reviews', ['v1'])], {
      dryRun: true,
      metadata: new grpc.Metadata(),
    });
    expect(dry.results.map((r) => [r.outcome, r.resourceVersion])).toEqual([
      ['created', ''],
      ['configured', created.revision],
    ]);
    expect(dry.revision).toBe(created.revision);
    const listed = await api.list();
    expect(listed.revision).toBe(created.revision);
    expect(listed.documents.map((d) => d.kind)).toEqual(['DestinationRule']);
  });

  it('refuses a write without a valid token: UNAUTHENTICATED, nothing written', async () => {
    const err = await failure(api.apply([vs('reviews')], { metadata: withToken('wrong') }));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toBe('missing or bad bearer token');
    const none = await failure(api.apply([vs('reviews')], { metadata: new grpc.Metadata() }));
    expect(none.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await api.list()).documents).toEqual([]);
  });

  it('Validate returns the diagnostics a failed Apply carries, without a token or a write', async () => {
    const batch = [vs('reviews', 'v3'), dr('reviews'), badTimeout];
    const err = await failure(api.apply(batch));
    const validated = await api.validate(batch);
    expect(validated.valid).toBe(false);
    expect(validated.diagnostics).toEqual(diagnosticsFromError(err));
    expect(validated.diagnostics[0]?.source).toEqual({ file: 'ratings.yaml', document: 2 });
    expect(validated.diagnostics.map((d) => d.severity)).toEqual(['error', 'warning']);
    expect((await api.list()).documents).toEqual([]);
  });

  it('reports analyzer findings as warnings (with the source), and applies anyway', async () => {
    await api.apply([dr('reviews', ['v1'])]);
    const source = { file: 'vs.yaml', document: 0 };
    const validated = await api.validate([vs('reviews', 'v3', { source })]);
    expect(validated).toEqual({
      valid: true,
      diagnostics: [
        expect.objectContaining({
          severity: 'warning',
          code: 'MESH-A0001',
          kind: 'VirtualService',
          name: 'reviews',
          source,
        }),
      ],
    });
    const applied = await api.apply([vs('reviews', 'v3', { source })]);
    expect(applied.diagnostics).toEqual(validated.diagnostics);
    expect(applied.results[0]?.outcome).toBe('created');
    // Analysis sees the batch replacing what is stored: adding the subset clears the finding.
    const fixed = await api.validate([vs('reviews', 'v3'), dr('reviews', ['v1', 'v3'])]);
    expect(fixed).toEqual({ valid: true, diagnostics: [] });
  });

  it('takes the hosts a client read from Kubernetes Services as known', async () => {
    const toOutside = doc('VirtualService', 'web', virtualService('web', 'web'));
    const unknown = await api.validate([toOutside]);
    expect(unknown.diagnostics.map((d) => d.code)).toContain('MESH-A0002');
    const known = await api.validate([toOutside], ['web.default.svc.cluster.local']);
    expect(known).toEqual({ valid: true, diagnostics: [] });
  });

  it('refuses what it cannot store: other kinds, two texts in one, a mismatched identity, duplicates', async () => {
    const service = doc(
      'Service',
      'reviews',
      'apiVersion: v1\nkind: Service\nmetadata: {name: reviews}\nspec: {ports: [{port: 9080}]}\n',
    );
    const two = doc(
      'VirtualService',
      'reviews',
      `${virtualService('reviews', 'reviews')}---\n${virtualService('b', 'b')}`,
    );
    const renamed = doc('VirtualService', 'ratings', virtualService('reviews', 'reviews'));
    const elsewhere = vs('reviews', undefined, { namespace: 'other' });
    for (const [document, path, message] of [
      [service, 'kind', 'only networking.istio.io kinds are stored'],
      [two, '', 'the text holds 2 objects'],
      [renamed, 'metadata.name', 'the text names "reviews", but the request names "ratings"'],
      [
        elsewhere,
        'metadata.namespace',
        'the text is in namespace "default", but the request names "other"',
      ],
    ] as const) {
      const text =
        document === elsewhere
          ? virtualService('reviews', 'reviews', undefined, 'default')
          : document.text;
      const err = await failure(api.apply([{ ...document, text }]));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(diagnosticsFromError(err)).toContainEqual(
        expect.objectContaining({
          severity: 'error',
          path,
          message: expect.stringContaining(message),
        }),
      );
    }
    // '' and "default" name the same resource: one transaction cannot write it twice.
    const twice = await failure(
      api.apply([vs('reviews'), vs('reviews', 'v1', { namespace: 'default' })]),
    );
    expect(twice.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(diagnosticsFromError(twice)[0]?.message).toContain('is also documents[0]');
    expect((await api.list({ allNamespaces: true })).documents).toEqual([]);
  });

  it('takes the namespace, and a missing kind or name, from the text', async () => {
    const text = virtualService('reviews', 'reviews', undefined, 'bookinfo');
    const applied = await api.apply([doc('', '', text)]);
    expect(applied.results[0]).toMatchObject({
      kind: 'VirtualService',
      namespace: 'bookinfo',
      name: 'reviews',
      outcome: 'created',
    });
    // Nothing to take it from: the codec names the field.
    const err = await failure(api.apply([doc('VirtualService', '', 'kind: VirtualService\n')]));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe('ApplyRequest.documents[0].name: is required');
  });
});
