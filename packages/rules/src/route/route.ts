// route(): one request -> one decision, read from the compiled tables. Hot path: no per-rule
// allocation; every matcher was compiled to a closure by compile().
import { pickWeighted } from '../lb/weighted.js';
import { findService, findVirtualHost, hostCandidates, normalizeHost } from '../compile/lookup.js';
import { MESH_GATEWAY } from '../compile/compile.js';
import { outboundClusterName } from '../compile/routes.js';
import { candidatesFor } from '../compile/path-index.js';
import type {
  ClusterRef,
  CompiledConfig,
  CompiledDestination,
  CompiledHttpRoute,
  CompiledL4Route,
  L4Request,
  RouteHeaderOps,
  RouteTable,
  ServiceInfo,
  VirtualHostEntry,
} from '../compile/types.js';
import { PreparedHttpRequest } from './prepare.js';
import { redirectLocation, rewritePath } from './rewrite.js';
import type {
  ForwardDecision,
  L4RouteRequest,
  L4RouteResult,
  MirrorDecision,
  NoRoute,
  NoRouteReason,
  RouteRequest,
  RouteResult,
} from './types.js';

// Without an injected rng the first destination with weight > 0 is taken: deterministic, for
// tools and tests. Proxies pass a real source of randomness.
const FIRST_PICKABLE = () => 0;
const NO_MIRRORS: readonly MirrorDecision[] = Object.freeze([]);
const EMPTY_HEADER_OPS: RouteHeaderOps = Object.freeze({
  request: Object.freeze({
    set: Object.freeze({}),
    add: Object.freeze([]),
    remove: Object.freeze([]),
  }),
  response: Object.freeze({
    set: Object.freeze({}),
    add: Object.freeze([]),
    remove: Object.freeze([]),
  }),
});

export function route(
  config: CompiledConfig,
  request: RouteRequest,
  rng: () => number = FIRST_PICKABLE,
): RouteResult {
  const scope = request.gateway ?? MESH_GATEWAY;
  const table = tableOf(config, scope);
  if (!table) return noRoute('unknown-gateway', `no VirtualService is bound to gateway ${scope}`);
  const req = new PreparedHttpRequest(request, scope);
  const { vhost, service } = lookupHost(config, table, req);
  if (!vhost) {
    if (!service)
      return noRoute('no-virtual-host', `no VirtualService or service for host ${req.host}`);
    return defaultRoute(config, service, req);
  }
  const routes = vhost.http;
  // Only routes whose uri could match this path, in their original order.
  const order = candidatesFor(vhost.httpIndex, req.path, req.headers, req.method);
  for (let c = 0; c < order.length; c++) {
    const r = routes[order[c]!]!;
    const m = matchedIndex(r, req);
    if (m !== -1) return decide(r, m, req, rng);
  }
  return noRoute(
    'no-route-matched',
    `no http route of VirtualService ${vhost.virtualService.namespace}/${vhost.virtualService.name} matched ${req.method} ${req.host}${req.path} on port ${req.port}`,
  );
}

