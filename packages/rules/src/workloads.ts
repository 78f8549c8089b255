// Registered workloads: which service each belongs to, and which ones a label selector picks.
// The control plane forms services and endpoints by these rules; meshctl describe and the live
// analyzers reason with the same functions, so what they say is what the proxies are sent.
import { CLUSTER_DOMAIN } from './hosts.js';

export type Labels = Readonly<Record<string, string>>;

/** Workload label naming the service a registered workload belongs to, before `app`. */
export const SERVICE_NAME_LABEL = 'service.mesh.dev/name';

/** What these rules read of a registered workload (the control plane's record has more). */
export interface WorkloadIdentity {
  readonly namespace: string;
  /** The workload name its proxy gave (`reviews-v1`); the service name falls back to it. */
  readonly workloadName: string;
  readonly labels: Labels;
}

/**
 * The label whose value names a workload's service: `service.mesh.dev/name`, else `app`;
 * undefined when neither is set (an empty value names nothing) and the workload name does.
 */
export function serviceNameLabel(labels: Labels): typeof SERVICE_NAME_LABEL | 'app' | undefined {
  if (labels[SERVICE_NAME_LABEL]) return SERVICE_NAME_LABEL;
  if (labels['app']) return 'app';
  return undefined;
}

/** `reviews` for a workload labelled app=reviews; lower case, as it becomes a DNS name. */
export function registryServiceName(w: WorkloadIdentity): string {
  const label = serviceNameLabel(w.labels);
  return ((label && w.labels[label]) || w.workloadName).toLowerCase();
}

/** `reviews.default.svc.cluster.local`: the service's host, in the workload's namespace. */
export function registryServiceHost(w: WorkloadIdentity, domain: string = CLUSTER_DOMAIN): string {
  return `${registryServiceName(w)}.${w.namespace}.${domain}`;
}

/** What grouping reads besides identity: the ports a workload serves. */
export interface PortedWorkload extends WorkloadIdentity {
  readonly ports: readonly { readonly number: number }[];
}

/** One service formed by registered workloads (the Kubernetes Service a user expects). */
export interface RegistryService<W extends PortedWorkload> {
  /** `reviews`. */
  readonly name: string;
  readonly namespace: string;
  /** `reviews.default.svc.cluster.local`. */
  readonly host: string;
  /** Its workloads, in the order they were given. */
  readonly workloads: readonly W[];
  /**
   * The union of its workloads' ports by number (workloads of one service may differ in ports),
   * each as the first workload to declare the number has it; sorted by number.
   */
  readonly ports: readonly W['ports'][number][];
}

/**
 * Workloads grouped into the services they form, ordered by `namespace/name` as text: the
 * precedence registry services have when one host is declared more than once.
 */
export function groupByService<W extends PortedWorkload>(
  workloads: readonly W[],
  domain: string = CLUSTER_DOMAIN,
): RegistryService<W>[] {
  const groups = new Map<string, { first: W; members: W[] }>();
  for (const w of workloads) {
    const key = `${w.namespace}/${registryServiceName(w)}`;
    const group = groups.get(key);
    if (group) group.members.push(w);
    else groups.set(key, { first: w, members: [w] });
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { first, members }]) => {
      const ports = new Map<number, W['ports'][number]>();
      for (const w of members)
        for (const p of w.ports) if (!ports.has(p.number)) ports.set(p.number, p);
      return {
        name: registryServiceName(first),
        namespace: first.namespace,
        host: registryServiceHost(first, domain),
        workloads: members,
        ports: [...ports.values()].sort((a, b) => a.number - b.number),
      };
    });
}

/**
 * Istio's label selection: every selector label present with the same value, so an empty (or
 * absent) selector selects everything.
 */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return true;
}
