// buildSnapshot(): everything one proxy is sent, as a pure function of config, registry and the
// proxy's identity. No I/O, clock or randomness: equal inputs give byte-identical versions.
import { createHash } from 'node:crypto';
import { TYPE_URLS } from '@mesh/proto';
import { CLUSTER_DOMAIN, ISTIO_ROOT_NAMESPACE, MESH_GATEWAY } from '@mesh/rules';
import type {
  ConfigView,
  ProxyNode,
  ProxySnapshot,
  RegistryView,
  SnapshotOptions,
  TypeSnapshot,
} from '../model.js';
import { inboundClusters, outboundClusters, type ClusterSet } from './clusters.js';
import { gatewaysFor } from './gateways.js';
import { gatewayListeners, inboundListeners, OUTBOUND_LISTENER } from './listeners.js';
import { policyIndex, type PolicyIndex } from './policy.js';
import { destinationHosts, routeTable, selectVirtualServices } from './routes.js';
import { servicesOf, type MeshService } from './services.js';
import { compareText } from './order.js';
import { egressScope, selectSidecar } from './sidecar-scope.js';
import { attempt, qualifiedName } from './stored.js';
import { typeSnapshot } from './versions.js';
import { servicesForProxy } from './visible-services.js';

/**
 * What `node` is sent, per type URL. It reads the node only through its namespace, workload name,
 * labels, addresses and ports (never its id, version or readiness), so snapshots may be shared
 * by proxies alike in those.
 *
 * The outbound part (routes, outbound clusters and endpoints) depends on the proxy only through
 * its namespace, its Sidecar and its Gateways, so it is built once per such scope and per
 * (config, registry) pair and shared: a thousand sidecars of one namespace cost one build plus
 * their own inbound bits. The memo is keyed by object identity, which is safe because views are
 * immutable and replaced on change.
 */
export function buildSnapshot(
  config: ConfigView,
  registry: RegistryView,
  node: ProxyNode,
  options: SnapshotOptions = {},
): ProxySnapshot {
  const domain = options.domain ?? CLUSTER_DOMAIN;
  const rootNamespace = options.rootNamespace ?? ISTIO_ROOT_NAMESPACE;
  const world = worldOf(config, registry, options, domain);

  const gateways = gatewaysFor(config, node);
  const isGateway = gateways.length > 0;
  // Sidecar resources scope sidecars only; Istio gives gateways a default scope of everything.
  const sidecar = isGateway ? undefined : selectSidecar(config, node, rootNamespace);
  const scopeKey = JSON.stringify([
    node.namespace,
    sidecar ? qualifiedName(sidecar.resource) : '',
    gateways.map((g) => qualifiedName(g.resource)),
  ]);
  let outbound = world.outbound.get(scopeKey);
  if (!outbound) {
    outbound = buildOutbound(config, world, node, sidecar, gateways, domain);
    world.outbound.set(scopeKey, outbound);
  }

  const inbound = isGateway ? EMPTY : inboundClusters(node);
  const listeners = isGateway
    ? [OUTBOUND_LISTENER, ...gatewayListeners(gateways)]
    : [OUTBOUND_LISTENER, ...inboundListeners(node)];

  return {
    [TYPE_URLS.listeners]: typeSnapshot(listeners.map((l) => ({ name: l.name, body: l }))),
    [TYPE_URLS.routes]: outbound.routes,
    [TYPE_URLS.clusters]: mergeSnapshot(
      outbound.clusters,
      inbound.clusters.map((c) => ({ name: c.name, body: c })),
    ),
    [TYPE_URLS.endpoints]: mergeSnapshot(
      outbound.endpoints,
      inbound.endpoints.map((e) => ({ name: e.cluster, body: e })),
    ),
  };
}

interface SharedWorld {
  readonly services: readonly MeshService[];
  readonly policies: PolicyIndex;
  /** scope key -> the outbound part for proxies of that scope. */
  readonly outbound: Map<string, Outbound>;
}

interface Outbound {
  readonly routes: TypeSnapshot;
  readonly clusters: TypeSnapshot;
  readonly endpoints: TypeSnapshot;
}

const worlds = new WeakMap<ConfigView, WeakMap<RegistryView, Map<string, SharedWorld>>>();

function worldOf(
  config: ConfigView,
  registry: RegistryView,
  options: SnapshotOptions,
  domain: string,
): SharedWorld {
  let byRegistry = worlds.get(config);
  if (!byRegistry) worlds.set(config, (byRegistry = new WeakMap()));
  let byOptions = byRegistry.get(registry);
  if (!byOptions) byRegistry.set(registry, (byOptions = new Map()));
  const key = JSON.stringify([domain, options.rootNamespace ?? '']);
  let world = byOptions.get(key);
  if (!world) {
    const services = servicesOf(config, registry, options);
    world = { services, policies: policyIndex(config, services, domain), outbound: new Map() };
    byOptions.set(key, world);
  }
  return world;
}

function buildOutbound(
  config: ConfigView,
  world: SharedWorld,
  node: ProxyNode,
  sidecar: ReturnType<typeof selectSidecar>,
  gateways: ReturnType<typeof gatewaysFor>,
  domain: string,
): Outbound {
  // A Sidecar the builder cannot read leaves the proxy unscoped rather than cut off.
  const egress = sidecar
    ? attempt(() => egressScope(sidecar.resource, node, domain), undefined)
    : undefined;
  const virtualServices = selectVirtualServices(config, {
    namespace: node.namespace,
    scopes: new Set([MESH_GATEWAY, ...gateways.map((g) => qualifiedName(g.resource))]),
    egress,
    domain,
  });
  const referenced = attempt(() => destinationHosts(virtualServices, domain), new Set<string>());
  const sets = servicesForProxy(world.services, node.namespace, egress, referenced).map((s) =>
    attempt(() => outboundClusters(s, world.policies, node.namespace), EMPTY),
  );
  return {
    routes: typeSnapshot(
      virtualServices.flatMap((vs) =>
        attempt(() => {
          const body = routeTable(vs);
          return [{ name: body.name, body }];
        }, []),
      ),
    ),
    clusters: typeSnapshot(sets.flatMap((s) => s.clusters).map((c) => ({ name: c.name, body: c }))),
    endpoints: typeSnapshot(
      sets.flatMap((s) => s.endpoints).map((e) => ({ name: e.cluster, body: e })),
    ),
  };
}

/**
 * A shared set plus a proxy's own resources; on a name clash the shared one wins. The version
 * hashes the shared set's version with the own pairs, so a proxy costs O(own), not O(all): the
 * shared version already stands for its whole set.
 */
function mergeSnapshot(
  shared: TypeSnapshot,
  own: readonly { name: string; body: unknown }[],
): TypeSnapshot {
  if (own.length === 0) return shared;
  const taken = new Set(shared.resources.map((r) => r.name));
  const extra = typeSnapshot(own.filter((o) => !taken.has(o.name)));
  const resources = [...shared.resources, ...extra.resources].sort((a, b) =>
    compareText(a.name, b.name),
  );
  const version = createHash('sha256')
    .update(`${shared.version}+${extra.version}`)
    .digest('hex')
    .slice(0, 16);
  return { version, resources };
}

const EMPTY: ClusterSet = { clusters: [], endpoints: [] };
