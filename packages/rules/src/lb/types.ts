// Shapes shared by every picker. Names carry an Lb prefix because src/index.ts re-exports this
// module with `export *` next to the API and route modules.

export interface LbEndpoint {
  /** address:port; also the key hashed onto rings and Maglev tables, as Envoy hashes the host address. */
  readonly id: string;
  /** Relative load-balancing weight; absent means 1. Zero or invalid weights are never picked. */
  readonly weight?: number;
  /** Absent means healthy, matching Envoy, which treats hosts without health checking as healthy. */
  readonly healthy?: boolean;
  readonly activeRequests?: number;
  readonly locality?: string;
  /** The workload's labels, for Istio's failoverPriority (topology labels included). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface LbPickContext {
  /** Uniform in [0, 1). Injected so pickers stay pure and tests stay reproducible. */
  readonly rng: () => number;
  /** Consistent-hash key (see hashKeyFor). Absent means no key could be derived for this request. */
  readonly hashKey?: string;
  /**
   * Live in-flight request count. Endpoint objects are immutable snapshots, so a proxy that tracks
   * counters elsewhere passes them here; without it endpoint.activeRequests is used.
   */
  readonly activeRequestsOf?: (endpoint: LbEndpoint) => number;
}

export type LbPolicy =
  'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH' | 'RING_HASH' | 'MAGLEV';

export interface EndpointLoadBalancer {
  readonly policy: LbPolicy;
  /** The endpoints this balancer chooses among, after the health / panic-threshold filter. */
  readonly candidates: readonly LbEndpoint[];
  /** undefined when nothing is pickable, and always for PASSTHROUGH (see isPassthroughLb). */
  pick(context: LbPickContext): LbEndpoint | undefined;
}

/** Weight used for balancing: absent means 1; zero, negative or non-finite means "never pick". */
export function lbWeightOf(endpoint: LbEndpoint): number {
  const w = endpoint.weight ?? 1;
  return Number.isFinite(w) && w > 0 ? w : 0;
}

export function activeRequestsFor(
  endpoint: LbEndpoint,
  context?: Pick<LbPickContext, 'activeRequestsOf'>,
): number {
  const n = context?.activeRequestsOf
    ? context.activeRequestsOf(endpoint)
    : (endpoint.activeRequests ?? 0);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Maps an rng draw to an index in [0, n); clamps because some generators can return exactly 1. */
export function lbRandomIndex(rng: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}
