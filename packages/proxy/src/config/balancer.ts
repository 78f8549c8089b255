// A cluster's load balancer, built one way for the table and for outlier detection's rebuilds, so
// that an ejection moves traffic exactly as far as Istio's priorities say.
//
// When Istio applies locality failover (checked against istio/istio):
// - pilot/pkg/xds/endpoints/endpoint_builder.go: "Failover should only be enabled when there is
//   an outlier detection, otherwise Envoy will never detect the hosts are unhealthy and redirect
//   traffic" -- enableFailover is `outlierDetection != nil` in the cluster's merged traffic policy
//   (DestinationRule top level, port level, then subset).
// - pilot/pkg/networking/core/loadbalancer/loadbalancer.go, GetLocalityLbSetting: the
//   DestinationRule's localityLbSetting wins; `enabled: false` there turns locality LB off even
//   though the mesh has it on; without one, meshConfig.localityLbSetting applies, whose default is
//   `{enabled: true}` (pkg/config/mesh/mesh.go, DefaultMeshConfig). We have no meshConfig, so the
//   default stands. ApplyLocalityLoadBalancer then assigns the failover priorities (or, with
//   `distribute`, locality weights instead).
// - The istio.io locality failover task says the same to users: outlier detection "is required in
//   order for failover to function properly".
// Istio computes the priorities per proxy in EDS; here the control plane sends every proxy the
// same endpoints with their localities, and each proxy ranks them against its own.
// `distribute` is applied whatever the outlier detection (ApplyLocalityLoadBalancer sets locality
// weights unconditionally; only failover waits for ejections), unless `enabled: false`.
// failoverPriority ranks endpoints by the listed labels compared with the proxy's, topology labels
// derived from each side's locality (withTopologyLabels).
import type { EndpointBody } from '@mesh/proto';
import {
  createLoadBalancer,
  createLocalityFailoverLoadBalancer,
  createLocalityWeightedLoadBalancer,
  distributeLocalityWeights,
  localityPriorityLevels,
  type EndpointLoadBalancer,
  type LbEndpoint,
  type LocalityLbSetting,
  type ResolvedTrafficPolicy,
} from '@mesh/rules';

/** Istio's meshConfig.localityLbSetting default. */
export const MESH_DEFAULT_LOCALITY_LB_SETTING: LocalityLbSetting = Object.freeze({ enabled: true });

export interface ClusterBalancerOptions {
  /** The proxy's own locality, "region/zone/subzone" ('' unknown). */
  readonly proxyLocality: string;
  /** The proxy's labels (failoverPriority); its topology labels are added from its locality. */
  readonly proxyLabels?: Readonly<Record<string, string>>;
  /** Construction-time randomness (round-robin start); absent: start at the first endpoint. */
  readonly rng?: () => number;
  /** Envoy's healthy_panic_threshold; outlier detection sets it from minHealthPercent. */
  readonly panicThresholdPercent?: number;
}

/**
 * The locality setting that splits this cluster's endpoints into failover priority levels, or
 * undefined when Istio would balance over them flat (no outlierDetection, `enabled: false`) or
 * weight them instead (`distribute`, localityWeightsOf).
 */
export function localityFailoverOf(policy: ResolvedTrafficPolicy): LocalityLbSetting | undefined {
  if (!policy.outlierDetection) return undefined;
  const setting = policy.loadBalancer?.localityLbSetting ?? MESH_DEFAULT_LOCALITY_LB_SETTING;
  if (setting.enabled === false || (setting.distribute?.length ?? 0) > 0) return undefined;
  return setting;
}

/** The DestinationRule's `distribute` setting, when Istio would weight localities by it. */
export function localityWeightsOf(policy: ResolvedTrafficPolicy): LocalityLbSetting | undefined {
  const setting = policy.loadBalancer?.localityLbSetting;
  if (!setting || setting.enabled === false || (setting.distribute?.length ?? 0) === 0)
    return undefined;
  return setting;
}

