// Picks the endpoint of one attempt with the cluster's balancer, as Envoy's router does per
// attempt: live in-flight counts for LEAST_REQUEST, the request's consistent-hash key, and Envoy's
// previous-hosts retry predicate (re-pick up to 5 times to avoid a host already tried). Hosts
// that outlier detection ejected are left out (a balancer rebuilt over the rest). The cluster's
// circuit breaker then gives the attempt a connection, makes it wait for one, or turns it away
// (503 UO); each outcome goes back to outlier detection. Answers NC when the table has no such
// cluster and UH when nothing is pickable, saying how many endpoints there are, how many are
// ready and how many are ejected. A PASSTHROUGH cluster does not pick: the attempt goes to the
// request's original destination (upstream/original-destination.ts).
import {
  hashKeyFor,
  isPassthroughLb,
  type ClusterRef,
  type EndpointLoadBalancer,
  type LbEndpoint,
} from '@mesh/rules';
import type { RuntimeCluster } from '../config/types.js';
import type { ActiveRequests } from '../upstream/active-requests.js';
import type { OutlierDetector } from '../upstream/outlier-detection.js';
import { originalDestinationOf } from '../upstream/original-destination.js';
import { connectionSettingsOf, type UpstreamAddress } from '../upstream/pools.js';
import { upstreamTlsOf } from '../upstream/tls-origination.js';
import { overflowReply } from './circuit-overflow.js';
import { localReply } from './local-reply.js';
import { abortedReply, whenDelivered } from './settle.js';
import type { Handler, HttpContext, Layer, ProxyResponse, UpstreamTarget } from './types.js';

/** Istio's host_selection_retry_max_attempts: re-picks after the first pick. */
const HOST_SELECTION_RETRIES = 5;

export interface EndpointLayerOptions {
  /** The destination the route chose (for messages). */
  readonly destination: ClusterRef;
  readonly clusterName: string;
  readonly cluster: RuntimeCluster | undefined;
  /** The proxy's live upstream state: in-flight counts, circuit breakers, outlier detectors. */
  readonly active: ActiveRequests;
}

export function endpointLayer(options: EndpointLayerOptions): Layer {
  const { destination, clusterName, cluster, active } = options;
  return (next: Handler): Handler =>
    async (ctx) => {
      if (!cluster) return localReply(503, 'NC', noClusterReason(clusterName));
      ctx.info.attempts++;
      const detector = active.outliers.of(cluster);
      const balancer = detector
        ? active.outliers.balancerOf(cluster, detector, ctx.rng)
        : cluster.balancer;
      let endpointId: string;
      if (isPassthroughLb(balancer)) {
        const original = await originalDestinationOf(
          ctx.info.authority,
          cluster.body.port.number ?? 80,
        );
        if ('error' in original)
          return localReply(
            503,
            'UH',
            `no healthy upstream for ${destination.host}: PASSTHROUGH load balancer: ${original.error}`,
          );
        endpointId = original.id;
      } else {
        const endpoint = pick(cluster, balancer, ctx, active);
        if (!endpoint)
          return localReply(503, 'UH', noHealthyReason(destination, cluster, detector, balancer));
        endpointId = endpoint.id;
      }
      const upstream = targetOf(endpointId, cluster);
      ctx.info.upstreamHost = upstream.id;
      ctx.info.upstreamLabels = upstream.labels;

      const breaker = active.breakers.of(cluster);
      const admission = breaker.admitNow(ctx.signal) ?? (await breaker.admit(ctx.signal));
      if (admission.kind === 'aborted') return abortedReply(ctx.signal.reason);
      if (admission.kind === 'overflow') return overflowReply(cluster.name, admission.reason);

      active.acquire(upstream.id);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        active.release(upstream.id);
        admission.release();
      };
      try {
        // Istio turns on Envoy's include_request_attempt_count for every virtual host.
        const response = await next({ ...ctx, upstream, attemptCount: ctx.info.attempts });
        const status = outlierStatusOf(response);
        if (detector && status !== undefined) detector.record(upstream.id, status);
        whenDelivered(response, release);
        return response;
      } catch (err) {
        release();
        throw err;
      }
    };
}

/**
 * What an attempt's outcome tells outlier detection, as Envoy's router reports it: the status of
 * an upstream response; 503 for a connection that failed or broke (any upstream reset), 504 for
 * a timeout; nothing for replies that never involved the host (the client left, a bug).
 */
export function outlierStatusOf(response: ProxyResponse): number | undefined {
  const local = response.local;
  if (!local) return response.status;
  switch (local.failure) {
    case 'connect-failure':
    case 'reset':
      return 503;
    case 'timeout':
      return 504;
    case undefined:
      // An unparseable response is a reset with reason protocol error in Envoy.
      return local.flag === 'UPE' ? 503 : undefined;
  }
}

