// destinationPolicy(): the DestinationRule policy a caller applies to one destination cluster.
import type { DestinationRule, TrafficPolicy } from '../api/index.js';
import type { CompiledConfig } from '../compile/types.js';
import { hostCandidates, normalizeHost, wildcardLookup } from '../compile/lookup.js';
import { isVisible, visibleNamespaces } from '../compile/visibility.js';
import { deepFreeze } from '../compile/freeze.js';
import { mergeSubsetPolicy, type ResolvedTrafficPolicy } from './merge.js';

/** Istio's default load balancer since 1.14 when a DestinationRule sets none. */
export const DEFAULT_LB_POLICY = 'LEAST_REQUEST';
/** Istio's default config root namespace, whose exported DestinationRules are the last resort. */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';

export interface DestinationPolicyQuery {
  host: string;
  subset?: string;
  port?: number;
  /** Namespace of the calling proxy; defaults to the service's namespace. */
  consumerNamespace?: string;
}

export interface DestinationPolicy {
  ok: true;
  host: string;
  subset: string | undefined;
  port: number | undefined;
  /** The DestinationRule used, if any (the first of several merged for the same host). */
  rule: { namespace: string; name: string } | undefined;
  trafficPolicy: ResolvedTrafficPolicy;
  /** Endpoint labels the subset selects; empty when no subset is asked for. */
  subsetLabels: Readonly<Record<string, string>>;
}

export interface DestinationPolicyError {
  ok: false;
  reason: 'unknown-subset';
  message: string;
}

export function destinationPolicy(
  config: CompiledConfig,
  query: DestinationPolicyQuery,
): DestinationPolicy | DestinationPolicyError {
  const host = normalizeHost(query.host);
  const serviceNs = serviceNamespace(config, host);
  const consumer = query.consumerNamespace ?? serviceNs ?? 'default';
  const rules = selectRules(
    config,
    hostCandidates(host, consumer, config.domain),
    consumer,
    serviceNs,
  );
  const first = rules[0];
  // Several DestinationRules for one host in one namespace are merged: the first traffic policy
  // wins and subsets accumulate (a later subset with a taken name is ignored), as Istio does.
  const top: TrafficPolicy | undefined = rules.find((r) => r.spec.trafficPolicy)?.spec
    .trafficPolicy;
  const subset =
    query.subset === undefined
      ? undefined
      : rules.flatMap((r) => r.spec.subsets ?? []).find((s) => s.name === query.subset);
  if (query.subset !== undefined && !subset) {
    return {
      ok: false,
      reason: 'unknown-subset',
      message: first
        ? `subset ${query.subset} is not defined by DestinationRule ${first.metadata.namespace}/${first.metadata.name} for ${host}`
        : `subset ${query.subset} requested for ${host}, which has no DestinationRule`,
    };
  }
  const merged = mergeSubsetPolicy(top, subset?.trafficPolicy, query.port) ?? {};
  const lb = merged.loadBalancer;
  const trafficPolicy: ResolvedTrafficPolicy =
    lb?.simple || lb?.consistentHash
      ? merged
      : { ...merged, loadBalancer: { ...lb, simple: DEFAULT_LB_POLICY } };
  return deepFreeze(
    structuredClone({
      ok: true as const,
      host,
      subset: query.subset,
      port: query.port,
      rule: first ? { namespace: first.metadata.namespace, name: first.metadata.name } : undefined,
      trafficPolicy,
      subsetLabels: { ...subset?.labels },
    }),
  );
}

/**
 * Istio looks in the caller's namespace, then the service's namespace, then the root namespace,
 * and inside one namespace an exact host beats the most specific wildcard. Rules with a
 * workloadSelector apply to chosen workloads only and are left to the caller.
 */
function selectRules(
  config: CompiledConfig,
  hosts: readonly string[],
  consumer: string,
  serviceNs: string | undefined,
): DestinationRule[] {
  const tiers = [
    ...new Set([consumer, serviceNs, ISTIO_ROOT_NAMESPACE].filter((n): n is string => !!n)),
  ];
  for (const ns of tiers) {
    const usable = (list: readonly DestinationRule[] | undefined) => {
      const out = (list ?? []).filter(
        (r) =>
          r.metadata.namespace === ns &&
          !r.spec.workloadSelector &&
          isVisible(visibleNamespaces(r.spec.exportTo, r.metadata.namespace), consumer),
      );
      return out.length > 0 ? out : undefined;
    };
    for (const h of hosts) {
      const hit = usable(config.destinationRules.exact[h]);
      if (hit) return hit;
    }
    for (const h of hosts) {
      const hit = wildcardLookup(h, (p) => usable(config.destinationRules.wildcard[p]));
      if (hit) return hit;
    }
  }
  return [];
}

function serviceNamespace(config: CompiledConfig, host: string): string | undefined {
  const known = config.services.exact[host]?.namespace;
  if (known) return known;
  // reviews.bookinfo.svc.cluster.local -> bookinfo
  const suffix = `.${config.domain}`;
  if (!host.endsWith(suffix)) return undefined;
  const parts = host.slice(0, -suffix.length).split('.');
  return parts.length === 2 ? parts[1] : undefined;
}