/** TCP and TLS routing: first matching route of the VirtualService's tcp (or tls) list. */
export function routeL4(
  config: CompiledConfig,
  request: L4RouteRequest,
  rng: () => number = FIRST_PICKABLE,
): L4RouteResult {
  const scope = request.gateway ?? MESH_GATEWAY;
  const table = tableOf(config, scope);
  if (!table) return noRoute('unknown-gateway', `no VirtualService is bound to gateway ${scope}`);
  const req: L4Request = {
    host: normalizeHost(request.host),
    port: request.port,
    sni: request.sni,
    destinationIp: request.destinationIp,
    sourceLabels: request.sourceLabels ?? {},
    sourceNamespace: request.sourceNamespace ?? 'default',
    gateway: scope,
  };
  const hosts = candidates(table, req.host, req.sourceNamespace, config.domain);
  const vhost = findVirtualHost(table, hosts, req.sourceNamespace);
  if (!vhost) {
    const service = table.mergeHosts
      ? undefined
      : findService(config.services, hosts, req.sourceNamespace);
    if (!service)
      return noRoute('no-virtual-host', `no VirtualService or service for host ${req.host}`);
    const destination = clusterRef(service.host, undefined, req.port);
    return {
      action: 'forward',
      virtualService: null,
      routeIndex: -1,
      routeName: undefined,
      delegate: undefined,
      destination,
    };
  }
  const routes: readonly CompiledL4Route[] = request.protocol === 'tls' ? vhost.tls : vhost.tcp;
  for (const r of routes) {
    if (r.matches.length > 0 && !r.matches.some((m) => m(req))) continue;
    const picked = pickDestination(r.destinations, r.weights, rng);
    if (!picked)
      return noRoute(
        'no-destination',
        `${request.protocol} route ${r.index} has no destination with weight > 0`,
      );
    return {
      action: 'forward',
      virtualService: r.virtualService,
      routeIndex: r.index,
      routeName: undefined,
      delegate: undefined,
      destination: resolveCluster(picked, req.port),
    };
  }
  return noRoute(
    'no-route-matched',
    `no ${request.protocol} route matched ${req.host}:${req.port}`,
  );
}

interface HostLookup {
  readonly vhost: VirtualHostEntry | undefined;
  /** The known service, when no VirtualService has the host (sidecars only). */
  readonly service: ServiceInfo | undefined;
}

// The host lookup (candidate names, exact then wildcard tables, visibility, which VirtualService
// Istio builds for this proxy) depends only on the host, the port and who is asking, and a proxy
// asks the same few hosts over and over: it is remembered per table, per source-labels object
// (a proxy passes the same one each time; labels must not be changed in place) and per
// host/port/namespace. Bounded, so arbitrary Host headers cannot grow it without limit.
const hostMemo = new WeakMap<RouteTable, WeakMap<object, Map<string, HostLookup>>>();
const HOST_MEMO_LIMIT = 1024;

function lookupHost(
  config: CompiledConfig,
  table: RouteTable,
  req: PreparedHttpRequest,
): HostLookup {
  let byLabels = hostMemo.get(table);
  if (!byLabels) {
    byLabels = new WeakMap();
    hostMemo.set(table, byLabels);
  }
  let memo = byLabels.get(req.sourceLabels);
  if (!memo) {
    memo = new Map();
    byLabels.set(req.sourceLabels, memo);
  }
  const key = `${req.host}\0${req.port}\0${req.sourceNamespace}`;
  let found = memo.get(key);
  if (!found) {
    const hosts = candidates(table, req.host, req.sourceNamespace, config.domain);
    const vhost = findVirtualHost(table, hosts, req.sourceNamespace, req);
    const service =
      vhost || table.mergeHosts
        ? undefined
        : findService(config.services, hosts, req.sourceNamespace);
    found = { vhost, service };
    if (memo.size >= HOST_MEMO_LIMIT) memo.clear();
    memo.set(key, found);
  }
  return found;
}

function tableOf(config: CompiledConfig, scope: string): RouteTable | undefined {
  return scope === MESH_GATEWAY ? config.mesh : config.gateways[scope];
}

function candidates(
  table: RouteTable,
  host: string,
  namespace: string,
  domain: string,
): readonly string[] {
  // Gateways see external names as written; sidecars also answer to a service's short names.
  return table.mergeHosts ? [host] : hostCandidates(host, namespace, domain);
}

/** -1: no match; -2: the route has no match list (matches everything); else the match index. */
function matchedIndex(r: CompiledHttpRoute, req: PreparedHttpRequest): number {
  const matches = r.matches;
  if (matches.length === 0) return -2;
  for (let j = 0; j < matches.length; j++) if (matches[j]!(req)) return j;
  return -1;
}

