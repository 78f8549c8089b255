// The workloads a control plane has registered, as the live analyzers (MESH-A0021..A0025) see
// them: plain data the caller fetched, so analysis stays pure. Services are formed from workloads
// by the rule the control plane forms them by (workloads.ts).
import type { ServiceEntry, WorkloadEntry } from '../api/resources.js';
import { registryServiceHost, selects, type Labels } from '../workloads.js';

export interface RegisteredWorkloadPort {
  number: number;
  name?: string;
  protocol?: string;
}

/** One workload whose proxy registered with the control plane. */
export interface RegisteredWorkload {
  /** The proxy's node id (`reviews-v1-3452.default`), to name the workload in messages. */
  id: string;
  namespace: string;
  /** The workload name the proxy gave (`reviews-v1`); the service name falls back to it. */
  workloadName: string;
  labels: Labels;
  /** Service ports it serves; empty for a client-only or gateway proxy. */
  ports: readonly RegisteredWorkloadPort[];
}

/** What the control plane knows about running workloads, for `analyze(..., { registry })`. */
export interface WorkloadRegistry {
  workloads: readonly RegisteredWorkload[];
}

export interface RegistryIndex {
  workloads: readonly RegisteredWorkload[];
  /** Registered workloads by the service host they form. */
  byHost: ReadonlyMap<string, readonly RegisteredWorkload[]>;
}

export function indexRegistry(registry: WorkloadRegistry): RegistryIndex {
  const byHost = new Map<string, RegisteredWorkload[]>();
  for (const w of registry.workloads) {
    const host = registryServiceHost(w);
    const list = byHost.get(host);
    if (list) list.push(w);
    else byHost.set(host, [w]);
  }
  return { workloads: registry.workloads, byHost };
}

export function hasLabels(selector: Labels | undefined): selector is Labels {
  return selector !== undefined && Object.keys(selector).length > 0;
}

/** `version=v4` or `app=reviews, version=v5`, keys sorted. */
export function formatLabels(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(', ');
}

const MAX_VALUES = 8;

/**
 * What the candidates have instead, per selector key, to follow "they have" in "selects nothing"
 * messages: `version=v1, v2, v3` or `no "track" label`; keys joined with "; ".
 */
export function describeCandidates(selector: Labels, candidates: readonly Labels[]): string {
  return Object.keys(selector)
    .sort()
    .map((key) => {
      const values = [
        ...new Set(candidates.flatMap((l) => (Object.hasOwn(l, key) ? [l[key] ?? ''] : []))),
      ].sort();
      if (values.length === 0) return `no "${key}" label`;
      const shown = values.slice(0, MAX_VALUES).map((v) => (v === '' ? '""' : v));
      const more = values.length > MAX_VALUES ? `, ... (${values.length - MAX_VALUES} more)` : '';
      return `${key}=${shown.join(', ')}${more}`;
    })
    .join('; ');
}

/** An endpoint a subset may select: a registered workload, a WorkloadEntry or an inline one. */
export interface EndpointLabels {
  labels: Labels;
  /** Is it a registered workload (as opposed to an entry the config declares)? */
  registered: boolean;
}

/**
 * The endpoints a host has, as the control plane builds them: the workloads forming its registry
 * service, plus, for a ServiceEntry host, its inline endpoints and the WorkloadEntries and
 * registered workloads its workloadSelector picks in its namespace. Empty when the endpoints are
 * not known here (a DNS or passthrough ServiceEntry without endpoints, an unknown host).
 */
export function endpointsOfHost(
  host: string,
  registry: RegistryIndex,
  serviceEntries: readonly ServiceEntry[],
  workloadEntries: readonly WorkloadEntry[],
): EndpointLabels[] {
  const out: EndpointLabels[] = (registry.byHost.get(host) ?? []).map((w) => ({
    labels: w.labels,
    registered: true,
  }));
  for (const se of serviceEntries) {
    for (const e of se.spec?.endpoints ?? [])
      if (e?.address) out.push({ labels: e.labels ?? {}, registered: false });
    const selector = se.spec?.workloadSelector?.labels;
    if (!hasLabels(selector)) continue;
    const ns = se.metadata.namespace;
    for (const we of workloadEntries) {
      if (we.metadata.namespace === ns && selects(selector, we.spec?.labels ?? {}))
        out.push({ labels: we.spec?.labels ?? {}, registered: false });
    }
    for (const w of registry.workloads) {
      if (w.namespace === ns && selects(selector, w.labels))
        out.push({ labels: w.labels, registered: true });
    }
  }
  return out;
}

/** "3 registered workloads" / "1 endpoint": how many endpoints, named by what they are. */
export function countEndpoints(endpoints: readonly EndpointLabels[]): string {
  const noun = endpoints.every((e) => e.registered) ? 'registered workload' : 'endpoint';
  return `${endpoints.length} ${noun}${endpoints.length === 1 ? '' : 's'}`;
}
