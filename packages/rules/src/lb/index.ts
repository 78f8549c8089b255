// Load balancing: pure pickers for Istio's LoadBalancerSettings with Envoy's semantics.
export { pickWeighted } from './weighted.js';
export {
  lbWeightOf,
  type LbEndpoint,
  type LbPickContext,
  type LbPolicy,
  type EndpointLoadBalancer,
} from './types.js';
export {
  DEFAULT_LB_PANIC_THRESHOLD_PERCENT,
  DEFAULT_LB_OVERPROVISIONING_FACTOR_PERCENT,
  isLbPanic,
  isLbHealthy,
  lbCandidates,
} from './health.js';
export { xxHash32 } from './hash.js';
export { createRoundRobinCursor, type RoundRobinCursor } from './round-robin.js';
export {
  pickLeastRequest,
  createLeastRequestPicker,
  leastRequestDynamicWeight,
  DEFAULT_LEAST_REQUEST_CHOICE_COUNT,
  DEFAULT_ACTIVE_REQUEST_BIAS,
  type LeastRequestOptions,
} from './least-request.js';
export { pickRandomEndpoint, createRandomPicker } from './random.js';
export {
  buildHashRing,
  lookupHashRing,
  hashRingEntryIndex,
  DEFAULT_RING_HASH_MINIMUM_SIZE,
  RING_HASH_MAXIMUM_SIZE,
  type HashRing,
  type HashRingOptions,
} from './ring-hash.js';
export {
  buildMaglevTable,
  lookupMaglev,
  DEFAULT_MAGLEV_TABLE_SIZE,
  MAGLEV_MAXIMUM_TABLE_SIZE,
  type MaglevTable,
} from './maglev.js';
export { hashKeyFor, type LbHashRequest, type LbQueryLike } from './hash-key.js';
export {
  createLoadBalancer,
  lbPolicyOf,
  isPassthroughLb,
  lbKeyHash,
  type LbFactoryOptions,
} from './load-balancer.js';
export {
  createLocalityFailoverLoadBalancer,
  localityPriorityLevels,
  localityMatchRank,
  parseLbLocality,
  priorityHealthPercent,
  priorityLoads,
  type FailoverPriority,
  type LocalityLbOptions,
} from './locality.js';
export {
  createLocalityWeightedLoadBalancer,
  distributeLocalityWeights,
  localityPatternMatches,
  type WeightedLocality,
} from './locality-weights.js';
