// Envoy's outlier detection (passive health checking) for the consecutive-error detectors Istio
// turns on, one detector per cluster and a monitor per endpoint, keyed by cluster name so that
// ejections survive table swaps.
//
// What Istio sends (cluster_traffic_policy.go, applyOutlierDetection) and Envoy then does
// (outlier_detection_impl.cc), reproduced here:
// - Only clusters whose DestinationRule has outlierDetection get a detector.
// - consecutive5xxErrors: unset means Envoy's default, 5; 0 turns it off. Every 5xx counts, and
//   so do local failures: a connect failure or reset counts as a 503, a timeout as a 504
//   (split_external_local_origin_errors off, Istio's default). Any other status resets the count.
// - consecutiveGatewayErrors: 502/503/504 (and the same local failures); off unless set above 0.
// - Ejection happens at once when a count reaches its threshold, unless ejecting one more would
//   put more than maxEjectionPercent of the cluster's hosts out (Istio's default 10%: a cluster
//   of fewer than ten hosts ejects none until the percent is raised).
// - An ejected host stays out for min(baseEjectionTime x multiplier, max(300 s, base)); the
//   multiplier grows by one per ejection and shrinks by one per interval the host stays healthy.
//   It comes back at the first interval sweep after that time, with its counts reset.
// - minHealthPercent becomes the panic threshold (Istio default 0: panic off). Below it the
//   balancer picks among all hosts, ejected ones included, as Envoy's panic mode does.
// - The hosts are the cluster's ready endpoints in every locality. With locality failover an
//   ejection lowers its priority level's health, and the rebuilt balancer moves that level's
//   share of the load to the next level (config/balancer.ts), as Envoy does.
// Envoy runs the interval sweep on a timer; here the sweeps that fell due are replayed from the
// clock whenever the detector is used, which gives the same result without a timer to stop.
import {
  parseDuration,
  type EndpointLoadBalancer,
  type LbEndpoint,
  type ResolvedTrafficPolicy,
} from '@mesh/rules';
import { createClusterBalancer, readyLbEndpoints } from '../config/balancer.js';
import type { RuntimeCluster } from '../config/types.js';

export interface OutlierSettings {
  /** Consecutive 5xx (and local failures) before ejection; 0 is off. */
  readonly consecutive5xx: number;
  /** Consecutive 502/503/504 (and local failures) before ejection; 0 is off. */
  readonly consecutiveGatewayErrors: number;
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  /** Envoy's max_ejection_time, which Istio does not set: max(300 s, base). */
  readonly maxEjectionMs: number;
  readonly maxEjectionPercent: number;
  /** Envoy's healthy_panic_threshold as Istio sets it from minHealthPercent. */
  readonly panicThresholdPercent: number;
}

export const DEFAULT_CONSECUTIVE_5XX = 5;
export const DEFAULT_OUTLIER_INTERVAL_MS = 10_000;
export const DEFAULT_BASE_EJECTION_MS = 30_000;
export const DEFAULT_MAX_EJECTION_MS = 300_000;
export const DEFAULT_MAX_EJECTION_PERCENT = 10;
/** Envoy's own panic threshold, kept when Istio leaves it unset (a negative minHealthPercent). */
const ENVOY_PANIC_THRESHOLD_PERCENT = 50;

/** The detector settings of a cluster, or undefined when its policy has no outlierDetection. */
export function outlierSettingsOf(policy: ResolvedTrafficPolicy): OutlierSettings | undefined {
  const od = policy.outlierDetection;
  if (!od) return undefined;
  const base = durationMs(od.baseEjectionTime) ?? DEFAULT_BASE_EJECTION_MS;
  const minHealth = od.minHealthPercent ?? 0;
  return {
    consecutive5xx: od.consecutive5xxErrors ?? DEFAULT_CONSECUTIVE_5XX,
    consecutiveGatewayErrors: od.consecutiveGatewayErrors ?? 0,
    intervalMs: durationMs(od.interval) ?? DEFAULT_OUTLIER_INTERVAL_MS,
    baseEjectionMs: base,
    maxEjectionMs: Math.max(DEFAULT_MAX_EJECTION_MS, base),
    maxEjectionPercent:
      od.maxEjectionPercent !== undefined && od.maxEjectionPercent > 0
        ? Math.min(100, od.maxEjectionPercent)
        : DEFAULT_MAX_EJECTION_PERCENT,
    panicThresholdPercent:
      minHealth >= 0 ? Math.min(100, minHealth) : ENVOY_PANIC_THRESHOLD_PERCENT,
  };
}

