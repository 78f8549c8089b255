// Watch: the store's changes after a revision as ConfigEvents. The store's own watch bridges a
// compacted start revision by re-listing, which a client cannot tell from real changes; the API
// instead refuses such a start (OUT_OF_RANGE) so the client re-lists itself, knowingly.
import * as grpc from '@grpc/grpc-js';
import type { ConfigEvent, WatchRequest } from '@mesh/proto';
import { CompactedError, CONFIG_PREFIX, parseKey } from '@mesh/store';
import type { ConfigStore, KeyValue, ListResult } from '@mesh/store';
import { apiError } from './api-error.js';
import { checkNamespace, kindPrefix } from './resource-keys.js';
import { storedDocument } from './stored-resource.js';

export async function* watchConfig(
  store: ConfigStore,
  request: WatchRequest,
  signal: AbortSignal,
): AsyncGenerator<ConfigEvent, void, undefined> {
  const namespace = request.namespace === '' ? undefined : request.namespace;
  if (namespace !== undefined) checkNamespace(namespace);
  const prefix = request.kind === '' ? CONFIG_PREFIX : kindPrefix(request.kind, namespace);
  const base = await baseline(store, prefix, Number(request.fromRevision));
  // Versions of what the client holds, so a delete can say which version it removed.
  const versions = new Map(base.items.map((kv) => [kv.key, kv.modRevision]));
  const changes = store.watch(prefix, {
    fromRevision: base.revision + 1,
    // Handing the store our baseline saves it a second list at the same revision.
    baseline: base.items,
    signal,
  });
  for await (const change of changes) {
    const key = parseKey(change.key);
    const removed = versions.get(change.key);
    if (change.type === 'put') versions.set(change.key, change.modRevision);
    else versions.delete(change.key);
    if (!key || key.area !== 'config') continue;
    if (namespace !== undefined && key.namespace !== namespace) continue;
    const revision = String(change.modRevision);
    if (change.type === 'put') {
      const document = storedDocument({
        key: change.key,
        value: change.value ?? '',
        modRevision: change.modRevision,
      });
      if (document) yield { type: 'put', document, revision };
    } else {
      yield {
        type: 'delete',
        document: {
          kind: key.kind,
          namespace: key.namespace,
          name: key.name,
          resourceVersion: removed === undefined ? '' : String(removed),
          // Unknown only if the store lost the previous value; the identity still says what went.
          text: change.prevValue ?? '',
        },
        revision,
      };
    }
  }
}

/** What the client holds at `from` (0: now), or OUT_OF_RANGE when the store cannot say. */
async function baseline(store: ConfigStore, prefix: string, from: number): Promise<ListResult> {
  const now = await store.list(prefix);
  if (from === 0 || from === now.revision) return now;
  if (from > now.revision) {
    throw apiError(
      grpc.status.OUT_OF_RANGE,
      `revision ${from} is ahead of the store (now at ${now.revision}); List and watch from its revision`,
    );
  }
  let items: KeyValue[];
  try {
    ({ items } = await store.list(prefix, { revision: from }));
  } catch (error) {
    if (!(error instanceof CompactedError)) throw error;
    throw apiError(
      grpc.status.OUT_OF_RANGE,
      `revision ${from} has been compacted; List again and watch from its revision`,
    );
  }
  return { items, revision: from };
}
