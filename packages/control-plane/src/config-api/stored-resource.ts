// What a stored config value is: canonical JSON of the resource as the user wrote it, without
// where it came from and without server-managed metadata. Canonical (sorted keys, no
// whitespace), so "unchanged" is a string comparison and re-applying what Get returned writes
// nothing.
import { isKind } from '@mesh/rules';
import type { Resource } from '@mesh/rules';
import type { ConfigDocument } from '@mesh/proto';
import { parseKey } from '@mesh/store';
import type { KeyValue } from '@mesh/store';
import type { StoredResource } from '../model.js';

/** JSON with object keys sorted at every depth and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The stored value of a resource. Of metadata only name, namespace, labels and annotations are
 * kept: resourceVersion, uid, generation and the like belong to the store (the version travels
 * beside the text), and keeping them would make every re-apply of a read-back look changed.
 */
export function encodeStoredResource(resource: Resource): string {
  const { labels, annotations, name, namespace } = resource.metadata;
  return canonicalJson({
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: {
      name,
      namespace,
      ...(labels && Object.keys(labels).length > 0 && { labels }),
      ...(annotations && Object.keys(annotations).length > 0 && { annotations }),
    },
    spec: resource.spec,
  });
}

/**
 * A stored value back as a resource. Values are validated before they are written, so this
 * only checks the shape and that the value names the resource its key does: a mismatch means
 * something other than this API wrote the key.
 */
export function decodeStoredResource(kv: KeyValue): StoredResource {
  let value: unknown;
  try {
    value = JSON.parse(kv.value);
  } catch (error) {
    throw new Error(`stored value at ${kv.key} is not JSON: ${(error as Error).message}`);
  }
  const bad = (why: string) => new Error(`stored value at ${kv.key} is not a resource: ${why}`);
  if (!isRecord(value)) throw bad('not an object');
  if (typeof value.apiVersion !== 'string') throw bad('apiVersion is missing');
  if (!isKind(value.kind)) throw bad(`kind ${JSON.stringify(value.kind)} is not stored`);
  const metadata = value.metadata;
  if (
    !isRecord(metadata) ||
    typeof metadata.name !== 'string' ||
    typeof metadata.namespace !== 'string'
  ) {
    throw bad('metadata.name or metadata.namespace is missing');
  }
  if (!isRecord(value.spec)) throw bad('spec is not an object');
  const key = parseKey(kv.key);
  if (
    key &&
    (key.kind !== value.kind || key.namespace !== metadata.namespace || key.name !== metadata.name)
  ) {
    throw bad(`it names ${value.kind} ${metadata.namespace}/${metadata.name}`);
  }
  return {
    resource: value as unknown as Resource,
    resourceVersion: String(kv.modRevision),
    createRevision: kv.createRevision,
  };
}

/** A stored key-value as the API's Document: identity from the key, the text as stored. */
export function storedDocument(
  kv: Pick<KeyValue, 'key' | 'value' | 'modRevision'>,
): ConfigDocument | undefined {
  const key = parseKey(kv.key);
  if (!key || key.area !== 'config' || !isKind(key.kind)) return undefined;
  return {
    kind: key.kind,
    namespace: key.namespace,
    name: key.name,
    resourceVersion: String(kv.modRevision),
    text: kv.value,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
