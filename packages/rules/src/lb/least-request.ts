// LEAST_REQUEST, Istio's default simple policy. Envoy
// (arch_overview/upstream/load_balancing/load_balancers#weighted-least-request and the LeastRequest
// proto, envoy.extensions.load_balancing_policies.least_request.v3):
// - all weights equal: sample choice_count (default 2) random hosts and take the one with the fewest
//   active requests ("power of two choices"). Samples are independent, so both may be the same
//   host; on a tie the earlier sample wins.
// - weights differ: every host gets a dynamic weight
//     load_balancing_weight / (active_requests + 1) ^ active_request_bias   (bias default 1.0)
//   so a busy heavy host keeps some traffic instead of draining as it would under plain P2C.
//   Envoy feeds these weights to an EDF schedule; we draw proportionally to them instead, which
//   gives the same long-run shares for fixed counts but needs no schedule state.
import { pickWeighted } from './weighted.js';
import {
  activeRequestsFor,
  lbRandomIndex,
  lbWeightOf,
  type LbEndpoint,
  type LbPickContext,
} from './types.js';

export const DEFAULT_LEAST_REQUEST_CHOICE_COUNT = 2;
export const DEFAULT_ACTIVE_REQUEST_BIAS = 1.0;

export interface LeastRequestOptions {
  readonly choiceCount?: number;
  readonly activeRequestBias?: number;
}

/**
 * Everything that depends only on the endpoint set (the weight > 0 filter, the equal-weights test,
 * a scratch buffer for dynamic weights) is computed here once, so the returned picker allocates
 * nothing per call: the balancer factory uses this because pick() is on the request path.
 */
export function createLeastRequestPicker(
  endpoints: readonly LbEndpoint[],
  options: LeastRequestOptions = {},
): (context: LbPickContext) => LbEndpoint | undefined {
  const pickable = endpoints.filter((e) => lbWeightOf(e) > 0);
  const first = pickable[0];
  if (first === undefined) return () => undefined;
  const firstWeight = lbWeightOf(first);
  if (pickable.every((e) => lbWeightOf(e) === firstWeight)) {
    const draws = Math.max(
      1,
      Math.floor(options.choiceCount ?? DEFAULT_LEAST_REQUEST_CHOICE_COUNT),
    );
    return (context) => pickFewestOfSample(pickable, context, draws);
  }
  const bias = options.activeRequestBias ?? DEFAULT_ACTIVE_REQUEST_BIAS;
  const weights = pickable.map(lbWeightOf);
  const dynamicWeights = new Float64Array(pickable.length);
  return (context) => {
    for (let i = 0; i < pickable.length; i++) {
      const e = pickable[i];
      dynamicWeights[i] =
        e === undefined
          ? 0
          : leastRequestDynamicWeight(weights[i] ?? 0, activeRequestsFor(e, context), bias);
    }
    return pickable[pickWeighted(dynamicWeights, context.rng)];
  };
}

/** One-off pick; redoes the per-set work on every call, so prefer createLeastRequestPicker. */
export function pickLeastRequest(
  endpoints: readonly LbEndpoint[],
  context: LbPickContext,
  options: LeastRequestOptions = {},
): LbEndpoint | undefined {
  return createLeastRequestPicker(endpoints, options)(context);
}

/** Envoy's dynamic host weight for unequal weights; the +1 keeps an idle host finite. */
export function leastRequestDynamicWeight(
  weight: number,
  activeRequests: number,
  bias: number,
): number {
  if (bias === 0) return weight;
  return weight / Math.pow(activeRequests + 1, bias);
}

// Envoy's N_CHOICES pick (least_request_lb.cc, unweightedHostPickNChoices) draws each sample
// independently (random() % host count), i.e. with replacement, and replaces the candidate only on
// strictly fewer active requests, so the earliest sample wins a tie. Both are reproduced here.
function pickFewestOfSample(
  pickable: readonly LbEndpoint[],
  context: LbPickContext,
  draws: number,
): LbEndpoint | undefined {
  let chosen: LbEndpoint | undefined;
  let chosenActive = Infinity;
  for (let k = 0; k < draws; k++) {
    const candidate = pickable[lbRandomIndex(context.rng, pickable.length)];
    if (candidate === undefined) continue;
    const active = activeRequestsFor(candidate, context);
    if (active < chosenActive) {
      chosen = candidate;
      chosenActive = active;
    }
  }
  return chosen;
}
