// One discovery response applied to what the proxy holds of its type (proto/README.md): a
// state-of-the-world response is the complete set, an incremental one a change to it.
import type { DiscoveryResponse } from '@mesh/proto';
import type { TypeState } from './types.js';

type Entry<T> = { readonly version: string; readonly body: T };

export function applyResponse<T>(state: TypeState<T>, res: DiscoveryResponse<T>): TypeState<T> {
  const next = new Map<string, Entry<T>>(res.incremental ? state.resources : []);
  // A name both removed and sent is contradictory; the body sent is the newer information.
  for (const name of res.removedResources) next.delete(name);
  for (const r of res.resources) {
    const held = state.resources.get(r.name);
    // Keeping the held entry when the content hash is unchanged lets later stages reuse work
    // keyed by body identity.
    next.set(r.name, held?.version === r.version ? held : { version: r.version, body: r.body });
  }
  return { version: res.versionInfo, resources: next };
}