/** Positive durations only: Istio requires >= 1ms, and 0 would stall the sweep. */
function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** One endpoint's monitor, as the admin page shows it. */
export interface HostOutlierView {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayErrors: number;
  /** Times ejected since the proxy started (Envoy's num_ejections). */
  readonly timesEjected: number;
  /** The ejection time multiplier (Envoy's ejectTimeBackoff). */
  readonly multiplier: number;
  /** Present while ejected: since when, and the sweep at which it comes back. */
  readonly ejected?: { readonly since: number; readonly until: number };
}

interface HostState {
  consecutive5xx: number;
  consecutiveGateway: number;
  ejected: boolean;
  lastEjection: number;
  lastUnejection: number | undefined;
  multiplier: number;
  timesEjected: number;
}

export class OutlierDetector {
  private currentSettings: OutlierSettings;
  private readonly hosts = new Map<string, HostState>();
  private nextSweep: number;
  private ejectedHosts = 0;
  private overflows = 0;
  private changes = 0;
  /** The cluster object the host set was last taken from. */
  private syncedWith: RuntimeCluster | undefined = undefined;

  constructor(
    readonly cluster: string,
    settings: OutlierSettings,
    private readonly now: () => number,
  ) {
    this.currentSettings = settings;
    this.nextSweep = now() + settings.intervalMs;
  }

  get settings(): OutlierSettings {
    return this.currentSettings;
  }

  /** Bumped whenever the ejected set changes: balancers built on the old set are stale. */
  get version(): number {
    return this.changes;
  }

  get ejectedCount(): number {
    return this.ejectedHosts;
  }

  /** Ejections refused because of maxEjectionPercent (Envoy's ejections_overflow). */
  get ejectionOverflows(): number {
    return this.overflows;
  }

  /** New settings from a new table; the sweep schedule restarts from the last sweep. */
  configure(settings: OutlierSettings): void {
    if (sameSettings(settings, this.currentSettings)) return;
    const lastSweep = this.nextSweep - this.currentSettings.intervalMs;
    this.currentSettings = settings;
    this.nextSweep = lastSweep + settings.intervalMs;
  }

  /** Takes the host set from `cluster` (its ready endpoints) unless it came from that object. */
  follow(cluster: RuntimeCluster): void {
    if (this.syncedWith === cluster) return;
    // Not the balancer's candidates: a locality balancer's are only the levels taking load now,
    // and the lower levels' hosts must be watched (and counted for maxEjectionPercent) too.
    this.setHosts(readyLbEndpoints(cluster.endpoints).map((e) => e.id));
    this.syncedWith = cluster;
  }

  /** The cluster's hosts: new ones start clean, departed ones are forgotten (ejected or not). */
  setHosts(ids: Iterable<string>): void {
    const wanted = new Set(ids);
    for (const [id, host] of this.hosts) {
      if (wanted.has(id)) continue;
      if (host.ejected) {
        this.ejectedHosts--;
        this.changes++;
      }
      this.hosts.delete(id);
    }
    for (const id of wanted) {
      if (!this.hosts.has(id))
        this.hosts.set(id, {
          consecutive5xx: 0,
          consecutiveGateway: 0,
          ejected: false,
          lastEjection: 0,
          lastUnejection: undefined,
          multiplier: 0,
          timesEjected: 0,
        });
    }
  }

  isEjected(id: string): boolean {
    return this.hosts.get(id)?.ejected ?? false;
  }

