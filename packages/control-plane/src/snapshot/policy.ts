// DestinationRule lookups for clusters, through @mesh/rules' compile() and destinationPolicy() so
// the rule choice (namespaces, exportTo, wildcards, merging) is the one the rest of the mesh uses.
import {
  compile,
  DEFAULT_LB_POLICY,
  destinationPolicy,
  hostsIntersect,
  resolveHost,
  type CompiledConfig,
  type DestinationRule,
  type ResolvedTrafficPolicy,
  type ServiceInfo,
} from '@mesh/rules';
import type { ConfigView } from '../model.js';
import type { MeshService } from './services.js';
import { attempt, qualifiedName, storedOfKind } from './stored.js';

export interface PolicyIndex {
  readonly compiled: CompiledConfig;
  /** Subset names of every DestinationRule whose host overlaps `host`, sorted. */
  candidateSubsets(host: string): string[];
}

export interface ClusterPolicy {
  readonly trafficPolicy: ResolvedTrafficPolicy;
  /** `ns/name` of the DestinationRule used, '' for none. */
  readonly destinationRule: string;
  readonly subsetLabels: Readonly<Record<string, string>>;
}

/** Istio's policy when no DestinationRule applies. */
export const DEFAULT_CLUSTER_POLICY: ClusterPolicy = {
  trafficPolicy: { loadBalancer: { simple: DEFAULT_LB_POLICY } },
  destinationRule: '',
  subsetLabels: {},
};

export function policyIndex(
  config: ConfigView,
  services: readonly MeshService[],
  domain: string,
): PolicyIndex {
  const rules = storedOfKind(config, 'DestinationRule').map((s) => s.resource);
  const infos: ServiceInfo[] = services.map((s) => ({
    host: s.host,
    ports: s.ports.map((p) => ({ ...p })),
    namespace: s.namespace,
    exportTo: [...s.exportTo],
  }));
  const subsetsByHost = rules.flatMap((r) =>
    attempt(
      () =>
        r.spec.host
          ? [
              {
                host: resolveHost(r.spec.host, r.metadata.namespace, domain),
                names: (r.spec.subsets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
              },
            ]
          : [],
      [],
    ),
  );
  return {
    compiled: compileRules(rules, infos, domain),
    candidateSubsets: (host) =>
      [
        ...new Set(
          subsetsByHost.filter((e) => hostsIntersect(e.host, host)).flatMap((e) => e.names),
        ),
      ].sort(),
  };
}

/**
 * The policy for one cluster; undefined when the subset is not defined by the DestinationRule
 * that applies to this consumer (the other rules' subsets were only candidates).
 */
export function clusterPolicy(
  index: PolicyIndex,
  query: { host: string; port: number; subset: string; consumerNamespace: string },
): ClusterPolicy | undefined {
  const result = destinationPolicy(index.compiled, {
    host: query.host,
    port: query.port,
    subset: query.subset || undefined,
    consumerNamespace: query.consumerNamespace,
  });
  if (!result.ok) return undefined;
  return {
    trafficPolicy: result.trafficPolicy,
    destinationRule: result.rule ? qualifiedName({ metadata: result.rule }) : '',
    subsetLabels: result.subsetLabels,
  };
}

function compileRules(
  rules: readonly DestinationRule[],
  services: readonly ServiceInfo[],
  domain: string,
): CompiledConfig {
  const build = (rs: readonly DestinationRule[]) => compile(rs, { services, domain });
  try {
    return build(rules);
  } catch {
    // One rule that compile() cannot take must not cost every other service its policy.
    const usable = rules.filter((r) => attempt(() => (build([r]), true), false));
    try {
      return build(usable);
    } catch {
      return compile([], { domain });
    }
  }
}
