// Watch over a real gRPC stream, on each store: order, filters, cancellation, compaction.
import * as grpc from '@grpc/grpc-js';
import { BACKENDS } from './test-support/backends.js';
import type { Backend } from './test-support/backends.js';
import { eventually, startApi } from './test-support/api.js';
import type { Api } from './test-support/api.js';
import { doc, dr, KNOWN_HOSTS, virtualService, vs } from './test-support/fixtures.js';

jest.setTimeout(30_000);

describe.each(BACKENDS)('Watch on %s', (_name, makeBackend) => {
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

  it('sends every change after from_revision in order, then live ones, until cancelled', async () => {
    // Something first: a fresh MemoryStore is at revision 0, which a Watch reads as "from now".
    const start = (await api.apply([dr('seed')])).revision;
    const created = await api.apply([vs('reviews', 'v1'), dr('reviews')]);
    const configured = await api.apply([vs('reviews', 'v2')]);

    const watch = api.watch({ fromRevision: start, kind: 'VirtualService' });
    const replayed = await watch.take(2);
    expect(replayed.map((e) => [e.type, e.document.name, e.revision])).toEqual([
      ['put', 'reviews', created.revision],
      ['put', 'reviews', configured.revision],
    ]);
    expect(replayed[1]?.document).toEqual({
      kind: 'VirtualService',
      namespace: 'default',
      name: 'reviews',
      resourceVersion: configured.revision,
      text: (await api.get({ kind: 'VirtualService', name: 'reviews' })).document.text,
    });

    const deleted = await api.delete({ kind: 'VirtualService', name: 'reviews' });
    await api.apply([dr('reviews', ['v1'])]); // another kind: filtered out
    const ratings = await api.apply([vs('ratings')]);
    const live = (await watch.take(4)).slice(2);
    expect(live.map((e) => [e.type, e.document.name, e.revision])).toEqual([
      ['delete', 'reviews', deleted.revision],
      ['put', 'ratings', ratings.revision],
    ]);
    // A delete carries the last content and the version it removed.
    expect(live[0]?.document.resourceVersion).toBe(configured.revision);
    expect(JSON.parse(live[0]!.document.text)).toMatchObject({
      spec: { http: [{ route: [{ destination: { subset: 'v2' } }] }] },
    });

    expect(backend.store.openWatches).toBe(1);
    watch.cancel();
    const end = await watch.end();
    expect(end).not.toBe('ok');
    expect((end as grpc.ServiceError).code).toBe(grpc.status.CANCELLED);
    // The server side lets go of the store's watch too.
    await eventually(() => expect(backend.store.openWatches).toBe(0));
  });

  it('from_revision 0 means from now on; a namespace alone filters every kind', async () => {
    await api.apply([vs('reviews')]);
    const watch = api.watch({ namespace: 'foo' });
    await eventually(() => expect(backend.store.openWatches).toBe(1));
    await api.apply([
      doc('VirtualService', 'a', virtualService('a', 'a', undefined, 'foo'), { namespace: 'foo' }),
      vs('details'),
    ]);
    const applied = await api.apply([
      doc('VirtualService', 'b', virtualService('b', 'b', undefined, 'bar'), { namespace: 'bar' }),
      doc('VirtualService', 'c', virtualService('c', 'c', undefined, 'foo'), { namespace: 'foo' }),
    ]);
    const events = await watch.take(2);
    expect(events.map((e) => `${e.type} ${e.document.namespace}/${e.document.name}`)).toEqual([
      'put foo/a',
      'put foo/c',
    ]);
    expect(events[1]?.revision).toBe(applied.revision);
    watch.cancel();
    await watch.end();
    await eventually(() => expect(backend.store.openWatches).toBe(0));
  });

  it('is OUT_OF_RANGE from a revision ahead of the store', async () => {
    const { revision } = await api.list();
    const end = await api.watch({ fromRevision: String(Number(revision) + 100) }).end();
    expect(end).toMatchObject({ code: grpc.status.OUT_OF_RANGE });
  });

  // Last: compaction drops history every later test on this store would need.
  it('is OUT_OF_RANGE from a compacted revision, and fine from the one List returns', async () => {
    const old = (await api.list()).revision;
    await api.apply([vs('reviews')]);
    await api.apply([vs('reviews', 'v1')]);
    const latest = await api.apply([vs('reviews', 'v2')]);
    await backend.store.compact(Number(latest.revision));

    const end = await api.watch({ fromRevision: old }).end();
    expect(end).toMatchObject({ code: grpc.status.OUT_OF_RANGE });
    expect((end as grpc.ServiceError).details).toContain('List again and watch from its revision');
    expect(backend.store.openWatches).toBe(0);

    const listed = await api.list();
    const watch = api.watch({ fromRevision: listed.revision });
    const next = await api.apply([vs('reviews', 'v3')]);
    expect((await watch.take(1)).map((e) => e.revision)).toEqual([next.revision]);
    watch.cancel();
    await watch.end();
  });
});
