// Resources -> immutable route tables: one for the sidecars ("mesh") and one per gateway, plus the
// service and DestinationRule indexes that route() and destinationPolicy() read.
import type {
  DestinationRule,
  HTTPRoute,
  Resource,
  ServiceEntry,
  VirtualService,
} from '../api/index.js';
import { CLUSTER_DOMAIN, isWildcard, resolveHost } from '../hosts.js';
import { defaultRetryPolicy } from './defaults.js';
import { mergeDelegateRoutes } from './delegate.js';
import { deepFreeze } from './freeze.js';
import { buildPathIndex, type PathIndex } from './path-index.js';
import { compileHttpRoute, compileL4Route, type RouteContext } from './routes.js';
import type {
  CompiledConfig,
  CompiledHttpRoute,
  CompileNote,
  CompileOptions,
  RequestPredicate,
  RouteTable,
  ServiceInfo,
  VirtualHostEntry,
} from './types.js';
import { isVisible, visibilityRank, visibleNamespaces } from './visibility.js';

export const MESH_GATEWAY = 'mesh';

interface ExpandedHttpRoute {
  route: HTTPRoute;
  index: number;
  delegate: CompiledHttpRoute['delegate'];
}

/**
 * Compiles validated resources. The order of `resources` stands for creation order (oldest
 * first): it decides which VirtualService a sidecar uses when several claim one host.
 */
export function compile(
  resources: readonly Resource[],
  options: CompileOptions = {},
): CompiledConfig {
  const domain = options.domain ?? CLUSTER_DOMAIN;
  const defaultRetry = defaultRetryPolicy(options.exclude503FromDefaultRetries !== false);
  const notes: CompileNote[] = [];
  const virtualServices: VirtualService[] = [];
  const destinationRules: DestinationRule[] = [];
  const serviceEntries: ServiceEntry[] = [];
  for (const r of resources) {
    if (r.kind === 'VirtualService') virtualServices.push(r);
    else if (r.kind === 'DestinationRule') destinationRules.push(r);
    else if (r.kind === 'ServiceEntry') serviceEntries.push(r);
  }

  const services = indexServices(serviceEntries, options.services ?? [], domain);
  const serviceOf = (host: string) => services.exact[host];

  // A VirtualService without hosts can only be a delegate (Istio's rule).
  const delegates = new Map<string, VirtualService>();
  for (const vs of virtualServices) {
    if ((vs.spec.hosts ?? []).length === 0)
      delegates.set(`${vs.metadata.namespace}/${vs.metadata.name}`, vs);
  }

  const tables = new Map<string, Map<string, VirtualHostEntry[]>>();
  const tableFor = (scope: string) => {
    let t = tables.get(scope);
    if (!t) tables.set(scope, (t = new Map()));
    return t;
  };
  tableFor(MESH_GATEWAY);

  for (const vs of virtualServices) {
    const hosts = vs.spec.hosts ?? [];
    if (hosts.length === 0) continue;
    const { namespace, name } = vs.metadata;
    const vsGateways = resolveGateways(vs.spec.gateways, namespace);
    const expanded = expandDelegates(vs, delegates, notes, domain);
    const visibleTo = visibleNamespaces(vs.spec.exportTo, namespace);
    const resolvedHosts = [...new Set(hosts.map((h) => resolveHost(h, namespace, domain)))];
    for (const scope of vsGateways) {
      const ctx: RouteContext = {
        namespace,
        hostNamespace: namespace,
        name,
        domain,
        defaultRetry,
        serviceOf,
        appliesToScope: (g) =>
          g === undefined || g.length === 0 ? true : resolveGateways(g, namespace).includes(scope),
      };
      // Istio resolves a delegate's short host names in the delegate's own namespace.
      const http = compact(
        expanded.map((e) =>
          compileHttpRoute(e.route, e.index, e.delegate, {
            ...ctx,
            hostNamespace: e.delegate?.namespace ?? namespace,
          }),
        ),
      );
      const entry: VirtualHostEntry = {
        virtualService: { namespace, name },
        visibleTo,
        http,
        httpIndex: indexOf(http),
        tcp: compact((vs.spec.tcp ?? []).map((r, i) => compileL4Route(r, i, 'tcp', ctx))),
        tls: compact((vs.spec.tls ?? []).map((r, i) => compileL4Route(r, i, 'tls', ctx))),
        forProxy: entryForProxy(http),
      };
      const table = tableFor(scope);
      for (const host of resolvedHosts) {
        const list = table.get(host);
        if (list) list.push(entry);
        else table.set(host, [entry]);
      }
    }
  }

  const gateways: Record<string, RouteTable> = Object.create(null) as Record<string, RouteTable>;
  for (const [scope, hosts] of tables) {
    if (scope !== MESH_GATEWAY) gateways[scope] = buildGatewayTable(scope, hosts);
  }

  return deepFreeze({
    mesh: buildTable(MESH_GATEWAY, tables.get(MESH_GATEWAY) ?? new Map(), false),
    gateways,
    services,
    destinationRules: indexDestinationRules(destinationRules, domain),
    defaultRetry,
    domain,
    notes,
  });
}

