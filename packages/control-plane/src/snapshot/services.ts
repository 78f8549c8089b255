// The mesh's services: registry workloads grouped by service name, plus ServiceEntry hosts with
// their endpoints. Every proxy's clusters and endpoints are cut from this one list.
import type { ClusterBody, ListenerProtocol } from '@mesh/proto';
import {
  CLUSTER_DOMAIN,
  DEFAULT_WORKLOAD_ADDRESS,
  groupByService,
  portProtocol,
  serviceEntryServices,
  type EntryEndpoint,
  type ServiceEntry,
  type WorkloadEntry,
} from '@mesh/rules';
import type { ConfigView, RegistryView, SnapshotOptions, WorkloadRecord } from '../model.js';
import { sortedLabels } from './labels.js';
import { attempt, storedOfKind } from './stored.js';

export type Resolution = ClusterBody['resolution'];

export interface ServicePort {
  readonly number: number;
  readonly protocol: ListenerProtocol;
  readonly name?: string;
  readonly targetPort?: number;
}

/** An endpoint as @mesh/rules derives it, without what only describe uses. */
export type ServiceEndpoint = Omit<EntryEndpoint<never>, 'workload' | 'dns'>;

export interface MeshService {
  /** Fully qualified host (or a ServiceEntry wildcard such as `*.example.com`). */
  readonly host: string;
  readonly namespace: string;
  readonly ports: readonly ServicePort[];
  readonly exportTo: readonly string[];
  readonly resolution: Resolution;
  readonly endpoints: readonly ServiceEndpoint[];
  /** Who declares it: `registry` or `ServiceEntry ns/name`. */
  readonly origin: string;
}

export { DEFAULT_WORKLOAD_ADDRESS };

/**
 * All services, in precedence order: registry services (by namespace, name), then ServiceEntry
 * hosts oldest first. One host may be declared in several namespaces (each is kept; a proxy picks
 * one, see servicesForProxy); a second declaration in the same namespace is dropped, as compile()
 * keeps the first declaration of a host.
 */
export function servicesOf(
  config: ConfigView,
  registry: RegistryView,
  options: SnapshotOptions = {},
): MeshService[] {
  const domain = options.domain ?? CLUSTER_DOMAIN;
  const out: MeshService[] = [];
  const seen = new Set<string>();
  const add = (s: MeshService) => {
    const key = `${s.namespace}/${s.host}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(s);
  };
  registryServices(registry.workloads, domain).forEach(add);
  const workloadEntries = storedOfKind(config, 'WorkloadEntry').map((we) => we.resource);
  for (const se of storedOfKind(config, 'ServiceEntry')) {
    attempt(
      () => entryServices(se.resource, workloadEntries, registry.workloads, domain),
      [],
    ).forEach(add);
  }
  return out;
}

/** One service per group of workloads @mesh/rules' groupByService forms. */
function registryServices(workloads: readonly WorkloadRecord[], domain: string): MeshService[] {
  return groupByService(workloads, domain).map((service) => ({
    host: service.host,
    namespace: service.namespace,
    // The union of the workloads' ports; each endpoint serves only the ports its workload has.
    ports: service.ports.map((p) => servicePort(p.number, p.protocol, p.name)),
    exportTo: ['*'],
    resolution: 'STATIC' as const,
    endpoints: service.workloads.map((w) => ({
      address: w.addresses[0] ?? DEFAULT_WORKLOAD_ADDRESS,
      // Other proxies dial the workload's sidecar inbound port (endpointPort, or the service
      // port itself under transparent capture); targetPort is the app behind the sidecar.
      ports: Object.fromEntries(w.ports.map((p) => [p.number, p.endpointPort || p.number])),
      labels: sortedLabels(w.labels),
      ready: w.ready,
      weight: 1,
      locality: w.locality,
      source: `proxy ${w.proxyId}`,
    })),
    origin: 'registry',
  }));
}

function servicePort(
  number: number,
  protocol: string | undefined,
  name: string | undefined,
): ServicePort {
  return { number, protocol: portProtocol({ protocol, name }), ...(name ? { name } : {}) };
}

/** @mesh/rules' ServiceEntry services, with labels in the snapshot's stable order. */
function entryServices(
  se: ServiceEntry,
  workloadEntries: readonly WorkloadEntry[],
  workloads: readonly WorkloadRecord[],
  domain: string,
): MeshService[] {
  return serviceEntryServices(se, workloadEntries, workloads, domain).map((s) => ({
    host: s.host,
    namespace: s.namespace,
    ports: s.ports,
    exportTo: s.exportTo,
    resolution: s.resolution,
    endpoints: s.endpoints.map((e) => ({
      address: e.address,
      ports: e.ports,
      labels: sortedLabels(e.labels),
      ready: e.ready,
      weight: e.weight,
      locality: e.locality,
      source: e.source,
    })),
    origin: s.origin,
  }));
}