function pick(
  cluster: RuntimeCluster,
  balancer: EndpointLoadBalancer,
  ctx: HttpContext,
  active: ActiveRequests,
): LbEndpoint | undefined {
  const hash = cluster.body.trafficPolicy.loadBalancer?.consistentHash;
  const hashKey = hash
    ? hashKeyFor(hash, {
        headers: ctx.headers,
        query: queryOf(ctx.path),
        ...(ctx.info.downstreamAddress !== undefined && { sourceIp: ctx.info.downstreamAddress }),
      })
    : undefined;
  const context = {
    rng: ctx.rng,
    activeRequestsOf: active.of,
    ...(hashKey !== undefined && { hashKey }),
  };
  const avoid = ctx.previousHosts;
  let picked: LbEndpoint | undefined;
  for (let i = 0; i <= HOST_SELECTION_RETRIES; i++) {
    picked = balancer.pick(context);
    if (!picked || !avoid.includes(picked.id)) return picked;
  }
  // Every re-pick landed on a tried host: Envoy then goes with the last one.
  return picked;
}

type Target = UpstreamTarget & UpstreamAddress;
// Per cluster of a table (tables are immutable): its endpoints' targets, made on first use.
const targetCache = new WeakMap<RuntimeCluster, Map<string, Target>>();

/**
 * The target also carries the cluster's pool settings (UpstreamAddress) for the forward handler's
 * pools.get(); UpstreamTarget itself names only the connect timeout and requests per connection.
 */
function targetOf(id: string, cluster: RuntimeCluster): Target {
  let targets = targetCache.get(cluster);
  if (!targets) {
    targets = new Map();
    targetCache.set(cluster, targets);
  }
  let target = targets.get(id);
  if (!target) {
    // PASSTHROUGH ids are whatever callers ask for: keep the map from growing without bound.
    if (targets.size >= MAX_CACHED_TARGETS) targets.clear();
    target = makeTarget(id, cluster);
    targets.set(id, target);
  }
  return target;
}

const MAX_CACHED_TARGETS = 4096;

/** Ports whose sidecar inbound listener parses HTTP (and so strips the peer header). */
const HTTP_PORT_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

function makeTarget(id: string, cluster: RuntimeCluster): Target {
  const settings = connectionSettingsOf(cluster.body.trafficPolicy);
  // Ids are `address:port`; the last colon separates them, IPv6 addresses included.
  const colon = id.lastIndexOf(':');
  // Balancer ids are `address:port` (config/balancer.ts); PASSTHROUGH ids match no endpoint.
  const endpoint = cluster.endpoints.find((e) => `${e.address}:${e.port}` === id);
  return Object.freeze({
    id,
    address: id.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    port: Number(id.slice(colon + 1)),
    cluster: cluster.name,
    connectTimeoutMs: settings.connectTimeoutMs,
    maxRequestsPerConnection: settings.maxRequestsPerConnection,
    maxConnections: settings.maxConnections,
    idleTimeoutMs: settings.idleTimeoutMs,
    tls: upstreamTlsOf(cluster.body.trafficPolicy, cluster.body.host),
    // A TCP port's inbound listener splices bytes unparsed: nothing there would strip the header.
    sidecar:
      (endpoint?.source.startsWith('proxy ') ?? false) &&
      HTTP_PORT_PROTOCOLS.has((cluster.body.port.protocol ?? '').toUpperCase()),
    ...(endpoint && { labels: endpoint.labels }),
  });
}

function queryOf(path: string): string | undefined {
  const q = path.indexOf('?');
  return q === -1 ? undefined : path.slice(q + 1);
}

export function noClusterReason(clusterName: string): string {
  return `no cluster ${clusterName} in this proxy's config: no DestinationRule defines that subset, or the service has no such port`;
}

export function noHealthyReason(
  destination: ClusterRef,
  cluster: RuntimeCluster,
  detector?: OutlierDetector,
  balancer: EndpointLoadBalancer = cluster.balancer,
): string {
  const total = cluster.endpoints.length;
  const ready = cluster.endpoints.filter((e) => e.ready).length;
  const ejected = detector?.ejectedCount ?? 0;
  const subset = destination.subset ? ` subset ${destination.subset}` : '';
  let counts = `${total} endpoint${total === 1 ? '' : 's'}`;
  // "2 endpoints, 2 ejected by outlier detection" when all are ready; the ready count otherwise.
  if (ejected === 0 || ready < total) counts += `, ${ready} ready`;
  if (ejected > 0) counts += `, ${ejected} ejected by outlier detection`;
  const why =
    ready - ejected > 0 ? ` (the ${balancer.policy} load balancer picked none of them)` : '';
  return `no healthy upstream for ${destination.host}${subset}: ${counts}${why}`;
}