/** `gw` -> `ns/gw`; `ns/gw` and `mesh` stay. No gateways at all means the sidecars only. */
export function resolveGateways(
  gateways: readonly string[] | undefined,
  namespace: string,
): string[] {
  if (!gateways || gateways.length === 0) return [MESH_GATEWAY];
  return [
    ...new Set(
      gateways.map((g) => (g === MESH_GATEWAY || g.includes('/') ? g : `${namespace}/${g}`)),
    ),
  ];
}

function expandDelegates(
  vs: VirtualService,
  delegates: ReadonlyMap<string, VirtualService>,
  notes: CompileNote[],
  domain: string,
): ExpandedHttpRoute[] {
  const out: ExpandedHttpRoute[] = [];
  const note = (message: string) =>
    notes.push({
      kind: 'VirtualService',
      namespace: vs.metadata.namespace,
      name: vs.metadata.name,
      message,
    });
  (vs.spec.http ?? []).forEach((route, index) => {
    if (!route.delegate) {
      out.push({ route, index, delegate: undefined });
      return;
    }
    const ns = route.delegate.namespace || vs.metadata.namespace;
    const key = `${ns}/${route.delegate.name ?? ''}`;
    const target = delegates.get(key);
    // Istio skips just this route when the delegate is missing or not exported to the root's namespace.
    if (!target) {
      note(`http[${index}]: delegate ${key} not found; route skipped`);
      return;
    }
    if (!isVisible(visibleNamespaces(target.spec.exportTo, ns), vs.metadata.namespace)) {
      note(
        `http[${index}]: delegate ${key} is not exported to ${vs.metadata.namespace}; route skipped`,
      );
      return;
    }
    const { merged, conflicts } = mergeDelegateRoutes(
      withResolvedMirrors(route, vs.metadata.namespace, domain),
      target.spec.http ?? [],
    );
    for (const i of conflicts) {
      note(
        `http[${index}]: delegate ${key} http[${i}] conflicts with the root match (or delegates again); dropped`,
      );
    }
    for (const m of merged) {
      out.push({
        route: m.route,
        index,
        delegate: { namespace: ns, name: target.metadata.name, index: m.delegateIndex },
      });
    }
  });
  return out;
}

/**
 * Istio resolves the root's short names in the root's namespace before (or, in newer releases,
 * while) merging, so mirrors a delegate route inherits from the root keep the root's namespace.
 */
function withResolvedMirrors(route: HTTPRoute, namespace: string, domain: string): HTTPRoute {
  const resolve = <T extends { host?: string }>(d: T): T =>
    d.host === undefined ? d : { ...d, host: resolveHost(d.host, namespace, domain) };
  return {
    ...route,
    mirror: route.mirror && resolve(route.mirror),
    mirrors: route.mirrors?.map((m) =>
      m.destination ? { ...m, destination: resolve(m.destination) } : m,
    ),
  };
}

function buildTable(
  scope: string,
  hosts: ReadonlyMap<string, VirtualHostEntry[]>,
  mergeHosts: boolean,
): RouteTable {
  const exact = Object.create(null) as Record<string, VirtualHostEntry[]>;
  const wildcard = Object.create(null) as Record<string, VirtualHostEntry[]>;
  for (const [host, entries] of hosts) (isWildcard(host) ? wildcard : exact)[host] = entries;
  return { scope, exact, wildcard, mergeHosts };
}

