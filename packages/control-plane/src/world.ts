// The replica's in-memory copy of the store: all config and all registry records, kept current
// by two watches. Proxies are served from this copy, so they keep getting answers (the last
// known config) while etcd is down; the watches catch up, without gaps, when it returns.
import {
  CONFIG_PREFIX,
  StoreClosedError,
  type ConfigStore,
  type KeyValue,
  type WatchEvent,
} from '@mesh/store';
import { decodeStoredResource } from './config-api/index.js';
import type { ConfigView, RegistryView, StoredResource, WorkloadRecord } from './model.js';
import { decodeWorkloadRecord, PROXY_REGISTRY_PREFIX } from './registry.js';

export interface WorldChange {
  area: 'config' | 'registry';
  key: string;
  type: 'put' | 'delete';
  revision: number;
  /** When the replica saw it (performance.now()), for convergence and lag metrics. */
  seenAt: number;
}

export interface WorldOptions {
  onChange(change: WorldChange): void;
  /** Reports a value the replica cannot read (it is skipped, never fatal). */
  onBadValue?(key: string, error: unknown): void;
  /** Retry delay while the first load cannot reach the store. */
  retryMs?: number;
}

export class World {
  private readonly config = new Map<string, StoredResource>();
  private readonly workloads = new Map<string, WorkloadRecord>();
  private configCache: ConfigView | undefined;
  private registryCache: RegistryView | undefined;
  private readonly abort = new AbortController();
  private loadedFlag = false;
  /** Highest store revision seen by either watch. */
  revision = 0;
  /** Per area: the revision its list was read at, then of the last change its watch applied. */
  private readonly areaRevisions: Record<'config' | 'registry', number> = {
    config: 0,
    registry: 0,
  };

  constructor(
    private readonly store: ConfigStore,
    private readonly options: WorldOptions,
  ) {}

  get loaded(): boolean {
    return this.loadedFlag;
  }

  /** Loads both areas (retrying until the store answers) and starts following them. */
  async start(): Promise<void> {
    const [config, registry] = await Promise.all([
      this.listWithRetry(CONFIG_PREFIX),
      this.listWithRetry(PROXY_REGISTRY_PREFIX),
    ]);
    if (!config || !registry) return;
    for (const kv of config.items) this.putConfig(kv);
    for (const kv of registry.items) this.putWorkload(kv);
    this.revision = Math.max(config.revision, registry.revision);
    this.areaRevisions.config = config.revision;
    this.areaRevisions.registry = registry.revision;
    this.loadedFlag = true;
    void this.follow('config', CONFIG_PREFIX, config.revision + 1, config.items);
    void this.follow('registry', PROXY_REGISTRY_PREFIX, registry.revision + 1, registry.items);
  }

  close(): void {
    this.abort.abort();
  }

  /**
   * The store revision this replica has applied in an area: every change there at or below it is
   * in this copy (watches deliver in revision order).
   */
  appliedRevision(area: 'config' | 'registry'): number {
    return this.areaRevisions[area];
  }

  configView(): ConfigView {
    this.configCache ??= {
      resources: [...this.config.values()].sort((a, b) => a.createRevision - b.createRevision),
    };
    return this.configCache;
  }

  registry(): RegistryView {
    this.registryCache ??= {
      workloads: [...this.workloads.values()].sort(
        (a, b) => cmp(a.namespace, b.namespace) || cmp(a.proxyId, b.proxyId),
      ),
    };
    return this.registryCache;
  }

  private async listWithRetry(prefix: string) {
    for (;;) {
      if (this.abort.signal.aborted) return undefined;
      try {
        return await this.store.list(prefix);
      } catch (err) {
        if (err instanceof StoreClosedError) return undefined;
        await new Promise((r) => setTimeout(r, this.options.retryMs ?? 500));
      }
    }
  }

  private async follow(
    area: 'config' | 'registry',
    prefix: string,
    fromRevision: number,
    baseline: readonly KeyValue[],
  ): Promise<void> {
    try {
      const events = this.store.watch(prefix, {
        fromRevision,
        baseline,
        signal: this.abort.signal,
      });
      for await (const ev of events) this.apply(area, ev);
    } catch (err) {
      if (this.abort.signal.aborted || err instanceof StoreClosedError) return;
      // The store's watch already survives restarts and compaction; anything else is a bug we
      // must not hide, but a replica that stops following would serve stale config forever.
      this.options.onBadValue?.(prefix, err);
      setTimeout(() => void this.restartFollow(area, prefix), 1000);
    }
  }

  private async restartFollow(area: 'config' | 'registry', prefix: string): Promise<void> {
    const list = await this.listWithRetry(prefix);
    if (!list) return;
    const map = area === 'config' ? this.config : this.workloads;
    // The list holds everything up to its revision: the area has caught up to it.
    this.areaRevisions[area] = Math.max(this.areaRevisions[area], list.revision);
    const seen = new Set(list.items.map((kv) => kv.key));
    for (const key of [...map.keys()]) {
      if (!seen.has(key)) this.apply(area, { type: 'delete', key, modRevision: list.revision });
    }
    for (const kv of list.items) {
      // The list knows each key's create revision (creation order decides which VirtualService
      // wins); a put event would not.
      this.apply(
        area,
        { type: 'put', key: kv.key, value: kv.value, modRevision: kv.modRevision },
        kv.createRevision,
      );
    }
    void this.follow(area, prefix, list.revision + 1, list.items);
  }

  private apply(area: 'config' | 'registry', ev: WatchEvent, createRevision?: number): void {
    if (ev.type === 'put') {
      const kv: KeyValue = {
        key: ev.key,
        value: ev.value ?? '',
        modRevision: ev.modRevision,
        createRevision: createRevision ?? this.createRevisionOf(area, ev),
        version: 0,
      };
      if (area === 'config') this.putConfig(kv);
      else this.putWorkload(kv);
    } else if (area === 'config') {
      this.config.delete(ev.key);
      this.configCache = undefined;
    } else {
      this.workloads.delete(ev.key);
      this.registryCache = undefined;
    }
    this.revision = Math.max(this.revision, ev.modRevision);
    this.areaRevisions[area] = Math.max(this.areaRevisions[area], ev.modRevision);
    this.options.onChange({
      area,
      key: ev.key,
      type: ev.type,
      revision: ev.modRevision,
      seenAt: performance.now(),
    });
  }

  // Watch events carry no create revision; an update keeps the one the key had, a new key was
  // created by this very event.
  private createRevisionOf(area: 'config' | 'registry', ev: WatchEvent): number {
    if (area === 'config') return this.config.get(ev.key)?.createRevision ?? ev.modRevision;
    return ev.modRevision;
  }

  private putConfig(kv: KeyValue): void {
    try {
      this.config.set(kv.key, decodeStoredResource(kv));
      this.configCache = undefined;
    } catch (err) {
      this.options.onBadValue?.(kv.key, err);
    }
  }

  private putWorkload(kv: KeyValue): void {
    const record = decodeWorkloadRecord(kv);
    if (!record) {
      this.options.onBadValue?.(kv.key, new Error('not a workload record'));
      return;
    }
    this.workloads.set(kv.key, record);
    this.registryCache = undefined;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
