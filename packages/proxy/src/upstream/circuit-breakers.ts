// Envoy's circuit breakers, one set per cluster as Istio configures them from a DestinationRule's
// connectionPool (cluster_traffic_policy.go, applyConnectionPool): tcp.maxConnections ->
// max_connections, http.http1MaxPendingRequests -> max_pending_requests, http.http2MaxRequests ->
// max_requests, http.maxRetries -> max_retries. A field that is unset or 0 keeps Istio's default,
// 2^32-1 for all four (getDefaultCircuitBreakerThresholds): effectively no limit.
//
// The state lives here, keyed by cluster name, so it survives table swaps the way an Envoy
// cluster's resource manager survives EDS updates; a new table only brings new limits.
//
// HTTP/1.1 carries one request per connection at a time, so a cluster's busy connections are its
// in-flight upstream requests. A request that finds all maxConnections busy waits (pending) for
// one to free up, first come first served; one that finds http1MaxPendingRequests already waiting,
// or http2MaxRequests already in flight, overflows: the caller answers 503 UO without trying the
// upstream, and the reply is never retried (Envoy's retry state refuses overflow resets).
//
// Differences from Envoy, by design: idle keep-alive connections are not counted (Envoy counts
// them, but also always lets a host with no connection open one), and a request waiting for a
// connection to finish its TCP handshake is not pending. Limits are exact here; Envoy's are
// per-worker approximations, which is why Istio's circuit-breaking task sees a few overflows
// even with two clients against maxConnections 1 / http1MaxPendingRequests 1.
import type { ResolvedTrafficPolicy } from '@mesh/rules';
import type { RuntimeCluster } from '../config/types.js';
import type { AbortSignalLike } from '../abort.js';

/** Istio's default for every threshold it leaves unset (2^32-1). */
export const UNLIMITED = 2 ** 32 - 1;

export interface CircuitBreakerLimits {
  /** connectionPool.tcp.maxConnections: upstream connections in use across the cluster. */
  readonly maxConnections: number;
  /** connectionPool.http.http1MaxPendingRequests: requests waiting for a connection. */
  readonly maxPendingRequests: number;
  /** connectionPool.http.http2MaxRequests: requests in flight to the cluster. */
  readonly maxRequests: number;
  /** connectionPool.http.maxRetries: retries outstanding across the cluster. */
  readonly maxRetries: number;
}

export const DEFAULT_CIRCUIT_BREAKER_LIMITS: CircuitBreakerLimits = Object.freeze({
  maxConnections: UNLIMITED,
  maxPendingRequests: UNLIMITED,
  maxRequests: UNLIMITED,
  maxRetries: UNLIMITED,
});

/** The thresholds Istio gives a cluster: set and positive values count, others mean unlimited. */
export function circuitBreakerLimitsOf(policy: ResolvedTrafficPolicy): CircuitBreakerLimits {
  const tcp = policy.connectionPool?.tcp;
  const http = policy.connectionPool?.http;
  return {
    maxConnections: positiveOr(tcp?.maxConnections),
    maxPendingRequests: positiveOr(http?.http1MaxPendingRequests),
    maxRequests: positiveOr(http?.http2MaxRequests),
    maxRetries: positiveOr(http?.maxRetries),
  };
}

function positiveOr(value: number | undefined): number {
  return value !== undefined && value > 0 ? value : UNLIMITED;
}

/** Which threshold turned a request away. */
export type OverflowKind = 'pending' | 'requests';

export type Admission =
  /** A connection slot: give it back once the response is delivered (idempotent). */
  | { readonly kind: 'admitted'; release(): void }
  | { readonly kind: 'overflow'; readonly overflow: OverflowKind; readonly reason: string }
  /** The request's signal aborted while it waited for a connection. */
  | { readonly kind: 'aborted' };

/** The counters the admin page shows (Envoy's gauges and overflow counters of one cluster). */
export interface CircuitBreakerStats {
  readonly limits: CircuitBreakerLimits;
  /** Requests holding a connection (Envoy's upstream_rq_active / upstream_cx_active for HTTP/1.1). */
  readonly activeRequests: number;
  /** Requests waiting for a connection (upstream_rq_pending_active). */
  readonly pendingRequests: number;
  /** Retries outstanding (the retries resource). */
  readonly activeRetries: number;
  /** Requests that had to wait because maxConnections were busy (upstream_cx_overflow). */
  readonly connectionOverflows: number;
  /** Requests refused: pending queue full (upstream_rq_pending_overflow). */
  readonly pendingOverflows: number;
  /** Requests refused: http2MaxRequests in flight. */
  readonly requestOverflows: number;
  /** Retries not attempted because of maxRetries (upstream_rq_retry_overflow). */
  readonly retryOverflows: number;
}

/** What a retry policy asks before each retry: a slot to hold until that retry's outcome. */
export interface RetryGate {
  /** A release function, or undefined when maxRetries are outstanding (do not retry). */
  tryRetry(): (() => void) | undefined;
}

interface Waiter {
  readonly resolve: (admission: Admission) => void;
  readonly signal: AbortSignalLike | undefined;
  readonly onAbort: () => void;
}

const ABORTED: Admission = Object.freeze({ kind: 'aborted' });

export class CircuitBreaker implements RetryGate {
  private currentLimits: CircuitBreakerLimits;
  private active = 0;
  private retries = 0;
  private readonly waiting: Waiter[] = [];
  private connectionOverflows = 0;
  private pendingOverflows = 0;
  private requestOverflows = 0;
  private retryOverflows = 0;

