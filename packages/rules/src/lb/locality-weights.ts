// Locality weights: Istio's LocalityLoadBalancerSetting.distribute turned into Envoy locality
// weights, and Envoy's choice of a locality per request.
//
// Istio (pilot loadbalancer.go, applyLocalityWeights) takes the first `distribute` entry whose
// `from` matches the proxy's locality. Each `to` pattern then shares its weight among the
// endpoint localities it matches that no earlier pattern took, in proportion to their own weight
// (Istio's locality weight is the sum of its endpoints' weights), rounded up. Localities no
// pattern matches lose their endpoints: they get no traffic. Patterns match as Istio's
// LocalityMatch does: `*` matches any part, and a missing zone or subzone matches any.
// Two corners follow Istio's code rather than intuition: a pattern with weight 0 leaves its
// localities at their own weight instead of removing them, and where patterns overlap the first
// one in the map takes the locality (Go's map order is random; ours is the YAML's order).
//
// Envoy (arch_overview/upstream/load_balancing/locality_weight) then picks a locality with
// probability proportional to its weight times its availability, min(1, 1.4 x healthy share),
// and a host inside it with the cluster's policy. Istio applies weights whether or not the
// DestinationRule has outlier detection: unlike failover, nothing here waits for an ejection.
// Not modelled: degraded hosts; hash policies (RING_HASH, MAGLEV) get the distribute's hosts but
// no weights, as Envoy's hash balancers do not take locality weights.
import type { LoadBalancerSettings, LocalityLbSetting } from '../api/destination-rule.js';
import { DEFAULT_LB_OVERPROVISIONING_FACTOR_PERCENT, isLbHealthy } from './health.js';
import { createLoadBalancer, type LbFactoryOptions } from './load-balancer.js';
import { parseLbLocality } from './locality.js';
import type { LocalityLbOptions } from './locality.js';
import {
  lbWeightOf,
  type EndpointLoadBalancer,
  type LbEndpoint,
  type LbPickContext,
} from './types.js';

/** One locality's endpoints and the weight Istio gives it. */
export interface WeightedLocality {
  /** "region/zone/subzone" as the endpoints carry it ('' when they have none). */
  readonly locality: string;
  readonly endpoints: readonly LbEndpoint[];
  readonly weight: number;
}

/** Istio's util.LocalityMatch: `*` matches any part; an empty zone or subzone matches any. */
export function localityPatternMatches(pattern: string, locality: string): boolean {
  const rule = parseLbLocality(pattern);
  const actual = parseLbLocality(locality);
  return (
    (rule.region === '*' || rule.region === actual.region) &&
    (rule.zone === '*' || rule.zone === '' || rule.zone === actual.zone) &&
    (rule.subzone === '*' || rule.subzone === '' || rule.subzone === actual.subzone)
  );
}

/**
 * The localities that get traffic from a proxy in `proxyLocality`, with their weights; undefined
 * when no `distribute` entry is `from` the proxy's locality (Istio then leaves the weights alone:
 * plain balancing over every endpoint).
 */
export function distributeLocalityWeights(
  endpoints: readonly LbEndpoint[],
  proxyLocality: string,
  distribute: NonNullable<LocalityLbSetting['distribute']>,
): WeightedLocality[] | undefined {
  const rule = distribute.find((d) => localityPatternMatches(d.from ?? '', proxyLocality));
  if (!rule) return undefined;
  const groups = new Map<string, LbEndpoint[]>();
  for (const e of endpoints) {
    const key = e.locality ?? '';
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  const ownWeight = (group: readonly LbEndpoint[]) =>
    group.reduce((sum, e) => sum + Math.max(0, lbWeightOf(e)), 0);
  const weights = new Map<string, number>();
  for (const [pattern, weight] of Object.entries(rule.to ?? {})) {
    const matched = [...groups.keys()].filter(
      (l) => !weights.has(l) && localityPatternMatches(pattern, l),
    );
    const total = matched.reduce((sum, l) => sum + ownWeight(groups.get(l)!), 0);
    for (const l of matched) {
      const own = ownWeight(groups.get(l)!);
      const shared = total > 0 ? (own * weight) / total : 0;
      weights.set(l, shared > 0 ? Math.ceil(shared) : own);
    }
  }
  const out: WeightedLocality[] = [];
  for (const [locality, group] of groups) {
    const weight = weights.get(locality);
    if (weight !== undefined) out.push({ locality, endpoints: group, weight });
  }
  return out;
}

/** Envoy's locality availability in percent: min(100, floor(140 x healthy / hosts)). */
function availabilityPercent(endpoints: readonly LbEndpoint[]): number {
  if (endpoints.length === 0) return 0;
  let healthy = 0;
  for (const e of endpoints) if (isLbHealthy(e)) healthy++;
  return Math.min(
    100,
    Math.floor((DEFAULT_LB_OVERPROVISIONING_FACTOR_PERCENT * healthy) / endpoints.length),
  );
}

/**
 * A balancer over Istio's `distribute` localities: each pick draws a locality by weight times
 * availability, then delegates to that locality's balancer (createLoadBalancer). When no entry is
 * `from` the proxy's locality, a plain createLoadBalancer over all endpoints.
 */
export function createLocalityWeightedLoadBalancer(
  settings: LoadBalancerSettings | undefined,
  endpoints: readonly LbEndpoint[],
  options: LocalityLbOptions,
): EndpointLoadBalancer {
  const distribute = settings?.localityLbSetting?.distribute ?? [];
  const localities = distributeLocalityWeights(endpoints, options.proxyLocality, distribute);
  if (!localities) return createLoadBalancer(settings, endpoints, options);
  const flat = createLoadBalancer(
    settings,
    localities.flatMap((l) => l.endpoints),
    options,
  );
  if (flat.policy === 'RING_HASH' || flat.policy === 'MAGLEV' || flat.policy === 'PASSTHROUGH')
    return flat;
  const lbOptions: LbFactoryOptions = options;
  const balancers = localities.map((l) => createLoadBalancer(settings, l.endpoints, lbOptions));
  let effective = localities.map((l) => l.weight * availabilityPercent(l.endpoints));
  // No locality has a healthy host: Envoy's panic, where health no longer counts.
  if (effective.every((w) => w === 0)) effective = localities.map((l) => l.weight);
  const cumulative = new Float64Array(effective.length);
  let running = 0;
  effective.forEach((w, i) => (cumulative[i] = running += w));
  return {
    policy: flat.policy,
    candidates: balancers.flatMap((b, i) => ((effective[i] ?? 0) > 0 ? b.candidates : [])),
    pick(context: LbPickContext): LbEndpoint | undefined {
      if (running === 0) return undefined;
      const draw = context.rng() * running;
      for (let i = 0; i < balancers.length; i++) {
        if (draw < (cumulative[i] ?? 0)) return balancers[i]?.pick(context);
      }
      return balancers[balancers.length - 1]?.pick(context);
    },
  };
}
