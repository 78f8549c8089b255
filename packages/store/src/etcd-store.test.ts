import { Etcd3 } from 'etcd3';
import { createEtcdStore } from './etcd-store.js';
import type { EtcdStore } from './etcd-store.js';
import { StoreUnavailableError } from './errors.js';
import { describeConfigStoreContract, WatchReader } from './test-support/contract.js';
import { freePort, startEtcd } from './testing.js';
import type { TestEtcd } from './testing.js';

jest.setTimeout(20_000);

let etcd: TestEtcd;
beforeAll(async () => {
  etcd = await startEtcd();
}, 20_000);
afterAll(async () => {
  await etcd?.dispose();
});

describeConfigStoreContract('EtcdStore', async () =>
  createEtcdStore({ endpoints: [etcd.endpoint] }),
);

describe('EtcdStore against a real etcd', () => {
  let store: EtcdStore;
  beforeEach(() => {
    store = createEtcdStore({ endpoints: [etcd.endpoint] });
  });
  afterEach(async () => {
    await store.close();
  });

  it('delivers every event exactly once across an etcd restart', async () => {
    const p = `/restart/${Date.now()}/`;
    const ac = new AbortController();
    const it = new WatchReader(store.watch(p, { signal: ac.signal })[Symbol.asyncIterator]());
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 5; i++) await store.put(`${p}k${i % 2}`, `before-${i}`);
    const before = await it.take(5);

    await etcd.stop();
    await it.quiet(300);
    await etcd.restart();

    const writer = createEtcdStore({ endpoints: [etcd.endpoint] });
    for (let i = 0; i < 5; i++) await writer.put(`${p}k${i % 2}`, `after-${i}`);
    await writer.close();
    const after = await it.take(5, 10_000);
    await it.quiet(500);
    ac.abort();

    const all = [...before, ...after];
    expect(all.map((e) => e.value)).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `before-${i}`),
      ...Array.from({ length: 5 }, (_, i) => `after-${i}`),
    ]);
    const revisions = all.map((e) => e.modRevision);
    expect(new Set(revisions).size).toBe(10);
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
  });

  it('resyncs with exactly the differences when its watch is compacted while it runs', async () => {
    // The watch starts from a revision that is compacted before it first connects, with the
    // baseline read at watch() time: the raw watch is cancelled by etcd and the loop re-lists.
    const p = `/compact/${Date.now()}/`;
    await store.put(`${p}keep`, '1');
    await store.put(`${p}change`, '1');
    const { revision: start } = await store.put(`${p}drop`, '1');
    await store.put(`${p}change`, '2');
    await store.delete(`${p}drop`);
    const { revision: last } = await store.put(`${p}new`, '1');
    const ac = new AbortController();
    const watch = store.watch(p, { fromRevision: start + 1, signal: ac.signal });
    // Let the eager baseline list (at `start`) complete before history is removed.
    await new Promise((r) => setTimeout(r, 300));
    await store.compact(last);
    const it = new WatchReader(watch[Symbol.asyncIterator]());
    const events = await it.take(3);
    expect(events.map((e) => [e.type, e.key, e.value, e.prevValue])).toEqual([
      ['put', `${p}change`, '2', '1'],
      ['put', `${p}new`, '1', undefined],
      ['delete', `${p}drop`, undefined, '1'],
    ]);
    await it.quiet(300);
    ac.abort();
  });

  it('fails with StoreUnavailableError naming the endpoint when etcd is down', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const down = createEtcdStore({ endpoints: [endpoint] });
    const started = Date.now();
    const error = await down.get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: 'MESH_ERR_STORE_UNAVAILABLE' });
    expect((error as Error).message).toContain(endpoint);
    expect(Date.now() - started).toBeLessThan(3000);
    const commit = await down.put('/x', '1').catch((e: unknown) => e);
    expect(commit).toBeInstanceOf(StoreUnavailableError);
    await down.close();
  });

  it('reports a lost lease', async () => {
    const lease = await store.grantLease(1);
    const lost = new Promise<Error>((resolve) => lease.onLost(resolve));
    // Revoking behind the keepalive's back is what an expiry looks like to the owner.
    const raw = new Etcd3({ hosts: etcd.endpoint });
    await raw.leaseClient.leaseRevoke({ ID: lease.id });
    raw.close();
    await expect(lost).resolves.toBeInstanceOf(Error);
  });
});
