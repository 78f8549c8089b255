// Route tables: the VirtualServices a proxy compiles, each sent whole for @mesh/rules to compile
// on the proxy side.
import type { RouteTableBody } from '@mesh/proto';
import { resolveGateways, resolveHost, type Destination, type VirtualService } from '@mesh/rules';
import type { ConfigView } from '../model.js';
import { exportedTo } from './export-to.js';
import { scopeAdmits, type EgressScope } from './sidecar-scope.js';
import { attempt, qualifiedName, storedOfKind, type Stored } from './stored.js';

export interface RouteSelection {
  /** Namespace of the proxy: exportTo is judged for it. */
  readonly namespace: string;
  /** Route scopes the proxy serves: `mesh` for its outbound listener, `ns/name` per Gateway. */
  readonly scopes: ReadonlySet<string>;
  /** Sidecar egress scope; undefined imports every visible VirtualService. */
  readonly egress: EgressScope | undefined;
  readonly domain: string;
}

/**
 * VirtualServices for the proxy, oldest first: those with hosts bound to one of its scopes,
 * visible to its namespace and imported by its Sidecar, then the delegates they name. A delegate
 * comes along when its exportTo admits the root's namespace, the condition compile() applies.
 */
export function selectVirtualServices(
  config: ConfigView,
  selection: RouteSelection,
): Stored<VirtualService>[] {
  const all = storedOfKind(config, 'VirtualService');
  const roots = all.filter((s) => attempt(() => isRootFor(s.resource, selection), false));
  const delegates = new Map<string, Stored<VirtualService>>();
  for (const s of all) {
    if (attempt(() => (s.resource.spec.hosts ?? []).length === 0, false))
      delegates.set(qualifiedName(s.resource), s);
  }
  const wanted = new Set<Stored<VirtualService>>(roots);
  for (const root of roots) {
    attempt(() => delegatesOf(root.resource, delegates), []).forEach((d) => wanted.add(d));
  }
  return all.filter((s) => wanted.has(s));
}

function delegatesOf(
  root: VirtualService,
  delegates: ReadonlyMap<string, Stored<VirtualService>>,
): Stored<VirtualService>[] {
  const { namespace } = root.metadata;
  return (root.spec.http ?? []).flatMap((route) => {
    if (!route.delegate) return [];
    const target = delegates.get(
      `${route.delegate.namespace || namespace}/${route.delegate.name ?? ''}`,
    );
    if (!target) return [];
    const t = target.resource;
    return exportedTo(t.spec.exportTo, t.metadata.namespace, namespace) ? [target] : [];
  });
}

function isRootFor(vs: VirtualService, selection: RouteSelection): boolean {
  const { namespace } = vs.metadata;
  const hosts = vs.spec.hosts ?? [];
  if (hosts.length === 0) return false;
  if (!resolveGateways(vs.spec.gateways, namespace).some((g) => selection.scopes.has(g)))
    return false;
  if (!exportedTo(vs.spec.exportTo, namespace, selection.namespace)) return false;
  return scopeAdmits(
    selection.egress,
    namespace,
    hosts.map((h) => resolveHost(h, namespace, selection.domain)),
  );
}

export function routeTable(stored: Stored<VirtualService>): RouteTableBody {
  // `source` names the file a resource was applied from: bookkeeping, not routing, and it would
  // change versions when the same config is applied from another file.
  const { source: _source, ...virtualService } = stored.resource;
  return {
    name: qualifiedName(stored.resource),
    order: stored.createRevision,
    virtualService,
  };
}

/**
 * Hosts the VirtualServices send traffic to (routes and mirrors), as FQDNs. Istio imports these
 * services into a Sidecar's scope even when its egress hosts do not name them.
 */
export function destinationHosts(
  virtualServices: readonly Stored<VirtualService>[],
  domain: string,
): Set<string> {
  const out = new Set<string>();
  for (const { resource: vs } of virtualServices) {
    const add = (d: Destination | undefined) => {
      if (d?.host) out.add(resolveHost(d.host, vs.metadata.namespace, domain));
    };
    for (const r of vs.spec.http ?? []) {
      r.route?.forEach((d) => add(d.destination));
      add(r.mirror);
      r.mirrors?.forEach((m) => add(m.destination));
    }
    for (const r of [...(vs.spec.tcp ?? []), ...(vs.spec.tls ?? [])]) {
      r.route?.forEach((d) => add(d.destination));
    }
  }
  return out;
}
