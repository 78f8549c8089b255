// Turns Istio's LoadBalancerSettings plus an endpoint set into a picker. Everything derived from
// the endpoint set (health filter, ring, Maglev table, weights) is computed once here and never
// mutated; the only mutable state is the round-robin cursor, owned by the returned object.
// Rebuild the balancer when the endpoint set or its health changes.
import type { LoadBalancerSettings } from '../api/destination-rule.js';
import { xxHash32 } from './hash.js';
import { DEFAULT_LB_PANIC_THRESHOLD_PERCENT, lbCandidates } from './health.js';
import { createLeastRequestPicker, type LeastRequestOptions } from './least-request.js';
import { buildMaglevTable, lookupMaglev } from './maglev.js';
import { createRandomPicker } from './random.js';
import { buildHashRing, lookupHashRing } from './ring-hash.js';
import { createRoundRobinCursor } from './round-robin.js';
import {
  lbRandomIndex,
  lbWeightOf,
  type EndpointLoadBalancer,
  type LbEndpoint,
  type LbPickContext,
  type LbPolicy,
} from './types.js';

export interface LbFactoryOptions {
  /** Envoy's healthy_panic_threshold, in percent; default 50. */
  readonly panicThresholdPercent?: number;
  readonly leastRequest?: LeastRequestOptions;
  /**
   * Construction-time randomness, drawn once here and never on pick(): it places the round-robin
   * start, as Envoy seeds each worker's round-robin index randomly so that proxies rebuilt together
   * do not all hit the first host. Absent means start at the first candidate (reproducible).
   */
  readonly rng?: () => number;
}

/**
 * Which algorithm Istio's settings select. consistentHash uses MAGLEV when `maglev` is set and
 * RING_HASH otherwise. Without settings, or with simple UNSPECIFIED, Istio lets the proxy choose,
 * and its choice is LEAST_REQUEST; LEAST_CONN is Istio's deprecated alias for LEAST_REQUEST.
 * Unknown simple values also fall back to the default: rejecting them is validation's job.
 */
export function lbPolicyOf(settings: LoadBalancerSettings | undefined): LbPolicy {
  if (settings?.consistentHash) return settings.consistentHash.maglev ? 'MAGLEV' : 'RING_HASH';
  switch (settings?.simple) {
    case 'ROUND_ROBIN':
      return 'ROUND_ROBIN';
    case 'RANDOM':
      return 'RANDOM';
    case 'PASSTHROUGH':
      return 'PASSTHROUGH';
    default:
      return 'LEAST_REQUEST';
  }
}

/** PASSTHROUGH balancers never pick: the caller connects to the request's original destination. */
export function isPassthroughLb(balancer: EndpointLoadBalancer): boolean {
  return balancer.policy === 'PASSTHROUGH';
}

/**
 * `settings.localityLbSetting` is deliberately ignored here: this balances one flat endpoint set,
 * i.e. one Envoy priority level. createLocalityFailoverLoadBalancer (locality.ts) splits endpoints
 * into Istio's failover priority levels and builds one of these per level.
 */
export function createLoadBalancer(
  settings: LoadBalancerSettings | undefined,
  endpoints: readonly LbEndpoint[],
  options: LbFactoryOptions = {},
): EndpointLoadBalancer {
  const policy = lbPolicyOf(settings);
  const candidates = lbCandidates(
    endpoints,
    options.panicThresholdPercent ?? DEFAULT_LB_PANIC_THRESHOLD_PERCENT,
  );
  const make = (
    pick: (context: LbPickContext) => LbEndpoint | undefined,
  ): EndpointLoadBalancer => ({
    policy,
    candidates,
    pick,
  });

  switch (policy) {
    case 'PASSTHROUGH':
      return make(() => undefined);
    case 'RANDOM': {
      const pickRandom = createRandomPicker(candidates);
      return make((context) => pickRandom(context.rng));
    }
    case 'ROUND_ROBIN': {
      const start =
        options.rng && candidates.length > 0 ? lbRandomIndex(options.rng, candidates.length) : 0;
      const cursor = createRoundRobinCursor(candidates.map(lbWeightOf), start);
      return make(() => candidates[cursor.next()]);
    }
    case 'RING_HASH': {
      const hash = settings?.consistentHash;
      const ring = buildHashRing(candidates, {
        // The top-level minimumRingSize is Istio's deprecated spelling of ringHash.minimumRingSize.
        // As in Istio's ApplyRingHashLoadBalancer, it is consulted only when `ringHash` is absent:
        // a present ringHash with minimumRingSize 0 means Envoy's default (1024), not the old field.
        minimumRingSize: hash?.ringHash ? hash.ringHash.minimumRingSize : hash?.minimumRingSize,
      });
      return make((context) => lookupHashRing(ring, lbKeyHash(context)));
    }
    case 'MAGLEV': {
      const table = buildMaglevTable(candidates, settings?.consistentHash?.maglev?.tableSize);
      return make((context) => lookupMaglev(table, lbKeyHash(context)));
    }
    case 'LEAST_REQUEST':
      return make(createLeastRequestPicker(candidates, options.leastRequest));
  }
}

/** Hash of the request's key; with no key Envoy hashes a random number, so do we. */
export function lbKeyHash(context: LbPickContext): number {
  if (context.hashKey !== undefined) return xxHash32(context.hashKey);
  return Math.min(0xffffffff, Math.floor(context.rng() * 0x100000000));
}