  constructor(
    readonly cluster: string,
    limits: CircuitBreakerLimits = DEFAULT_CIRCUIT_BREAKER_LIMITS,
  ) {
    this.currentLimits = limits;
  }

  get limits(): CircuitBreakerLimits {
    return this.currentLimits;
  }

  /** New limits from a new table; raised ones let waiting requests through at once. */
  setLimits(limits: CircuitBreakerLimits): void {
    const l = this.currentLimits;
    if (
      l.maxConnections === limits.maxConnections &&
      l.maxPendingRequests === limits.maxPendingRequests &&
      l.maxRequests === limits.maxRequests &&
      l.maxRetries === limits.maxRetries
    )
      return;
    this.currentLimits = limits;
    this.drain();
  }

  /**
   * A connection for one upstream attempt: at once when one is free, after waiting when all are
   * busy and the pending queue has room, an overflow otherwise.
   */
  admit(signal?: AbortSignalLike): Promise<Admission> {
    const now = this.admitNow(signal);
    return now === undefined ? this.wait(signal) : Promise.resolve(now);
  }

  /**
   * admit() without the promise when the answer is known at once (admitted, overflow, aborted);
   * undefined when the attempt would have to wait: then call admit(). Saves the request path a
   * promise and a microtask turn per attempt.
   */
  admitNow(signal?: AbortSignalLike): Admission | undefined {
    if (signal?.aborted) return ABORTED;
    const limits = this.currentLimits;
    if (this.active < limits.maxConnections) {
      if (this.active >= limits.maxRequests) return this.overflow('requests');
      return this.grant();
    }
    if (this.waiting.length >= limits.maxPendingRequests) {
      this.connectionOverflows++;
      return this.overflow('pending');
    }
    return undefined;
  }

  private wait(signal: AbortSignalLike | undefined): Promise<Admission> {
    this.connectionOverflows++;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          const i = this.waiting.indexOf(waiter);
          if (i !== -1) this.waiting.splice(i, 1);
          resolve(ABORTED);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  tryRetry(): (() => void) | undefined {
    if (this.retries >= this.currentLimits.maxRetries) {
      this.retryOverflows++;
      return undefined;
    }
    this.retries++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.retries--;
    };
  }

  get stats(): CircuitBreakerStats {
    return {
      limits: this.currentLimits,
      activeRequests: this.active,
      pendingRequests: this.waiting.length,
      activeRetries: this.retries,
      connectionOverflows: this.connectionOverflows,
      pendingOverflows: this.pendingOverflows,
      requestOverflows: this.requestOverflows,
      retryOverflows: this.retryOverflows,
    };
  }

  /** True while nothing is in flight, waiting or outstanding: the state can be dropped. */
  get idle(): boolean {
    return this.active === 0 && this.retries === 0 && this.waiting.length === 0;
  }

  private grant(): Admission {
    this.active++;
    let released = false;
    return {
      kind: 'admitted',
      release: () => {
        if (released) return;
        released = true;
        this.active--;
        this.drain();
      },
    };
  }

  /** Hands freed connections to waiting requests, oldest first. */
  private drain(): void {
    while (this.waiting.length > 0 && this.active < this.currentLimits.maxConnections) {
      const waiter = this.waiting.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(
        this.active >= this.currentLimits.maxRequests ? this.overflow('requests') : this.grant(),
      );
    }
  }

  private overflow(kind: OverflowKind): Admission {
    const l = this.currentLimits;
    if (kind === 'pending') {
      this.pendingOverflows++;
      return {
        kind: 'overflow',
        overflow: kind,
        reason: `all ${l.maxConnections} connections (connectionPool.tcp.maxConnections) busy and ${this.waiting.length} requests already waiting (connectionPool.http.http1MaxPendingRequests ${l.maxPendingRequests})`,
      };
    }
    this.requestOverflows++;
    return {
      kind: 'overflow',
      overflow: kind,
      reason: `${this.active} requests already in flight (connectionPool.http.http2MaxRequests ${l.maxRequests})`,
    };
  }
}

/** Circuit breakers by cluster name, shared by every table and listener of one proxy. */
export class CircuitBreakers {
  private readonly byName = new Map<string, CircuitBreaker>();
  private readonly limitsCache = new WeakMap<ResolvedTrafficPolicy, CircuitBreakerLimits>();

  /** The breaker of `cluster`, with the limits its (current) policy sets. */
  of(cluster: Pick<RuntimeCluster, 'name' | 'body'>): CircuitBreaker {
    const policy = cluster.body.trafficPolicy;
    let limits = this.limitsCache.get(policy);
    if (!limits) {
      limits = circuitBreakerLimitsOf(policy);
      this.limitsCache.set(policy, limits);
    }
    let breaker = this.byName.get(cluster.name);
    if (!breaker) {
      breaker = new CircuitBreaker(cluster.name, limits);
      this.byName.set(cluster.name, breaker);
    } else breaker.setLimits(limits);
    return breaker;
  }

  /** The breaker of a cluster if one was ever used; for read-only views. */
  get(name: string): CircuitBreaker | undefined {
    return this.byName.get(name);
  }

  /** Forgets idle breakers of clusters not in `names` (clusters that left the config). */
  retain(names: ReadonlySet<string>): void {
    for (const [name, breaker] of this.byName)
      if (!names.has(name) && breaker.idle) this.byName.delete(name);
  }

  get size(): number {
    return this.byName.size;
  }
}
