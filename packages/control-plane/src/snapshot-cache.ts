// Many proxies see the same world; the cache keeps snapshots per node shape until the next
// change, so a burst of reconnects does not rebuild identical answers.
import type { ProxyNode } from '@mesh/proto';
import type { ConfigView, ProxySnapshot, RegistryView, SnapshotOptions } from './model.js';
import { buildSnapshot } from './snapshot/index.js';

export interface SnapshotCache {
  get(config: ConfigView, registry: RegistryView, node: ProxyNode): ProxySnapshot;
  /** Drops everything; called when the world changes. */
  invalidate(): void;
}

export function createSnapshotCache(options: SnapshotOptions): SnapshotCache {
  let byShape = new Map<string, ProxySnapshot>();
  return {
    get(config, registry, node) {
      // The id, build version and readiness of a proxy do not change what it is sent.
      const shape = JSON.stringify([
        node.namespace,
        node.workloadName,
        node.labels,
        node.addresses,
        node.ports,
      ]);
      let snap = byShape.get(shape);
      if (!snap) {
        snap = buildSnapshot(config, registry, node, options);
        byShape.set(shape, snap);
      }
      return snap;
    },
    invalidate() {
      byShape = new Map();
    },
  };
}
