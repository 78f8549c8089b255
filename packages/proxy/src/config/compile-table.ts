// Held config -> the immutable table requests are routed with. Pure apart from the balancers'
// construction-time rng (round-robin start), which keeps proxies rebuilt together from all
// hitting the same first endpoint.
import { TYPE_URLS, type ClusterBody, type EndpointBody, type TypeUrl } from '@mesh/proto';
import { compile, type ServiceInfo, type VirtualService } from '@mesh/rules';
import { createClusterBalancer, readyLbEndpoints } from './balancer.js';
import type { HeldConfig, ProxyTable, RuntimeCluster, TypeState } from './types.js';

export function emptyTypeState<T>(): TypeState<T> {
  return { version: '', resources: new Map() };
}

export function emptyHeld(): HeldConfig {
  return {
    listeners: emptyTypeState(),
    routes: emptyTypeState(),
    clusters: emptyTypeState(),
    endpoints: emptyTypeState(),
  };
}

export interface CompileTableOptions {
  /** The proxy's own locality ("region/zone/subzone", '' unknown), for locality failover. */
  readonly proxyLocality?: string;
  /** The proxy's labels, for failoverPriority. */
  readonly proxyLabels?: Readonly<Record<string, string>>;
}

/**
 * Throws when @mesh/rules cannot compile the route tables; the caller NACKs and keeps its table.
 * With `previous`, whatever its held config shares with `held` (by identity) is reused: endpoint
 * churn, the most frequent change, then recompiles no route table, and a cluster whose policy and
 * endpoints did not change keeps its balancer, so round-robin carries on where it was.
 */
export function compileTable(
  held: HeldConfig,
  generation: number,
  previous?: ProxyTable,
  options: CompileTableOptions = {},
): ProxyTable {
  const proxyLocality = options.proxyLocality ?? '';
  const proxyLabels = options.proxyLabels ?? NO_LABELS;
  const compiled =
    previous && previous.held.routes === held.routes && previous.held.clusters === held.clusters
      ? previous.compiled
      : compile(orderedVirtualServices(held), { services: servicesOf(held) });
  const clusters = new Map<string, RuntimeCluster>();
  for (const [name, entry] of [...held.clusters.resources].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const endpoints = held.endpoints.resources.get(name);
    const earlier = previous?.clusters.get(name);
    const reusable =
      previous &&
      previous.held.clusters.resources.get(name) === entry &&
      previous.held.endpoints.resources.get(name) === endpoints &&
      (earlier?.proxyLocality ?? '') === proxyLocality &&
      (earlier?.proxyLabels ?? NO_LABELS) === proxyLabels;
    clusters.set(
      name,
      (reusable ? earlier : undefined) ??
        runtimeCluster(name, entry.body, endpoints?.body.endpoints ?? [], {
          proxyLocality,
          proxyLabels,
        }),
    );
  }
  return { generation, held, compiled, clusters, versions: versionsOf(held) };
}

/** Oldest first, as the control plane's `order` says: it decides which VirtualService wins a host. */
function orderedVirtualServices(held: HeldConfig): VirtualService[] {
  return [...held.routes.resources.values()]
    .map((r) => r.body)
    .sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((b) => b.virtualService);
}

/**
 * The services the proxy can reach, rebuilt from the whole-service outbound clusters (one per
 * port): route() needs their ports for Istio's default route and for destinations without a port.
 */
function servicesOf(held: HeldConfig): ServiceInfo[] {
  const byHost = new Map<string, ServiceInfo & { ports: ServiceInfo['ports'][number][] }>();
  for (const { body } of held.clusters.resources.values()) {
    if (body.direction !== 'outbound' || body.subset !== '') continue;
    const port = { number: body.port.number, protocol: body.port.protocol, name: body.port.name };
    const known = byHost.get(body.host);
    if (known) known.ports.push(port);
    else
      byHost.set(body.host, {
        host: body.host,
        ports: [port],
        namespace: body.serviceNamespace,
        exportTo: body.exportTo,
      });
  }
  return [...byHost.values()]
    .map((s) => ({ ...s, ports: s.ports.sort((a, b) => (a.number ?? 0) - (b.number ?? 0)) }))
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** A cluster over its ready endpoints (see readyLbEndpoints), ranked from the proxy's place. */
function runtimeCluster(
  name: string,
  body: ClusterBody,
  endpoints: readonly EndpointBody[],
  proxy: { readonly proxyLocality: string; readonly proxyLabels: Readonly<Record<string, string>> },
): RuntimeCluster {
  const balancer = createClusterBalancer(body.trafficPolicy, readyLbEndpoints(endpoints), {
    ...proxy,
    rng: Math.random,
  });
  return { name, body, endpoints, balancer, ...proxy };
}

function versionsOf(held: HeldConfig): Record<TypeUrl, string> {
  return {
    [TYPE_URLS.listeners]: held.listeners.version,
    [TYPE_URLS.routes]: held.routes.version,
    [TYPE_URLS.clusters]: held.clusters.version,
    [TYPE_URLS.endpoints]: held.endpoints.version,
  };
}
