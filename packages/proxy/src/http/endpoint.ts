// Picks the endpoint of one attempt with the cluster's balancer, as Envoy's router does per
// attempt: live in-flight counts for LEAST_REQUEST, the request's consistent-hash key, and Envoy's
// previous-hosts retry predicate (re-pick up to 5 times to avoid a host already tried). Answers
// NC when the table has no such cluster and UH when nothing is pickable, saying how many
// endpoints there are and how many are ready.
import { hashKeyFor, type ClusterRef, type LbEndpoint } from '@mesh/rules';
import type { RuntimeCluster } from '../config/types.js';
import type { ActiveRequests } from '../upstream/active-requests.js';
import { connectionSettingsOf } from '../upstream/pools.js';
import { withHeaders } from './headers.js';
import { localReply } from './local-reply.js';
import { whenDelivered } from './settle.js';
import type { Handler, HttpContext, Layer, UpstreamTarget } from './types.js';

/** Istio's host_selection_retry_max_attempts: re-picks after the first pick. */
const HOST_SELECTION_RETRIES = 5;

export interface EndpointLayerOptions {
  /** The destination the route chose (for messages). */
  readonly destination: ClusterRef;
  readonly clusterName: string;
  readonly cluster: RuntimeCluster | undefined;
  readonly active: ActiveRequests;
}

export function endpointLayer(options: EndpointLayerOptions): Layer {
  const { destination, clusterName, cluster, active } = options;
  return (next: Handler): Handler =>
    async (ctx) => {
      if (!cluster) return localReply(503, 'NC', noClusterReason(clusterName));
      ctx.info.attempts++;
      const endpoint = pick(cluster, ctx, active);
      if (!endpoint) return localReply(503, 'UH', noHealthyReason(destination, cluster));
      const upstream = targetOf(endpoint.id, cluster);
      ctx.info.upstreamHost = upstream.id;
      active.acquire(upstream.id);
      let released = false;
      const release = () => {
        if (!released) active.release(upstream.id);
        released = true;
      };
      try {
        const response = await next({
          ...ctx,
          upstream,
          // Istio turns on Envoy's include_request_attempt_count for every virtual host.
          headers: withHeaders(ctx.headers, { 'x-envoy-attempt-count': String(ctx.info.attempts) }),
        });
        whenDelivered(response, release);
        return response;
      } catch (err) {
        release();
        throw err;
      }
    };
}

function pick(
  cluster: RuntimeCluster,
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
    picked = cluster.balancer.pick(context);
    if (!picked || !avoid.includes(picked.id)) return picked;
  }
  // Every re-pick landed on a tried host: Envoy then goes with the last one.
  return picked;
}

const settingsCache = new WeakMap<RuntimeCluster, ReturnType<typeof connectionSettingsOf>>();

function targetOf(id: string, cluster: RuntimeCluster): UpstreamTarget {
  let settings = settingsCache.get(cluster);
  if (!settings) {
    settings = connectionSettingsOf(cluster.body.trafficPolicy);
    settingsCache.set(cluster, settings);
  }
  // Ids are `address:port`; the last colon separates them, IPv6 addresses included.
  const colon = id.lastIndexOf(':');
  return {
    id,
    address: id.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    port: Number(id.slice(colon + 1)),
    cluster: cluster.name,
    connectTimeoutMs: settings.connectTimeoutMs,
    maxRequestsPerConnection: settings.maxRequestsPerConnection,
  };
}

function queryOf(path: string): string | undefined {
  const q = path.indexOf('?');
  return q === -1 ? undefined : path.slice(q + 1);
}

export function noClusterReason(clusterName: string): string {
  return `no cluster ${clusterName} in this proxy's config: no DestinationRule defines that subset, or the service has no such port`;
}

export function noHealthyReason(destination: ClusterRef, cluster: RuntimeCluster): string {
  const total = cluster.endpoints.length;
  const ready = cluster.endpoints.filter((e) => e.ready).length;
  const subset = destination.subset ? ` subset ${destination.subset}` : '';
  const counts = `${total} endpoint${total === 1 ? '' : 's'}, ${ready} ready`;
  const why =
    ready > 0 ? ` (the ${cluster.balancer.policy} load balancer picked none of them)` : '';
  return `no healthy upstream for ${destination.host}${subset}: ${counts}${why}`;
}
