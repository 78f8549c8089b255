// Get and List: stored texts as they are (canonical JSON), with the revision of the read.
import * as grpc from '@grpc/grpc-js';
import type {
  ConfigDocument,
  GetRequest,
  GetResponse,
  ListRequest,
  ListResponse,
} from '@mesh/proto';
import { CONFIG_PREFIX } from '@mesh/store';
import type { ConfigStore } from '@mesh/store';
import { apiError } from './api-error.js';
import {
  checkNamespace,
  describeResource,
  kindPrefix,
  namespaceOrDefault,
  requireKind,
  resourceKey,
} from './resource-keys.js';
import { storedDocument } from './stored-resource.js';

export async function getResource(store: ConfigStore, request: GetRequest): Promise<GetResponse> {
  const id = { ...request, namespace: namespaceOrDefault(request.namespace) };
  const key = resourceKey(id);
  // A list rather than a get: the response promises the revision the read was served at.
  const { items, revision } = await store.list(key);
  const kv = items.find((item) => item.key === key);
  const document = kv && storedDocument(kv);
  if (!document) throw apiError(grpc.status.NOT_FOUND, `${describeResource(id)} not found`);
  return { document, revision: String(revision) };
}

export async function listResources(
  store: ConfigStore,
  request: ListRequest,
): Promise<ListResponse> {
  if (request.kind !== '') requireKind(request.kind);
  const namespace = request.allNamespaces ? undefined : namespaceOrDefault(request.namespace);
  if (namespace !== undefined) checkNamespace(namespace);
  const prefix = request.kind === '' ? CONFIG_PREFIX : kindPrefix(request.kind, namespace);
  const { items, revision } = await store.list(prefix);
  const documents = items
    .map(storedDocument)
    .filter((d): d is ConfigDocument => d !== undefined)
    .filter((d) => namespace === undefined || d.namespace === namespace)
    // Key order is not this order: '/' sorts after '-' and '.', so "a-b" would precede "a".
    .sort(
      (a, b) =>
        compare(a.kind, b.kind) || compare(a.namespace, b.namespace) || compare(a.name, b.name),
    );
  return { documents, revision: String(revision) };
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
