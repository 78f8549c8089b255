// Typed access to the stored config, in creation order: "oldest wins" rules (Sidecar choice,
// duplicate hosts, route order) all read this order.
import type { Kind, ResourceOf } from '@mesh/rules';
import type { ConfigView, StoredResource } from '../model.js';

export interface Stored<R> extends Omit<StoredResource, 'resource'> {
  readonly resource: R;
}

/** Resources of one kind, oldest first (stable for equal revisions). */
export function storedOfKind<K extends Kind>(config: ConfigView, kind: K): Stored<ResourceOf<K>>[] {
  return config.resources
    .filter((s): s is Stored<ResourceOf<K>> & StoredResource => s.resource.kind === kind)
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.createRevision - b.s.createRevision || a.i - b.i)
    .map(({ s }) => s);
}

/** `ns/name`: how Istio refers to a resource across namespaces (gateways, delegates, rules). */
export function qualifiedName(r: { metadata: { namespace: string; name: string } }): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}

/** Runs one resource's share of the work; a failure drops that share, never the snapshot. */
export function attempt<T>(work: () => T, fallback: T): T {
  try {
    return work();
  } catch {
    return fallback;
  }
}