/**
 * Gateways merge every VirtualService bound to them for one host (Istio's gateway route
 * building); visibility and order are judged once, for the gateway's own namespace.
 */
function buildGatewayTable(
  scope: string,
  hosts: ReadonlyMap<string, VirtualHostEntry[]>,
): RouteTable {
  const gatewayNamespace = scope.split('/')[0] ?? '';
  const merged = new Map<string, VirtualHostEntry[]>();
  for (const [host, entries] of hosts) {
    // Merge order is Istio's VirtualServicesForGateway order: the gateway namespace's own
    // VirtualServices, then those exported to it by name, then public ones (stable sort keeps
    // creation order inside each group).
    const rank = (e: VirtualHostEntry) =>
      visibilityRank(e.visibleTo, e.virtualService.namespace, gatewayNamespace);
    const visible = entries.filter((e) => rank(e) >= 0).sort((a, b) => rank(a) - rank(b));
    const first = visible[0];
    if (!first) continue;
    const http = visible.flatMap((e) => e.http);
    merged.set(host, [
      {
        virtualService: first.virtualService,
        visibleTo: null,
        http,
        httpIndex: indexOf(http),
        tcp: visible.flatMap((e) => e.tcp),
        tls: visible.flatMap((e) => e.tls),
        // Merged on the gateway: a VirtualService without routes for it just adds none.
        forProxy: undefined,
      },
    ]);
  }
  return buildTable(scope, merged, true);
}

function indexServices(
  entries: readonly ServiceEntry[],
  registry: readonly ServiceInfo[],
  domain: string,
) {
  const exact = Object.create(null) as Record<string, ServiceInfo>;
  const wildcard = Object.create(null) as Record<string, ServiceInfo>;
  const add = (info: ServiceInfo) => {
    const target = isWildcard(info.host) ? wildcard : exact;
    // The oldest declaration of a host wins, as for Istio's ServiceEntry host conflicts.
    target[info.host] ??= info;
  };
  for (const s of registry) {
    add({
      ...s,
      host: resolveHost(s.host, s.namespace ?? 'default', domain),
      ports: s.ports.map((p) => ({ ...p })),
      exportTo: s.exportTo ? [...s.exportTo] : undefined,
    });
  }
  for (const se of entries) {
    for (const h of se.spec.hosts ?? []) {
      add({
        host: resolveHost(h, se.metadata.namespace, domain),
        ports: (se.spec.ports ?? []).map((p) => ({ ...p })),
        namespace: se.metadata.namespace,
        exportTo: se.spec.exportTo ? [...se.spec.exportTo] : undefined,
      });
    }
  }
  return { exact, wildcard };
}

function indexDestinationRules(rules: readonly DestinationRule[], domain: string) {
  const exact = Object.create(null) as Record<string, DestinationRule[]>;
  const wildcard = Object.create(null) as Record<string, DestinationRule[]>;
  for (const dr of rules) {
    if (!dr.spec.host) continue;
    const host = resolveHost(dr.spec.host, dr.metadata.namespace, domain);
    const target = isWildcard(host) ? wildcard : exact;
    // Cloned so that freezing the compiled config never freezes the caller's objects.
    (target[host] ??= []).push(structuredClone(dr));
  }
  return { exact, wildcard };
}

const NEVER_FOR_PROXY: RequestPredicate = () => false;

/** See VirtualHostEntry.forProxy: no http route at all means Istio never uses it for http. */
function entryForProxy(http: readonly CompiledHttpRoute[]): RequestPredicate | undefined {
  if (http.length === 0) return NEVER_FOR_PROXY;
  const conditions: RequestPredicate[] = [];
  for (const r of http) {
    if (!r.forProxy) return undefined;
    conditions.push(r.forProxy);
  }
  return (req) => conditions.some((c) => c(req));
}

function indexOf(http: readonly CompiledHttpRoute[]): PathIndex {
  return buildPathIndex(http.map((r) => r.indexEntries));
}

function compact<T>(list: readonly (T | undefined)[]): T[] {
  return list.filter((x): x is T => x !== undefined);
}
