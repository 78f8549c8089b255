// Get, List, Delete, ProxyStatus and the error statuses every call shares, over a real gRPC
// socket on each store.
import * as grpc from '@grpc/grpc-js';
import { TYPE_URLS } from '@mesh/proto';
import type { ProxyStatusRow, TypeSyncStatus } from '@mesh/proto';
import { KINDS } from '@mesh/rules';
import { BACKENDS } from './test-support/backends.js';
import type { Backend } from './test-support/backends.js';
import { failure, startApi, withToken } from './test-support/api.js';
import type { Api } from './test-support/api.js';
import { doc, dr, KNOWN_HOSTS, virtualService, vs } from './test-support/fixtures.js';

jest.setTimeout(30_000);

const inNamespace = (name: string, namespace: string) =>
  doc('VirtualService', name, virtualService(name, name, undefined, namespace), { namespace });

function syncStatus(typeUrl: TypeSyncStatus['typeUrl']): TypeSyncStatus {
  return {
    typeUrl,
    state: 'SYNCED',
    sentVersion: 'v1',
    sentNonce: 'n1',
    ackedVersion: 'v1',
    lastError: '',
  };
}

function row(proxyId: string, namespace: string): ProxyStatusRow {
  return {
    proxyId,
    workload: proxyId.split('.')[0]!,
    namespace,
    controlPlane: 'control-plane-0',
    types: [syncStatus(TYPE_URLS.routes), syncStatus(TYPE_URLS.clusters)],
  };
}

const rows = [
  row('reviews-v1-1.default', 'default'),
  row('httpbin-1.foo', 'foo'),
  row('details-v1-1.default', 'default'),
];

