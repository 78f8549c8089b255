// The outbound listener: the forward proxy every app sends its mesh calls through. Per request it
// takes the current table once (a request finishes on the table it started with, whatever is
// pushed meanwhile), asks @mesh/rules where the request goes, and runs the decision through the
// layers: CORS -> fault -> header ops -> mirror -> route timeout -> retry -> endpoint pick ->
// forward.
import { outboundClusterName } from '@mesh/rules';
import type { ClusterRef, ForwardDecision, MirrorDecision } from '@mesh/rules';
import type { ProxyTable } from '../config/types.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import type { RetryGate } from '../upstream/circuit-breakers.js';
import { createUpstreamPools, type UpstreamPools } from '../upstream/pools.js';
import type { AccessLogger } from './access-log.js';
import { corsLayer } from './cors.js';
import { endpointLayer } from './endpoint.js';
import { faultLayer } from './fault.js';
import { forwardHandler } from './forward.js';
import { headerOpsLayer } from './header-ops.js';
import { headersOf } from './headers.js';
import { localReply } from './local-reply.js';
import { MirrorStats, mirrorLayer, type MirrorTarget } from './mirror.js';
import { parseRequestTarget } from './request-target.js';
import { forwardContext, isForward, routeRequest, stampRequest } from './routing.js';
import { retryLayer } from './retry.js';
import {
  createProxyServer,
  hostOf,
  resolveLimits,
  type ProxyRequest,
  type ProxyServer,
  type ServerLimits,
} from './server.js';
import type { StreamInfo } from './stream-info.js';
import {
  outboundPeerHeader,
  stampOutbound,
  type RequestTelemetry,
} from '../telemetry/propagation.js';
import { timeoutLayer } from './timeout.js';
import type { Handler, HeaderMap, Layer, ProxyResponse } from './types.js';
import { compose } from './types.js';
import type { AbortSignalLike } from '../abort.js';

export interface OutboundServerOptions {
  /** The current table; read once per request. */
  readonly table: () => ProxyTable;
  /** Who this proxy is: route matches on sourceLabels / sourceNamespace read it. */
  readonly node: {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    /**
     * Set on a gateway listener: the Gateway (`ns/name`) whose VirtualServices route its
     * requests, as Envoy's gateway route configuration does. Absent: sidecar (mesh) routing.
     */
    readonly gateway?: string;
  };
  readonly log: AccessLogger;
  /** Shared with other listeners to share connections; created (and closed with the server) if absent. */
  readonly pools?: UpstreamPools;
  /** In-flight counts per endpoint, for LEAST_REQUEST; shared like pools. */
  readonly active?: ActiveRequests;
  /** Randomness for weights, balancers, fault percentages and backoff. */
  readonly rng?: () => number;
  readonly limits?: Partial<ServerLimits>;
  readonly onError?: (err: unknown) => void;
  /** Counters of mirrored requests, for the admin /stats; created if absent. */
  readonly mirrorStats?: MirrorStats;
  /** Operational messages (a mirror cluster missing from the config), each said once. */
  readonly warn?: (message: string) => void;
  /**
   * Gateway HTTP ports: true for a request authority whose Gateway server has
   * `tls.httpsRedirect`; it is answered 301 to https, as Envoy's require_tls does.
   */
  readonly httpsRedirect?: (authority: string) => boolean;
  /** Peer header and trace spans; absent: the proxy adds neither (tests, tools). */
  readonly telemetry?: RequestTelemetry;
}

/** A server, not yet listening. */
export function createOutboundServer(options: OutboundServerOptions): ProxyServer {
  const pools = options.pools ?? createUpstreamPools();
  const limits = resolveLimits(options.limits);
  const deps: Deps = {
    table: options.table,
    node: options.node,
    rng: options.rng ?? Math.random,
    active: options.active ?? new ActiveRequests(),
    forward: forwardHandler(pools),
    retryBufferBytes: limits.retryBufferBytes,
    httpsRedirect: options.httpsRedirect,
    telemetry: options.telemetry,
  };
  const mirroring: Mirroring = {
    stats: options.mirrorStats ?? new MirrorStats(),
    warn: options.warn,
  };
  const server = createProxyServer({
    direction: 'outbound',
    limits,
    log: options.log,
    onError: options.onError,
    handle: (req, info, signal) => handleOutbound(req, info, signal, deps, mirroring),
  });
  if (!options.pools) server.once('close', () => void pools.close());
  return server;
}

