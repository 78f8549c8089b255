// Locality failover: Istio's LocalityLoadBalancerSetting.failover turned into Envoy priority levels,
// and Envoy's choice of a level per request.
//
// Istio (pilot loadbalancer.go, applyLocalityFailover) ranks each endpoint against the proxy's own
// locality: 0 same region/zone/subzone, 1 same region/zone, 2 same region, 3 other region; when a
// failover rule's `from` is the proxy's region, other regions except its `to` drop to 4. Empty ranks
// are squeezed out so levels run 0..N-1. Istio only does this when the DestinationRule also has
// outlier detection (otherwise nothing is ever ejected and traffic would never fail over); that
// check belongs to the caller, which sees the whole TrafficPolicy.
//
// Envoy (arch_overview/upstream/load_balancing/priority; load_balancer_impl.cc) gives each level a
// health of min(100, floor(140 x healthy / hosts)), 1.4 being the default overprovisioning factor,
// then hands out 100% of the load in level order, each level taking its health scaled by the
// normalized total (sum of healths, capped at 100). Levels are never in panic while that total is
// 100; when it is 0 every level is in panic and load follows host counts instead.
// failoverPriority ranks by labels first (localityPriorityLevels). `distribute` is the other
// mode (locality-weights.ts). Not modelled: degraded hosts.
import type { LoadBalancerSettings, LocalityLbSetting } from '../api/destination-rule.js';
import { DEFAULT_LB_OVERPROVISIONING_FACTOR_PERCENT, isLbHealthy } from './health.js';
import { createLoadBalancer, lbKeyHash, type LbFactoryOptions } from './load-balancer.js';
import type { EndpointLoadBalancer, LbEndpoint, LbPickContext } from './types.js';

interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

/** "region/zone/subzone"; missing parts are empty strings, which match only each other. */
export function parseLbLocality(locality: string | undefined): Locality {
  const [region = '', zone = '', subzone = ''] = (locality ?? '').split('/');
  return { region, zone, subzone };
}

/** Istio's LbPriority: 0 same subzone, 1 same zone, 2 same region, 3 elsewhere. */
export function localityMatchRank(proxy: Locality, endpoint: Locality): number {
  if (proxy.region !== endpoint.region) return 3;
  if (proxy.zone !== endpoint.zone) return 2;
  return proxy.subzone === endpoint.subzone ? 0 : 1;
}

/** Istio's failoverPriority, with the labels of the proxy it ranks endpoints for. */
export interface FailoverPriority {
  /** Label names, in order; `name=value` compares endpoints with that value instead. */
  readonly labels: readonly string[];
  readonly proxyLabels: Readonly<Record<string, string>>;
}

/**
 * Endpoints grouped into priority levels, highest priority (0) first, no empty levels.
 *
 * With failoverPriority (pilot applyFailoverPriorities): an endpoint whose labels agree with the
 * proxy's on the first k listed labels but not the next gets rank n - k (n labels; all agree: 0).
 * Locality then only refines those ranks when `failover` is also set, as in Istio; a proxy
 * without labels gets no failover at all (Istio returns before assigning any priority).
 */
export function localityPriorityLevels(
  endpoints: readonly LbEndpoint[],
  proxyLocality: string,
  failover: LocalityLbSetting['failover'] = [],
  priority?: FailoverPriority,
): LbEndpoint[][] {
  const proxy = parseLbLocality(proxyLocality);
  // Istio uses the first rule whose `from` is the proxy's region.
  const rule = failover.find((f) => f.from === proxy.region);
  const localityRank = (e: LbEndpoint) => {
    const loc = parseLbLocality(e.locality);
    const rank = localityMatchRank(proxy, loc);
    return rank === 3 && rule !== undefined && loc.region !== rule.to ? 4 : rank;
  };
  let rankOf = localityRank;
  if (priority && priority.labels.length > 0) {
    if (Object.keys(priority.proxyLabels).length === 0)
      return endpoints.length ? [[...endpoints]] : [];
    const labelRank = failoverPriorityRanker(priority);
    // Istio: label priority x 5 + locality rank, only when `failover` is set as well.
    rankOf = failover.length > 0 ? (e) => labelRank(e) * 5 + localityRank(e) : labelRank;
  }
  const byRank = new Map<number, LbEndpoint[]>();
  for (const e of endpoints) {
    const rank = rankOf(e);
    const level = byRank.get(rank);
    if (level) level.push(e);
    else byRank.set(rank, [e]);
  }
  return [...byRank.entries()].sort(([a], [b]) => a - b).map(([, level]) => level);
}

function failoverPriorityRanker(priority: FailoverPriority): (e: LbEndpoint) => number {
  const wanted = priority.labels.map((entry) => {
    const parts = entry.split('=');
    const name = parts[0] ?? '';
    // Istio takes an override only from exactly `name=value`.
    const value = parts.length === 2 ? (parts[1] ?? '') : (priority.proxyLabels[name] ?? '');
    return { name, value };
  });
  const n = wanted.length;
  return (e) => {
    for (let j = 0; j < n; j++) {
      const { name, value } = wanted[j]!;
      if ((e.labels?.[name] ?? '') !== value) return n - j;
    }
    return 0;
  };
}