describe.each(BACKENDS)('reads, deletes and errors on %s', (_name, makeBackend) => {
  let backend: Backend;
  let api: Api;

  beforeAll(async () => {
    backend = await makeBackend();
    api = await startApi(backend.store, { knownHosts: () => KNOWN_HOSTS, rows });
  });
  afterAll(async () => {
    await api?.close();
    await backend?.close();
  });
  beforeEach(() => backend.clear());

  it('gets one resource as JSON with its version and the revision of the read', async () => {
    const applied = await api.apply([vs('reviews', 'v1')]);
    const got = await api.get({ kind: 'VirtualService', name: 'reviews' });
    expect(got).toEqual({
      document: {
        kind: 'VirtualService',
        namespace: 'default',
        name: 'reviews',
        resourceVersion: applied.revision,
        text: expect.any(String),
      },
      revision: applied.revision,
    });
    expect(JSON.parse(got.document.text)).toMatchObject({ kind: 'VirtualService' });
    // Another name sharing the prefix is not the resource.
    await api.apply([vs('reviews-v2')]);
    expect((await api.get({ kind: 'VirtualService', name: 'reviews' })).document.name).toBe(
      'reviews',
    );
  });

  it('Get of an absent resource is NOT_FOUND, naming it', async () => {
    const err = await failure(api.get({ kind: 'VirtualService', name: 'nope', namespace: 'foo' }));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toBe('VirtualService foo/nope not found');
  });

  it('lists by kind, by namespace and across namespaces, ordered by kind, namespace, name', async () => {
    await api.apply([
      vs('reviews'),
      dr('reviews'),
      vs('details'),
      inNamespace('httpbin', 'foo'),
      inNamespace('echo', 'foo-bar'),
      inNamespace('aaa', 'foo-bar'),
    ]);
    const last = await api.apply([inNamespace('zzz', 'foo')]);
    const ids = (docs: readonly { kind: string; namespace: string; name: string }[]) =>
      docs.map((d) => `${d.kind} ${d.namespace}/${d.name}`);

    const inDefault = await api.list();
    expect(ids(inDefault.documents)).toEqual([
      'DestinationRule default/reviews',
      'VirtualService default/details',
      'VirtualService default/reviews',
    ]);
    expect(inDefault.revision).toBe(last.revision);
    for (const d of inDefault.documents) expect(() => JSON.parse(d.text) as unknown).not.toThrow();

    expect(ids((await api.list({ kind: 'VirtualService', namespace: 'foo' })).documents)).toEqual([
      'VirtualService foo/httpbin',
      'VirtualService foo/zzz',
    ]);
    expect(ids((await api.list({ kind: 'DestinationRule', namespace: 'foo' })).documents)).toEqual(
      [],
    );
    // "foo" before "foo-bar", although the store's keys sort the other way round.
    expect(
      ids((await api.list({ kind: 'VirtualService', allNamespaces: true })).documents),
    ).toEqual([
      'VirtualService default/details',
      'VirtualService default/reviews',
      'VirtualService foo/httpbin',
      'VirtualService foo/zzz',
      'VirtualService foo-bar/aaa',
      'VirtualService foo-bar/echo',
    ]);
    const all = await api.list({ allNamespaces: true });
    expect(all.documents).toHaveLength(7);
    expect(all.documents[0]?.kind).toBe('DestinationRule');
  });

  it('rejects an unknown kind on Get, List, Delete and Watch, listing the known ones', async () => {
    const watchFailure = async () => {
      const end = await api.watch({ kind: 'Service' }).end();
      if (end === 'ok') throw new Error('expected the watch to fail');
      return end;
    };
    const errors = [
      await failure(api.get({ kind: 'Service', name: 'reviews' })),
      await failure(api.list({ kind: 'Service' })),
      await failure(api.delete({ kind: 'Service', name: 'reviews' })),
      await watchFailure(),
    ];
    for (const err of errors) {
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain(KINDS.join(', '));
    }
    const noName = await failure(api.get({ kind: 'VirtualService', name: '' }));
    expect(noName.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(noName.details).toBe('GetRequest.name: is required');
    const slash = await failure(api.get({ kind: 'VirtualService', name: 'a/b' }));
    expect(slash.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('deletes with or without a version, reporting the version removed', async () => {
    const first = await api.apply([vs('reviews'), vs('ratings')]);
    const second = await api.apply([vs('reviews', 'v1')]);

    const stale = await failure(
      api.delete({ kind: 'VirtualService', name: 'reviews', resourceVersion: first.revision }),
    );
    expect(stale.code).toBe(grpc.status.ABORTED);
    expect(stale.details).toContain(
      `resourceVersion ${first.revision} is stale (now ${second.revision})`,
    );

    const deleted = await api.delete({
      kind: 'VirtualService',
      name: 'reviews',
      resourceVersion: second.revision,
    });
    expect(deleted.result).toEqual({
      kind: 'VirtualService',
      namespace: 'default',
      name: 'reviews',
      outcome: 'deleted',
      resourceVersion: second.revision,
    });
    expect(Number(deleted.revision)).toBeGreaterThan(Number(second.revision));

    const plain = await api.delete({
      kind: 'VirtualService',
      name: 'ratings',
      namespace: 'default',
    });
    expect(plain.result).toMatchObject({ outcome: 'deleted', resourceVersion: first.revision });
    expect((await api.list()).documents).toEqual([]);

    const gone = await failure(api.delete({ kind: 'VirtualService', name: 'reviews' }));
    expect(gone.code).toBe(grpc.status.NOT_FOUND);
    expect(gone.details).toBe('VirtualService default/reviews not found');
  });

  it('refuses a delete without a valid token: UNAUTHENTICATED, nothing removed', async () => {
    await api.apply([vs('reviews')]);
    const err = await failure(
      api.delete({ kind: 'VirtualService', name: 'reviews' }, withToken('wrong')),
    );
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await api.list()).documents).toHaveLength(1);
  });

  it('ProxyStatus filters by namespace and proxy id and orders rows and type URLs', async () => {
    const all = await api.proxyStatus();
    expect(all.proxies.map((p) => p.proxyId)).toEqual([
      'details-v1-1.default',
      'reviews-v1-1.default',
      'httpbin-1.foo',
    ]);
    expect(all.proxies[0]?.types.map((t) => t.typeUrl)).toEqual([
      TYPE_URLS.clusters,
      TYPE_URLS.routes,
    ]);
    expect((await api.proxyStatus({ namespace: 'foo' })).proxies.map((p) => p.proxyId)).toEqual([
      'httpbin-1.foo',
    ]);
    expect(
      (await api.proxyStatus({ proxyId: 'reviews-v1-1.default' })).proxies.map((p) => p.proxyId),
    ).toEqual(['reviews-v1-1.default']);
    expect(
      (await api.proxyStatus({ namespace: 'foo', proxyId: 'reviews-v1-1.default' })).proxies,
    ).toEqual([]);
  });

  it('is UNAVAILABLE, quickly, while the store cannot be reached, and serves again after', async () => {
    await api.apply([vs('reviews')]);
    await backend.down();
    try {
      const started = Date.now();
      const calls = [
        api.apply([vs('reviews', 'v1')]),
        api.apply([vs('ratings')], { dryRun: true }),
        api.validate([vs('reviews')]),
        api.get({ kind: 'VirtualService', name: 'reviews' }),
        api.list(),
        api.delete({ kind: 'VirtualService', name: 'reviews' }),
      ];
      for (const call of calls) {
        const err = await failure(call);
        expect(err.code).toBe(grpc.status.UNAVAILABLE);
        expect(err.details).toContain('the config store (etcd) cannot be reached');
        expect(err.details).toContain('writes are refused until it is back');
      }
      // Bounded by the store's request deadline, not by the client's retries.
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await backend.up();
    }
    const applied = await api.apply([vs('reviews', 'v1')]);
    expect(applied.results[0]?.outcome).toBe('configured');
  });
});

describe('handlers that throw', () => {
  it('turn into INTERNAL with the message, and the server keeps serving', async () => {
    const { memoryBackend } = await import('./test-support/backends.js');
    const backend = await memoryBackend();
    let explode = true;
    const api = await startApi(backend.store, {
      proxyStatus: () => {
        if (explode) throw new Error('registry exploded');
        return [];
      },
      authorize: () => {
        throw new Error('token service exploded');
      },
    });
    try {
      const err = await failure(api.proxyStatus());
      expect(err.code).toBe(grpc.status.INTERNAL);
      expect(err.details).toBe('internal error: registry exploded');
      const denied = await failure(api.delete({ kind: 'VirtualService', name: 'x' }));
      expect(denied.code).toBe(grpc.status.INTERNAL);
      expect(denied.details).toContain('token service exploded');
      explode = false;
      expect(await api.proxyStatus()).toEqual({ proxies: [] });
    } finally {
      await api.close();
      await backend.close();
    }
  });
});
