// How a VirtualService names other resources, resolved the way Istio's control plane does.
export const MESH_GATEWAY = 'mesh';

/**
 * `ns/name`, `./name` and `name` (relative to the VirtualService's namespace) as documented; the
 * legacy `name.ns[.svc.cluster.local]` form is still honoured by istiod, so we honour it too.
 */
export function gatewayKey(ref: string, vsNamespace: string): string {
  const slash = ref.indexOf('/');
  if (slash !== -1) {
    const ns = ref.slice(0, slash);
    return `${ns === '.' ? vsNamespace : ns}/${ref.slice(slash + 1)}`;
  }
  const dot = ref.indexOf('.');
  if (dot === -1) return `${vsNamespace}/${ref}`;
  const rest = ref.slice(dot + 1);
  const ns = rest.split('.')[0] ?? '';
  return `${ns}/${ref.slice(0, dot)}`;
}

/** Which namespaces can see a resource, from its exportTo (empty means everywhere). */
export interface Visibility {
  all: boolean;
  namespaces: ReadonlySet<string>;
}

export function visibility(exportTo: readonly string[] | undefined, namespace: string): Visibility {
  if (!exportTo || exportTo.length === 0 || exportTo.includes('*'))
    return { all: true, namespaces: new Set() };
  const namespaces = new Set<string>();
  for (const e of exportTo) {
    if (e === '.') namespaces.add(namespace);
    // "~" exports to no namespace at all.
    else if (e !== '~') namespaces.add(e);
  }
  return { all: false, namespaces };
}

/** Is there a namespace whose proxies see both? Only then can two resources conflict there. */
export function visibleTogether(a: Visibility, b: Visibility): boolean {
  if (a.all) return b.all || b.namespaces.size > 0;
  if (b.all) return a.namespaces.size > 0;
  for (const ns of a.namespaces) if (b.namespaces.has(ns)) return true;
  return false;
}
