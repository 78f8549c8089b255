// DestinationRule traffic policy merging, as Istio's MergeSubsetTrafficPolicy does it
// (pilot/pkg/networking/core/cluster_builder / util): port-level settings REPLACE the level they
// sit in (nothing inherited, defaults apply to what they omit); a subset overrides the top level
// field by field, and a subset port-level entry replaces all four port-level fields.
import type { PortTrafficPolicy, TrafficPolicy } from '../api/index.js';

export type ResolvedTrafficPolicy = Omit<TrafficPolicy, 'portLevelSettings'>;

const PORT_FIELDS = ['connectionPool', 'loadBalancer', 'outlierDetection', 'tls'] as const;

/** The policy for one port of one level: the matching portLevelSettings entry alone, if any. */
export function portLevelPolicy(
  policy: TrafficPolicy | undefined,
  port: number | undefined,
): { policy: ResolvedTrafficPolicy | undefined; fromPort: boolean } {
  if (!policy) return { policy: undefined, fromPort: false };
  const entry: PortTrafficPolicy | undefined =
    port === undefined ? undefined : policy.portLevelSettings?.find((p) => p.port?.number === port);
  if (!entry) return { policy: withoutPorts(policy), fromPort: false };
  const out: ResolvedTrafficPolicy = {};
  for (const f of PORT_FIELDS) if (entry[f] !== undefined) Object.assign(out, { [f]: entry[f] });
  return { policy: out, fromPort: true };
}

export function mergeSubsetPolicy(
  top: TrafficPolicy | undefined,
  subset: TrafficPolicy | undefined,
  port: number | undefined,
): ResolvedTrafficPolicy | undefined {
  const base = portLevelPolicy(top, port).policy;
  if (!subset) return base;
  const { policy: sub, fromPort } = portLevelPolicy(subset, port);
  if (!base) return sub;
  if (!sub) return base;
  const merged: ResolvedTrafficPolicy = { ...base };
  for (const f of PORT_FIELDS) {
    if (sub[f] !== undefined || fromPort) {
      if (sub[f] === undefined) delete merged[f];
      else Object.assign(merged, { [f]: sub[f] });
    }
  }
  // Fields outside the four port-level ones are overridden only when the subset sets them.
  if (sub.tunnel) merged.tunnel = sub.tunnel;
  if (sub.proxyProtocol) merged.proxyProtocol = sub.proxyProtocol;
  if (sub.retryBudget) merged.retryBudget = sub.retryBudget;
  return merged;
}

function withoutPorts(policy: TrafficPolicy): ResolvedTrafficPolicy {
  const { portLevelSettings: _ignored, ...rest } = policy;
  return rest;
}
