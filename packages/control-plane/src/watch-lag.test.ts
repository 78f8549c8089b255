// Store watch lag on a real embedded store followed by a real World: writes through the wrapped
// store are timed until the world's watch applies them. A watch slowed on purpose (each event
// held back before the world sees it) shows the lag and the revisions behind.
import {
  CONFIG_PREFIX,
  configKey,
  createMemoryStore,
  registryKey,
  type ConfigStore,
  type MemoryStore,
} from '@mesh/store';
import { encodeStoredResource } from './config-api/index.js';
import { PROXY_REGISTRY_PREFIX } from './registry.js';
import { WatchLag, type WatchArea } from './watch-lag.js';
import { World } from './world.js';

let store: MemoryStore;
let world: World | undefined;

beforeEach(() => {
  store = createMemoryStore();
});

afterEach(async () => {
  world?.close();
  world = undefined;
  await store.close();
});

const areaOf = (key: string): WatchArea | undefined =>
  key.startsWith(CONFIG_PREFIX)
    ? 'config'
    : key.startsWith(PROXY_REGISTRY_PREFIX)
      ? 'registry'
      : undefined;

function vs(name: string): string {
  return encodeStoredResource({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec: { hosts: [name] },
  } as Parameters<typeof encodeStoredResource>[0]);
}

/** `inner` whose watches hand each event over `delayMs` late, as a lagging watch would. */
function slowWatches(inner: ConfigStore, delayMs: number): ConfigStore {
  return {
    ...bind(inner),
    watch(prefix, options) {
      const events = inner.watch(prefix, options);
      return (async function* () {
        for await (const ev of events) {
          await new Promise((r) => setTimeout(r, delayMs));
          yield ev;
        }
      })();
    },
  };
}

function bind(s: ConfigStore): ConfigStore {
  return {
    get: (k) => s.get(k),
    list: (p, o) => s.list(p, o),
    watch: (p, o) => s.watch(p, o),
    commit: (ops) => s.commit(ops),
    put: (k, v, o) => s.put(k, v, o),
    delete: (k, o) => s.delete(k, o),
    grantLease: (t, o) => s.grantLease(t, o),
    compact: (r) => s.compact(r),
    close: () => s.close(),
  };
}

/** A world following `followed`, and a lag tracker wrapping `written` (the same store). */
async function follow(followed: ConfigStore) {
  const observed: [WatchArea, number][] = [];
  const lag: WatchLag = new WatchLag({
    areaOf,
    applied: (area) => w.appliedRevision(area),
    observe: (area, seconds) => observed.push([area, seconds]),
  });
  const w: World = new World(followed, { onChange: (c) => lag.onApplied(c.area) });
  world = w;
  await w.start();
  return { lag, observed, writes: lag.wrap(store), world: w };
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a write is timed from its return until the watch applies it', async () => {
  const { lag, observed, writes } = await follow(slowWatches(store, 300));
  const { revision } = await writes.put(configKey('VirtualService', 'default', 'a'), vs('a'));
  // Written, not yet applied: the replica is behind by this revision.
  expect(observed).toEqual([]);
  expect(lag.revisionsBehind()).toBe(revision - world!.appliedRevision('config'));
  expect(lag.revisionsBehind()).toBeGreaterThanOrEqual(1);
  await until(() => observed.length === 1, 'the observation');
  expect(observed[0]![0]).toBe('config');
  expect(observed[0]![1]).toBeGreaterThanOrEqual(0.25);
  expect(observed[0]![1]).toBeLessThan(5);
  expect(lag.revisionsBehind()).toBe(0);
});

test('a healthy watch applies a write within milliseconds, per area', async () => {
  const { lag, observed, writes } = await follow(store);
  await writes.commit([
    { type: 'put', key: configKey('VirtualService', 'default', 'a'), value: vs('a') },
    { type: 'put', key: configKey('VirtualService', 'default', 'b'), value: vs('b') },
  ]);
  await writes.put(registryKey('proxy', 'default', 'p1.default'), '{}');
  await until(() => observed.length === 2, 'two observations');
  // One commit of two keys is one write: one observation per area it touched.
  expect(observed.map(([area]) => area).sort()).toEqual(['config', 'registry']);
  for (const [, seconds] of observed) expect(seconds).toBeLessThan(0.5);
  expect(lag.revisionsBehind()).toBe(0);
});

test('writes the world does not follow, and deletes that may change nothing, are not timed', async () => {
  const { lag, observed, writes } = await follow(store);
  // A replica's own record: outside the followed prefixes.
  await writes.put(registryKey('replica', 'mesh-system', 'control-plane-0'), '{}');
  // A delete without a precondition of a key that is not there makes no revision.
  await writes.delete(configKey('VirtualService', 'default', 'missing'));
  expect(lag.revisionsBehind()).toBe(0);
  expect(observed).toEqual([]);
  // A delete with one certainly made a revision, which the watch delivers.
  const key = configKey('VirtualService', 'default', 'a');
  const { revision } = await store.put(key, vs('a'));
  await until(() => world!.appliedRevision('config') === revision, 'the put applied');
  await writes.delete(key, { expectedModRevision: revision });
  await until(() => observed.length === 1, 'the delete observed');
  expect(observed).toEqual([['config', expect.any(Number)]]);
});

test('a write the watch applied before the call returned is no lag', () => {
  const observed: [WatchArea, number][] = [];
  const lag = new WatchLag({
    areaOf,
    applied: () => 10,
    observe: (area, seconds) => observed.push([area, seconds]),
  });
  lag.written([{ type: 'put', key: configKey('Gateway', 'default', 'g') }], 9);
  lag.written([{ type: 'put', key: configKey('Gateway', 'default', 'g') }], 10);
  expect(observed).toEqual([
    ['config', 0],
    ['config', 0],
  ]);
  expect(lag.revisionsBehind()).toBe(0);
});

test('keeps a bounded number of writes waiting for a stuck watch', () => {
  let now = 0;
  const observed: number[] = [];
  const lag = new WatchLag({
    areaOf,
    applied: () => applied,
    observe: (_, seconds) => observed.push(seconds),
    maxPending: 3,
    now: () => now,
  });
  let applied = 0;
  for (let revision = 1; revision <= 5; revision++) {
    now = revision * 1000;
    lag.written([{ type: 'put', key: configKey('Gateway', 'default', `g${revision}`) }], revision);
  }
  expect(lag.revisionsBehind()).toBe(5);
  now = 10_000;
  applied = 4;
  lag.onApplied('config');
  // Revisions 1 and 2 were forgotten; 3 and 4 are applied; 5 still waits.
  expect(observed).toEqual([7, 6]);
  expect(lag.revisionsBehind()).toBe(1);
  // Another area's progress settles nothing here.
  lag.onApplied('registry');
  expect(observed).toHaveLength(2);
});
