import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from './memory-store.js';
import { describeConfigStoreContract, WatchReader } from './test-support/contract.js';

describeConfigStoreContract('MemoryStore', async () => createMemoryStore());

describe('MemoryStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-memstore-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts at revision 1 like a fresh etcd, so a first write is never at the "from now" 0', async () => {
    const store = createMemoryStore();
    expect((await store.list('/')).revision).toBe(1);
    expect((await store.put('/a', '1')).revision).toBe(2);
    await store.close();
  });

  it('restores data and revision from its data dir, but not leased keys', async () => {
    const first = createMemoryStore({ dataDir: dir });
    await first.put('/k/a', '1');
    const lease = await first.grantLease(60);
    await first.put('/k/leased', 'x', { lease: lease.id });
    const { revision } = await first.commit([
      { type: 'put', key: '/k/b', value: '2' },
      { type: 'delete', key: '/k/a' },
    ]);
    await first.close();
    expect(readdirSync(dir)).toEqual(['store.json']);

    const second = createMemoryStore({ dataDir: dir });
    const listed = await second.list('/k/');
    expect(listed.items.map((kv) => [kv.key, kv.value, kv.modRevision])).toEqual([
      ['/k/b', '2', revision],
    ]);
    expect(listed.revision).toBe(revision);
    expect((await second.put('/k/c', '3')).revision).toBe(revision + 1);
    await second.close();
  });

  it('compacts history beyond its limit, and old watches resync by listing', async () => {
    const store = createMemoryStore({ historyLimit: 3 });
    const held = await store.list('/h/');
    for (let i = 0; i < 6; i++) await store.put(`/h/k${i % 2}`, String(i));
    const ac = new AbortController();
    const it = new WatchReader(
      store
        .watch('/h/', { fromRevision: held.revision + 1, baseline: held.items, signal: ac.signal })
        [Symbol.asyncIterator](),
    );
    const events = await it.take(2);
    expect(events.map((e) => [e.type, e.key, e.value])).toEqual([
      ['put', '/h/k0', '4'],
      ['put', '/h/k1', '5'],
    ]);
    ac.abort();
    await store.close();
  });

  it('rejects operations after close', async () => {
    const store = createMemoryStore();
    await store.close();
    await expect(store.get('/x')).rejects.toMatchObject({ code: 'MESH_ERR_STORE_CLOSED' });
  });
});