/** The balancer of a cluster with `policy` over `endpoints` (its ready ones, health as known). */
export function createClusterBalancer(
  policy: ResolvedTrafficPolicy,
  endpoints: readonly LbEndpoint[],
  options: ClusterBalancerOptions,
): EndpointLoadBalancer {
  const lbOptions = {
    ...(options.rng && { rng: options.rng }),
    ...(options.panicThresholdPercent !== undefined && {
      panicThresholdPercent: options.panicThresholdPercent,
    }),
  };
  if (localityWeightsOf(policy))
    return createLocalityWeightedLoadBalancer(policy.loadBalancer, endpoints, {
      ...lbOptions,
      proxyLocality: options.proxyLocality,
    });
  const locality = localityFailoverOf(policy);
  if (!locality) return createLoadBalancer(policy.loadBalancer, endpoints, lbOptions);
  return createLocalityFailoverLoadBalancer(
    // The mesh default has to reach the factory as if the DestinationRule had said it.
    { ...policy.loadBalancer, localityLbSetting: locality },
    endpoints,
    {
      ...lbOptions,
      proxyLocality: options.proxyLocality,
      proxyLabels: withTopologyLabels(options.proxyLabels ?? {}, options.proxyLocality),
    },
  );
}

/**
 * Only ready endpoints reach a balancer, as Istio sends only ready ones to Envoy: Envoy's panic
 * mode would otherwise route to draining or starting workloads when most are not ready.
 */
export function readyLbEndpoints(endpoints: readonly EndpointBody[]): LbEndpoint[] {
  return endpoints.filter((e) => e.ready).map(lbEndpointOf);
}

export function lbEndpointOf(e: EndpointBody): LbEndpoint {
  return {
    id: `${e.address}:${e.port}`,
    weight: e.weight,
    healthy: e.ready,
    ...(e.locality && { locality: e.locality }),
    labels: withTopologyLabels(e.labels ?? {}, e.locality),
  };
}

/**
 * Istio adds the well-known topology labels from a workload's locality to the labels that
 * failoverPriority compares (pilot AugmentLabels), for proxies and endpoints alike.
 */
export function withTopologyLabels(
  labels: Readonly<Record<string, string>>,
  locality: string | undefined,
): Readonly<Record<string, string>> {
  if (!locality) return labels;
  const [region = '', zone = '', subzone = ''] = locality.split('/');
  return {
    ...labels,
    ...(region && { 'topology.kubernetes.io/region': region }),
    ...(zone && { 'topology.kubernetes.io/zone': zone }),
    ...(subzone && { 'topology.istio.io/subzone': subzone }),
  };
}

/**
 * Each ready endpoint's failover priority level (0 first) as this proxy ranks it, for the admin
 * page; undefined for clusters balanced flat.
 */
export function priorityLevelsOf(
  policy: ResolvedTrafficPolicy,
  endpoints: readonly EndpointBody[],
  proxyLocality: string,
  proxyLabels: Readonly<Record<string, string>> = {},
): ReadonlyMap<string, number> | undefined {
  const locality = localityFailoverOf(policy);
  if (!locality) return undefined;
  const levels = localityPriorityLevels(
    readyLbEndpoints(endpoints),
    proxyLocality,
    locality.failover,
    locality.failoverPriority?.length
      ? {
          labels: locality.failoverPriority,
          proxyLabels: withTopologyLabels(proxyLabels, proxyLocality),
        }
      : undefined,
  );
  const out = new Map<string, number>();
  levels.forEach((level, i) => {
    for (const e of level) out.set(e.id, i);
  });
  return out;
}

/**
 * With `distribute`, each ready endpoint's locality weight as this proxy applies it (0: no
 * traffic), for the admin page; undefined when no entry is from the proxy's locality or the
 * cluster is not weighted.
 */
export function localityWeightsByEndpoint(
  policy: ResolvedTrafficPolicy,
  endpoints: readonly EndpointBody[],
  proxyLocality: string,
): ReadonlyMap<string, number> | undefined {
  const setting = localityWeightsOf(policy);
  if (!setting?.distribute) return undefined;
  const ready = readyLbEndpoints(endpoints);
  const localities = distributeLocalityWeights(ready, proxyLocality, setting.distribute);
  if (!localities) return undefined;
  const out = new Map<string, number>(ready.map((e) => [e.id, 0]));
  for (const l of localities) for (const e of l.endpoints) out.set(e.id, l.weight);
  return out;
}
