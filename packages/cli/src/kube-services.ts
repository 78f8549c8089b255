// Kubernetes Services that share files with Istio config are the hosts VirtualServices route to.
// @mesh/rules skips them (it only types Istio kinds), so analyze reads their names here.
import { CLUSTER_DOMAIN } from '@mesh/rules';
import { parseAllDocuments } from 'yaml';

export interface KubeService {
  name: string;
  namespace: string;
  /** Document index in the file, as on the skip diagnostic parseResources gives the object. */
  document: number;
  host: string;
}

// Same guard as @mesh/rules' parser: alias bombs must not hang the CLI either.
const MAX_ALIAS_COUNT = 1000;

export function findKubeServices(text: string, defaultNamespace: string): KubeService[] {
  // Binary input is reported by parseResources; there are no Services to find in it.
  if (text.includes('\u0000')) return [];
  const services: KubeService[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true });
  } catch {
    return [];
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, document) => {
    if (doc.errors.length > 0) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      return;
    }
    for (const object of flattenLists(value)) {
      const service = asService(object, defaultNamespace);
      if (service) services.push({ ...service, document });
    }
  });
  return services;
}

function asService(
  value: unknown,
  defaultNamespace: string,
): Omit<KubeService, 'document'> | undefined {
  if (!isRecord(value) || value.apiVersion !== 'v1' || value.kind !== 'Service') return undefined;
  const meta = isRecord(value.metadata) ? value.metadata : {};
  if (typeof meta.name !== 'string' || meta.name === '') return undefined;
  const namespace =
    typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace;
  return {
    name: meta.name,
    namespace,
    host: `${meta.name}.${namespace}.${CLUSTER_DOMAIN}`.toLowerCase(),
  };
}

function flattenLists(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items))
    return value.items.flatMap(flattenLists);
  return [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