function decide(
  r: CompiledHttpRoute,
  matchIndex: number,
  req: PreparedHttpRequest,
  rng: () => number,
): RouteResult {
  // Object literals with every field spelled out (no spreads) keep decisions cheap and monomorphic.
  if (r.redirect) {
    return {
      action: 'redirect',
      virtualService: r.virtualService,
      routeIndex: r.index,
      routeName: r.name,
      delegate: r.delegate,
      status: r.redirect.code,
      location: redirectLocation(r.redirect, req),
      headers: EMPTY_HEADER_OPS,
    };
  }
  if (r.directResponse) {
    return {
      action: 'direct-response',
      virtualService: r.virtualService,
      routeIndex: r.index,
      routeName: r.name,
      delegate: r.delegate,
      status: r.directResponse.status,
      body: r.directResponse.body,
      headers: EMPTY_HEADER_OPS,
    };
  }
  const picked = pickDestination(r.destinations, r.weights, rng);
  if (!picked) {
    return noRoute(
      'no-destination',
      `http route ${r.index} of ${r.virtualService.namespace}/${r.virtualService.name} has no destination with weight > 0`,
    );
  }
  const kind = matchIndex >= 0 ? r.matchKinds[matchIndex]! : NONE_KIND;
  return {
    action: 'forward',
    virtualService: r.virtualService,
    routeIndex: r.index,
    routeName: r.name,
    delegate: r.delegate,
    destination: resolveCluster(picked, req.port),
    path: rewritePath(r.rewrite, kind, req),
    authority: picked.authority ?? req.authority,
    timeoutMs: r.timeoutMs,
    retry: r.retry,
    fault: r.fault,
    mirrors: r.mirrors.length === 0 ? NO_MIRRORS : r.mirrors.map((m) => mirrorOf(m, req.port)),
    cors: r.cors,
    headers: picked.headers,
  };
}

function mirrorOf(m: CompiledHttpRoute['mirrors'][number], port: number): MirrorDecision {
  return { destination: resolveCluster(m.destination, port), percentage: m.percentage };
}

const NONE_KIND = Object.freeze({ kind: 'none' as const });

function defaultRoute(
  config: CompiledConfig,
  service: ServiceInfo,
  req: PreparedHttpRequest,
): ForwardDecision {
  // Istio's default route: everything to the service's own cluster for this port, default retries.
  const single = service.ports.length === 1 ? service.ports[0]?.number : undefined;
  const declared = service.ports.some((p) => p.number === req.port);
  const port = declared ? req.port : (single ?? req.port);
  const host = service.host.startsWith('*') ? req.host : service.host;
  return {
    action: 'forward',
    virtualService: null,
    routeIndex: -1,
    routeName: undefined,
    delegate: undefined,
    destination: clusterRef(host, undefined, port),
    path: req.query ? `${req.path}?${req.query}` : req.path,
    authority: req.authority,
    timeoutMs: undefined,
    retry: config.defaultRetry,
    fault: undefined,
    mirrors: NO_MIRRORS,
    cors: undefined,
    headers: EMPTY_HEADER_OPS,
  };
}

function pickDestination(
  destinations: readonly CompiledDestination[],
  weights: readonly number[],
  rng: () => number,
): CompiledDestination | undefined {
  if (destinations.length === 1) return destinations[0];
  const i = pickWeighted(weights, rng);
  return i === -1 ? undefined : destinations[i];
}

function resolveCluster(d: CompiledDestination, requestPort: number): ClusterRef {
  if (d.port !== undefined && d.cluster !== undefined) {
    return { host: d.host, subset: d.subset, port: d.port, cluster: d.cluster };
  }
  return clusterRef(d.host, d.subset, requestPort);
}

function clusterRef(host: string, subset: string | undefined, port: number): ClusterRef {
  return { host, subset, port, cluster: outboundClusterName(port, subset, host) };
}

function noRoute(reason: NoRouteReason, message: string): NoRoute {
  return { action: 'no-route', reason, message };
}
