// Upstream state and connections: pools, live in-flight counts, circuit breakers and outlier
// detection, plus the read-only picture of them the admin `/clusters` page shows.
import { localityWeightsByEndpoint, priorityLevelsOf } from '../config/balancer.js';
import type { ProxyTable } from '../config/types.js';
import type { ActiveRequests } from './active-requests.js';
import {
  circuitBreakerLimitsOf,
  type CircuitBreakerLimits,
  type CircuitBreakerStats,
} from './circuit-breakers.js';
import { outlierSettingsOf, type OutlierSettings } from './outlier-detection.js';
import type { UpstreamPools } from './pools.js';

export { ActiveRequests, type ActiveRequestsOptions } from './active-requests.js';
export {
  CircuitBreaker,
  CircuitBreakers,
  circuitBreakerLimitsOf,
  DEFAULT_CIRCUIT_BREAKER_LIMITS,
  UNLIMITED,
  type Admission,
  type CircuitBreakerLimits,
  type CircuitBreakerStats,
  type OverflowKind,
  type RetryGate,
} from './circuit-breakers.js';
export {
  OutlierDetector,
  OutlierDetectors,
  outlierSettingsOf,
  type HostOutlierView,
  type OutlierSettings,
} from './outlier-detection.js';
export {
  connectionSettingsOf,
  createUpstreamPools,
  originOf,
  type UpstreamAddress,
  type UpstreamPools,
  type UpstreamPoolsOptions,
} from './pools.js';
export { classifyUpstreamError, type UpstreamErrorKind } from './failure.js';

export interface ClusterHealthView {
  readonly name: string;
  /** The cluster's circuit breaker: limits (2^32-1 is unlimited), gauges and overflow counts. */
  readonly circuitBreakers: CircuitBreakerStats;
  /** Present when the cluster's DestinationRule sets outlierDetection. */
  readonly outlierDetection?: {
    readonly settings: OutlierSettings;
    readonly ejectedEndpoints: number;
    /** Ejections maxEjectionPercent refused. */
    readonly ejectionOverflows: number;
  };
  /** Present when locality failover ranks the endpoints: the locality they are ranked from. */
  readonly localityFailover?: { readonly proxyLocality: string };
  readonly endpoints: readonly EndpointHealthView[];
}

export interface EndpointHealthView {
  /** `address:port`. */
  readonly id: string;
  readonly ready: boolean;
  /** "region/zone/subzone" as the endpoint was sent ('' none). */
  readonly locality: string;
  /**
   * With locality failover, the endpoint's priority level (0 is tried first); absent for
   * endpoints not ready, which no balancer sees.
   */
  readonly priority?: number;
  /**
   * With `distribute`, the weight of the endpoint's locality as this proxy applies it (0: its
   * locality is named by no `to` and gets no traffic); absent otherwise.
   */
  readonly localityWeight?: number;
  /** In flight to this endpoint from every cluster (what LEAST_REQUEST balances on). */
  readonly activeRequests: number;
  /** Open connections to this endpoint, busy or idle, when the pools were given. */
  readonly openConnections?: number;
  /** Outlier detection's monitor of this endpoint in this cluster, when it has one. */
  readonly outlier?: {
    readonly consecutive5xx: number;
    readonly consecutiveGatewayErrors: number;
    readonly timesEjected: number;
    readonly ejectionMultiplier: number;
  };
  /** Present while ejected: since when and until which sweep (ISO times), and how often so far. */
  readonly ejected?: { readonly since: string; readonly until: string; readonly times: number };
}

/**
 * Per cluster of `table`, what the circuit breakers and outlier detectors hold right now. Reads
 * only; outlier detectors are first brought up to the clock (the sweeps an Envoy timer would have
 * run), so an endpoint whose ejection is over shows as back.
 */
export function clusterHealthView(
  table: ProxyTable,
  active: ActiveRequests,
  pools?: UpstreamPools,
): ClusterHealthView[] {
  const views: ClusterHealthView[] = [];
  for (const cluster of table.clusters.values()) {
    const policy = cluster.body.trafficPolicy;
    const settings = outlierSettingsOf(policy);
    const detector = settings ? active.outliers.get(cluster.name) : undefined;
    detector?.sweep();
    const breaker = active.breakers.get(cluster.name);
    const proxyLocality = cluster.proxyLocality ?? '';
    const priorities = priorityLevelsOf(
      policy,
      cluster.endpoints,
      proxyLocality,
      cluster.proxyLabels,
    );
    const localityWeights = localityWeightsByEndpoint(policy, cluster.endpoints, proxyLocality);
    const endpoints = cluster.endpoints.map((e): EndpointHealthView => {
      const id = `${e.address}:${e.port}`;
      const monitor = detector?.view(id);
      const priority = priorities?.get(id);
      const localityWeight = localityWeights?.get(id);
      return {
        id,
        ready: e.ready,
        locality: e.locality,
        ...(priority !== undefined && { priority }),
        ...(localityWeight !== undefined && { localityWeight }),
        activeRequests: active.get(id),
        ...(pools && { openConnections: pools.connectionsTo(e.address, e.port) }),
        ...(monitor && {
          outlier: {
            consecutive5xx: monitor.consecutive5xx,
            consecutiveGatewayErrors: monitor.consecutiveGatewayErrors,
            timesEjected: monitor.timesEjected,
            ejectionMultiplier: monitor.multiplier,
          },
        }),
        ...(monitor?.ejected && {
          ejected: {
            since: new Date(monitor.ejected.since).toISOString(),
            until: new Date(monitor.ejected.until).toISOString(),
            times: monitor.timesEjected,
          },
        }),
      };
    });
    views.push({
      name: cluster.name,
      circuitBreakers: breaker?.stats ?? idleStats(circuitBreakerLimitsOf(policy)),
      ...(settings && {
        outlierDetection: {
          settings,
          ejectedEndpoints: detector?.ejectedCount ?? 0,
          ejectionOverflows: detector?.ejectionOverflows ?? 0,
        },
      }),
      ...(priorities && { localityFailover: { proxyLocality } }),
      endpoints,
    });
  }
  return views;
}

function idleStats(limits: CircuitBreakerLimits): CircuitBreakerStats {
  return {
    limits,
    activeRequests: 0,
    pendingRequests: 0,
    activeRetries: 0,
    connectionOverflows: 0,
    pendingOverflows: 0,
    requestOverflows: 0,
    retryOverflows: 0,
  };
}
