// Where the control plane keeps things. One place for the layout, so that writers and watchers
// cannot disagree on a prefix.

export const MESH_PREFIX = '/mesh/v1/';
export const CONFIG_PREFIX = `${MESH_PREFIX}config/`;
export const REGISTRY_PREFIX = `${MESH_PREFIX}registry/`;
export const MESH_CONFIG_KEY = `${MESH_PREFIX}meshconfig`;

// A '/' inside a segment would make one key readable as another (a/b + c vs a + b/c), and an
// empty segment would make a prefix of one kind match another's keys.
function segment(what: string, value: string): string {
  if (value === '' || value.includes('/')) {
    throw new Error(`invalid ${what} ${JSON.stringify(value)}: must be non-empty without '/'`);
  }
  return value;
}

/** `/mesh/v1/config/<kind>/<namespace>/<name>` */
export function configKey(kind: string, namespace: string, name: string): string {
  return `${configPrefix(kind, namespace)}${segment('name', name)}`;
}

/** Prefix of all config of a kind, or of a kind in a namespace. Ends with '/'. */
export function configPrefix(kind?: string, namespace?: string): string {
  if (kind === undefined) return CONFIG_PREFIX;
  const k = `${CONFIG_PREFIX}${segment('kind', kind)}/`;
  return namespace === undefined ? k : `${k}${segment('namespace', namespace)}/`;
}

/** `/mesh/v1/registry/<kind>/<namespace>/<name>`, e.g. a service's endpoints or a proxy. */
export function registryKey(kind: string, namespace: string, name: string): string {
  return `${registryPrefix(kind, namespace)}${segment('name', name)}`;
}

export function registryPrefix(kind?: string, namespace?: string): string {
  if (kind === undefined) return REGISTRY_PREFIX;
  const k = `${REGISTRY_PREFIX}${segment('kind', kind)}/`;
  return namespace === undefined ? k : `${k}${segment('namespace', namespace)}/`;
}

/** Inverse of configKey/registryKey; undefined for keys outside the layout. */
export function parseKey(
  key: string,
): { area: 'config' | 'registry'; kind: string; namespace: string; name: string } | undefined {
  for (const [area, prefix] of [
    ['config', CONFIG_PREFIX],
    ['registry', REGISTRY_PREFIX],
  ] as const) {
    if (!key.startsWith(prefix)) continue;
    const parts = key.slice(prefix.length).split('/');
    if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
    const [kind, namespace, name] = parts as [string, string, string];
    return { area, kind, namespace, name };
  }
  return undefined;
}