  /**
   * One attempt's outcome at `id`: its status code, local failures mapped as Envoy maps them
   * (connect failure or reset 503, timeout 504). May eject the host.
   */
  record(id: string, status: number): void {
    this.sweep();
    const host = this.hosts.get(id);
    if (!host) return;
    const s = this.currentSettings;
    if (status < 500 || status > 599) {
      host.consecutive5xx = 0;
      host.consecutiveGateway = 0;
      return;
    }
    // Envoy fires on reaching a threshold exactly, and a 0 threshold never fires.
    if (status >= 502 && status <= 504) {
      if (++host.consecutiveGateway === s.consecutiveGatewayErrors)
        this.consecutiveError(host, 'consecutiveGateway');
    } else host.consecutiveGateway = 0;
    if (++host.consecutive5xx === s.consecutive5xx) this.consecutiveError(host, 'consecutive5xx');
  }

  /** Replays the interval sweeps due by now: returns hosts whose time is up, decays multipliers. */
  sweep(): void {
    const at = this.now();
    const interval = this.currentSettings.intervalMs;
    while (this.nextSweep <= at) {
      // Sweeps left up to `at`, processed in one batch up to the first one that returns a host:
      // between returns nothing but the multipliers change, and they change once per sweep.
      let batch = Math.floor((at - this.nextSweep) / interval) + 1;
      for (const host of this.hosts.values()) {
        if (!host.ejected) continue;
        const due = host.lastEjection + this.ejectionMs(host);
        const sweepsUntil = Math.max(0, Math.ceil((due - this.nextSweep) / interval)) + 1;
        batch = Math.min(batch, sweepsUntil);
      }
      const last = this.nextSweep + (batch - 1) * interval;
      for (const host of this.hosts.values()) {
        if (host.ejected) {
          if (host.lastEjection + this.ejectionMs(host) <= last) this.uneject(host, last);
          continue;
        }
        if (host.lastUnejection === undefined || host.multiplier === 0) continue;
        // Sweeps in the batch at least one interval after the host came back each take one off.
        const first = Math.max(
          0,
          Math.ceil((host.lastUnejection + interval - this.nextSweep) / interval),
        );
        if (first < batch) host.multiplier = Math.max(0, host.multiplier - (batch - first));
      }
      this.nextSweep = last + interval;
    }
  }

  /** The monitors, for the admin page (call sweep() first for a current picture). */
  view(id: string): HostOutlierView | undefined {
    const host = this.hosts.get(id);
    if (!host) return undefined;
    return {
      consecutive5xx: host.consecutive5xx,
      consecutiveGatewayErrors: host.consecutiveGateway,
      timesEjected: host.timesEjected,
      multiplier: host.multiplier,
      ...(host.ejected && {
        ejected: { since: host.lastEjection, until: this.returnsAt(host) },
      }),
    };
  }

  private ejectionMs(host: HostState): number {
    const s = this.currentSettings;
    return Math.min(s.baseEjectionMs * host.multiplier, s.maxEjectionMs);
  }

  /** The first sweep at or after the end of the host's ejection time. */
  private returnsAt(host: HostState): number {
    const due = host.lastEjection + this.ejectionMs(host);
    const interval = this.currentSettings.intervalMs;
    return this.nextSweep + Math.max(0, Math.ceil((due - this.nextSweep) / interval)) * interval;
  }

  /**
   * Envoy's onConsecutiveErrorWorker: a host already out keeps counting; otherwise the count
   * starts over, whether or not maxEjectionPercent lets the ejection happen.
   */
  private consecutiveError(host: HostState, counter: 'consecutive5xx' | 'consecutiveGateway') {
    if (host.ejected) return;
    host[counter] = 0;
    const s = this.currentSettings;
    if ((100 * (this.ejectedHosts + 1)) / this.hosts.size > s.maxEjectionPercent) {
      this.overflows++;
      return;
    }
    host.ejected = true;
    host.timesEjected++;
    host.lastEjection = this.now();
    if (host.multiplier * s.baseEjectionMs < s.maxEjectionMs + s.baseEjectionMs) host.multiplier++;
    this.ejectedHosts++;
    this.changes++;
  }

