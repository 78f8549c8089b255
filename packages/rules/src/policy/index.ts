// destinationPolicy(): merged DestinationRule policy for a host, subset and port.
export {
  destinationPolicy,
  DEFAULT_LB_POLICY,
  ISTIO_ROOT_NAMESPACE,
  type DestinationPolicyQuery,
  type DestinationPolicy,
  type DestinationPolicyError,
} from './policy.js';
export { mergeSubsetPolicy, type ResolvedTrafficPolicy } from './merge.js';