interface Deps {
  readonly table: () => ProxyTable;
  readonly node: OutboundServerOptions['node'];
  readonly rng: () => number;
  readonly active: ActiveRequests;
  readonly forward: Handler;
  readonly retryBufferBytes: number;
  readonly httpsRedirect: ((authority: string) => boolean) | undefined;
  readonly telemetry: RequestTelemetry | undefined;
}

/** What the mirror layer shares across requests. */
interface Mirroring {
  readonly stats: MirrorStats;
  readonly warn: ((message: string) => void) | undefined;
}

async function handleOutbound(
  req: ProxyRequest,
  info: StreamInfo,
  signal: AbortSignalLike,
  deps: Deps,
  mirroring: Mirroring,
): Promise<ProxyResponse> {
  const table = deps.table();
  info.generation = table.generation;
  const target = parseRequestTarget(req.url, hostOf(req.rawHeaders));
  if (typeof target === 'string') return localReply(400, 'DPE', target);
  info.authority = target.authority;
  info.path = target.path;
  if (deps.httpsRedirect?.(target.authority)) {
    return {
      status: 301,
      headers: { location: `https://${target.authority}${target.path}` },
      body: undefined,
    };
  }

  // A gateway's HTTPS port hands over TLS sockets: Envoy's scheme and x-forwarded-proto say so.
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  info.scheme = scheme;
  const fresh = headersOf(req);
  if (deps.telemetry) stampOutbound(fresh, info, deps.telemetry);
  const headers = stampRequest(fresh, info, scheme);
  const routed = routeRequest(
    table,
    {
      authority: target.authority,
      port: target.port,
      method: info.method,
      path: target.path,
      headers,
      scheme,
    },
    deps.node,
    deps.rng,
    info,
  );
  if (!isForward(routed)) return routed;
  info.destinationService = routed.destination.host;
  info.destinationPort = routed.destination.port;
  return forward(routed, req, headers, target.path, table, info, signal, deps, mirroring);
}

function forward(
  decision: ForwardDecision,
  req: ProxyRequest,
  headers: HeaderMap,
  originalPath: string,
  table: ProxyTable,
  info: StreamInfo,
  signal: AbortSignalLike,
  deps: Deps,
  mirroring: Mirroring,
): Promise<ProxyResponse> {
  const { ctx, clusterName } = forwardContext(
    decision,
    {
      headers,
      originalPath,
      body: req.body,
      signal,
      ...(deps.telemetry && {
        peerHeader: outboundPeerHeader(deps.telemetry, decision.destination.host),
      }),
    },
    info,
    deps,
  );
  // Envoy's filter chain: CORS, fault, then the router, which applies the route's header
  // operations, shadows the request to its mirrors and forwards it under the route timeout and
  // retry policy.
  const handler = compose(
    corsLayer(decision.cors),
    faultLayer(decision.fault),
    headerOpsLayer(decision.headers),
    mirrorLayer({
      targets: decision.mirrors.map((m) => mirrorTarget(m, table, deps)),
      timeoutMs: decision.timeoutMs,
      bufferBytes: deps.retryBufferBytes,
      stats: mirroring.stats,
      warn: mirroring.warn,
    }),
    timeoutLayer(decision.timeoutMs),
    retryLayer(decision.retry, retryGateOf(table, clusterName, deps.active)),
    endpointFor(decision.destination, clusterName, table, deps),
  )(deps.forward);
  return handler(ctx);
}

/** The endpoint pick for one cluster: the route's destination and each mirror's. */
function endpointFor(
  destination: ClusterRef,
  clusterName: string,
  table: ProxyTable,
  deps: Deps,
): Layer {
  return endpointLayer({
    destination,
    clusterName,
    cluster: table.clusters.get(clusterName),
    active: deps.active,
  });
}

/** A mirror sends through its cluster's balancer and the shared connection pools. */
function mirrorTarget(mirror: MirrorDecision, table: ProxyTable, deps: Deps): MirrorTarget {
  const { host, subset, port } = mirror.destination;
  const cluster = mirror.destination.cluster || outboundClusterName(port, subset, host);
  return {
    cluster,
    percentage: mirror.percentage,
    send: table.clusters.has(cluster)
      ? compose(endpointFor(mirror.destination, cluster, table, deps))(deps.forward)
      : undefined,
  };
}

/** The cluster's maxRetries budget, when the table has the cluster. */
export function retryGateOf(
  table: ProxyTable,
  clusterName: string,
  active: ActiveRequests,
): RetryGate | undefined {
  const cluster = table.clusters.get(clusterName);
  return cluster ? active.breakers.of(cluster) : undefined;
}