  private uneject(host: HostState, at: number): void {
    host.ejected = false;
    host.consecutive5xx = 0;
    host.consecutiveGateway = 0;
    host.lastUnejection = at;
    this.ejectedHosts--;
    this.changes++;
  }
}

function sameSettings(a: OutlierSettings, b: OutlierSettings): boolean {
  return (
    a.consecutive5xx === b.consecutive5xx &&
    a.consecutiveGatewayErrors === b.consecutiveGatewayErrors &&
    a.intervalMs === b.intervalMs &&
    a.baseEjectionMs === b.baseEjectionMs &&
    a.maxEjectionMs === b.maxEjectionMs &&
    a.maxEjectionPercent === b.maxEjectionPercent &&
    a.panicThresholdPercent === b.panicThresholdPercent
  );
}

/** Detectors by cluster name, shared by every table and listener of one proxy. */
export class OutlierDetectors {
  private readonly byName = new Map<string, OutlierDetector>();
  private readonly settingsCache = new WeakMap<ResolvedTrafficPolicy, OutlierSettings | null>();
  private readonly balancers = new WeakMap<
    RuntimeCluster,
    { version: number; balancer: EndpointLoadBalancer }
  >();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The detector of `cluster`, configured and synced with it and swept up to now; undefined when
   * its policy has no outlierDetection (any earlier detector of that name is dropped).
   */
  of(cluster: RuntimeCluster): OutlierDetector | undefined {
    const settings = this.settingsOf(cluster.body.trafficPolicy);
    if (!settings) {
      this.byName.delete(cluster.name);
      return undefined;
    }
    let detector = this.byName.get(cluster.name);
    if (!detector) {
      detector = new OutlierDetector(cluster.name, settings, this.now);
      this.byName.set(cluster.name, detector);
    } else detector.configure(settings);
    // The cluster's ready endpoints are Envoy's hosts.
    detector.follow(cluster);
    detector.sweep();
    return detector;
  }

  /** The detector of a cluster if it has one; for read-only views. */
  get(name: string): OutlierDetector | undefined {
    return this.byName.get(name);
  }

  /**
   * The balancer to pick with: the table's own while none of the cluster's hosts is ejected,
   * else one rebuilt over the same hosts with the ejected ones unhealthy, under the panic
   * threshold minHealthPercent sets, and ranked by locality as the table's was. Rebuilt only when
   * the ejected set changes.
   */
  balancerOf(
    cluster: RuntimeCluster,
    detector: OutlierDetector,
    rng: () => number,
  ): EndpointLoadBalancer {
    if (detector.ejectedCount === 0) return cluster.balancer;
    const cached = this.balancers.get(cluster);
    if (cached && cached.version === detector.version) return cached.balancer;
    const endpoints: LbEndpoint[] = readyLbEndpoints(cluster.endpoints).map((e) =>
      detector.isEjected(e.id) ? { ...e, healthy: false } : e,
    );
    const balancer = createClusterBalancer(cluster.body.trafficPolicy, endpoints, {
      proxyLocality: cluster.proxyLocality ?? '',
      ...(cluster.proxyLabels && { proxyLabels: cluster.proxyLabels }),
      panicThresholdPercent: detector.settings.panicThresholdPercent,
      rng,
    });
    this.balancers.set(cluster, { version: detector.version, balancer });
    return balancer;
  }

  /** Forgets the detectors of clusters not in `names`. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.byName.keys()) if (!names.has(name)) this.byName.delete(name);
  }

  private settingsOf(policy: ResolvedTrafficPolicy): OutlierSettings | undefined {
    let settings = this.settingsCache.get(policy);
    if (settings === undefined) {
      settings = outlierSettingsOf(policy) ?? null;
      this.settingsCache.set(policy, settings);
    }
    return settings ?? undefined;
  }
}