/** Envoy's per-level health, in percent: min(100, floor(1.4 x healthy share)). */
export function priorityHealthPercent(level: readonly LbEndpoint[]): number {
  if (level.length === 0) return 0;
  let healthy = 0;
  for (const e of level) if (isLbHealthy(e)) healthy++;
  return Math.min(
    100,
    Math.floor((DEFAULT_LB_OVERPROVISIONING_FACTOR_PERCENT * healthy) / level.length),
  );
}

/** Integer load percentages per level, summing to 100 (all zero only for no hosts at all). */
export function priorityLoads(levels: readonly (readonly LbEndpoint[])[]): number[] {
  const health = levels.map(priorityHealthPercent);
  const total = Math.min(
    100,
    health.reduce((a, b) => a + b, 0),
  );
  const loads = levels.map(() => 0);
  if (total === 0) {
    // Total panic: Envoy spreads load by host count, remainder to the first non-empty level.
    const hosts = levels.reduce((a, l) => a + l.length, 0);
    if (hosts === 0) return loads;
    let left = 100;
    levels.forEach((l, i) => {
      loads[i] = Math.floor((100 * l.length) / hosts);
      left -= loads[i] ?? 0;
    });
    const first = levels.findIndex((l) => l.length > 0);
    loads[first] = (loads[first] ?? 0) + left;
    return loads;
  }
  let left = 100;
  health.forEach((h, i) => {
    const load = Math.min(left, Math.floor((h * 100) / total));
    loads[i] = load;
    left -= load;
  });
  // Rounding leftovers go to the first level with any health, as in Envoy.
  if (left > 0) {
    const first = health.findIndex((h) => h > 0);
    loads[first] = (loads[first] ?? 0) + left;
  }
  return loads;
}

export interface LocalityLbOptions extends LbFactoryOptions {
  /** The proxy's own locality, "region/zone/subzone". */
  readonly proxyLocality: string;
  /** The proxy's labels, topology labels included: what failoverPriority compares. */
  readonly proxyLabels?: Readonly<Record<string, string>>;
}

/**
 * A balancer over Istio failover priority levels: each pick draws a level by priorityLoads, then
 * delegates to a per-level balancer built by createLoadBalancer. Without a usable setting
 * (absent, enabled: false, or `distribute` set, which is a different mode) it is a plain
 * createLoadBalancer over all endpoints. Stateful per-level round-robin cursors live in the result.
 */
export function createLocalityFailoverLoadBalancer(
  settings: LoadBalancerSettings | undefined,
  endpoints: readonly LbEndpoint[],
  options: LocalityLbOptions,
): EndpointLoadBalancer {
  const locality = settings?.localityLbSetting;
  if (!locality || locality.enabled === false || locality.distribute?.length) {
    return createLoadBalancer(settings, endpoints, options);
  }
  const levels = localityPriorityLevels(
    endpoints,
    options.proxyLocality,
    locality.failover,
    locality.failoverPriority?.length
      ? { labels: locality.failoverPriority, proxyLabels: options.proxyLabels ?? {} }
      : undefined,
  );
  const loads = priorityLoads(levels);
  const healthTotal = Math.min(
    100,
    levels.reduce((a, l) => a + priorityHealthPercent(l), 0),
  );
  // Envoy never panics a level while the levels together are fully available; threshold 0 says so.
  const levelOptions: LbFactoryOptions =
    healthTotal === 100 ? { ...options, panicThresholdPercent: 0 } : options;
  const balancers = levels.map((level) => createLoadBalancer(settings, level, levelOptions));
  const cumulative = new Float64Array(loads.length);
  let running = 0;
  loads.forEach((l, i) => (cumulative[i] = running += l));
  const candidates = balancers.flatMap((b, i) => ((loads[i] ?? 0) > 0 ? b.candidates : []));
  const policy = balancers[0]?.policy ?? createLoadBalancer(settings, [], options).policy;
  const hashed = policy === 'RING_HASH' || policy === 'MAGLEV';
  return {
    policy,
    candidates,
    pick(context: LbPickContext): LbEndpoint | undefined {
      if (running === 0) return undefined;
      // Envoy picks the level from the request hash for hash policies (hash % 100), so a key stays
      // on one level and thus one host; other policies draw at random.
      const draw = hashed ? lbKeyHash(context) % 100 : Math.floor(context.rng() * 100);
      for (let i = 0; i < balancers.length; i++) {
        if (draw < (cumulative[i] ?? 0)) return balancers[i]?.pick(context);
      }
      return balancers[balancers.length - 1]?.pick(context);
    },
  };
}
