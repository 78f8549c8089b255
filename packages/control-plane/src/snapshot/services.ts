// The mesh's services: registry workloads grouped by service name, plus ServiceEntry hosts with
// their endpoints. Every proxy's clusters and endpoints are cut from this one list.
import type { ClusterBody, ListenerProtocol } from '@mesh/proto';
import {
  CLUSTER_DOMAIN,
  groupByService,
  portProtocol,
  resolveHost,
  selects,
  type Labels,
  type Port,
  type ServiceEntry,
  type WorkloadEntry,
  type WorkloadEntrySpec,
} from '@mesh/rules';
import type { ConfigView, RegistryView, SnapshotOptions, WorkloadRecord } from '../model.js';
import { sortedLabels } from './labels.js';
import { attempt, qualifiedName, storedOfKind, type Stored } from './stored.js';

export type Resolution = ClusterBody['resolution'];

export interface ServicePort {
  readonly number: number;
  readonly protocol: ListenerProtocol;
  readonly name?: string;
  readonly targetPort?: number;
}

export interface ServiceEndpoint {
  /** IP or hostname. */
  readonly address: string;
  /** Endpoint port by service port number; a service port missing here is not served by it. */
  readonly ports: Readonly<Record<number, number>>;
  readonly labels: Labels;
  readonly ready: boolean;
  readonly weight: number;
  readonly locality: string;
  /** `proxy <id>`, `WorkloadEntry ns/name` or `ServiceEntry ns/name`. */
  readonly source: string;
}

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

/** Where a workload that registered no address is reached: our local mesh runs on loopback. */
export const DEFAULT_WORKLOAD_ADDRESS = '127.0.0.1';

const RESOLUTIONS: readonly Resolution[] = ['STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'NONE'];

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
  const workloadEntries = storedOfKind(config, 'WorkloadEntry');
  for (const se of storedOfKind(config, 'ServiceEntry')) {
    attempt(
      () => serviceEntryServices(se, workloadEntries, registry.workloads, domain),
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
  targetPort?: number,
): ServicePort {
  return {
    number,
    protocol: portProtocol({ protocol, name }),
    ...(name ? { name } : {}),
    ...(targetPort ? { targetPort } : {}),
  };
}

function serviceEntryServices(
  stored: Stored<ServiceEntry>,
  workloadEntries: readonly Stored<WorkloadEntry>[],
  workloads: readonly WorkloadRecord[],
  domain: string,
): MeshService[] {
  const se = stored.resource;
  const { namespace } = se.metadata;
  const origin = `ServiceEntry ${qualifiedName(se)}`;
  const ports = uniquePorts(se.spec.ports ?? []);
  const resolution = resolutionOf(se.spec.resolution);
  const endpoints: ServiceEndpoint[] = (se.spec.endpoints ?? []).flatMap((e) =>
    entryEndpoint(e, ports, origin),
  );
  const selector = se.spec.workloadSelector;
  if (selector) {
    // Istio semantics: a WorkloadEntry is an endpoint only of the ServiceEntries that select it
    // (same namespace); it does not form a service of its own from its labels.
    for (const we of workloadEntries) {
      const r = we.resource;
      if (r.metadata.namespace !== namespace || !selects(selector.labels, r.spec.labels ?? {}))
        continue;
      endpoints.push(...entryEndpoint(r.spec, ports, `WorkloadEntry ${qualifiedName(r)}`));
    }
    for (const w of workloads) {
      if (w.namespace !== namespace || !selects(selector.labels, w.labels)) continue;
      endpoints.push(workloadEndpoint(w, ports));
    }
  }
  const exportTo = se.spec.exportTo && se.spec.exportTo.length > 0 ? se.spec.exportTo : ['*'];
  const hosts = [...new Set((se.spec.hosts ?? []).map((h) => resolveHost(h, namespace, domain)))];
  return hosts.map((host) => ({
    host,
    namespace,
    ports,
    exportTo: [...exportTo],
    resolution,
    endpoints:
      endpoints.length === 0 && isDns(resolution) && !host.startsWith('*')
        ? [dnsEndpoint(host, ports, origin)]
        : endpoints,
    origin,
  }));
}

function uniquePorts(ports: readonly Port[]): ServicePort[] {
  const out = new Map<number, ServicePort>();
  for (const p of ports) {
    if (!p.number || out.has(p.number)) continue;
    out.set(p.number, servicePort(p.number, p.protocol, p.name, p.targetPort));
  }
  return [...out.values()];
}

function resolutionOf(value: string | undefined): Resolution {
  const upper = (value ?? '').toUpperCase();
  // Istio's enum default is NONE: forward to the address the app asked for.
  return RESOLUTIONS.find((r) => r === upper) ?? 'NONE';
}

function isDns(resolution: Resolution): boolean {
  return resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN';
}

/** The port an endpoint serves a service port on when it names none: targetPort, else the port. */
function defaultEndpointPort(p: ServicePort): number {
  return p.targetPort || p.number;
}

/** WorkloadEntry (or inline ServiceEntry endpoint): `ports` maps service port names to ports. */
function entryEndpoint(
  e: WorkloadEntrySpec,
  ports: readonly ServicePort[],
  source: string,
): ServiceEndpoint[] {
  // An entry without an address lives on another network, which this mesh does not reach.
  if (!e.address) return [];
  const named = e.ports ?? {};
  return [
    {
      address: e.address,
      ports: Object.fromEntries(
        ports.map((p) => [
          p.number,
          (p.name && Object.hasOwn(named, p.name) ? named[p.name] : undefined) ??
            defaultEndpointPort(p),
        ]),
      ),
      labels: sortedLabels(e.labels),
      ready: true,
      // weight 0 is protobuf's "unset": Istio sends 1.
      weight: e.weight || 1,
      locality: e.locality ?? '',
      source,
    },
  ];
}

/**
 * A registered workload a ServiceEntry selects: its proxy's port for a service port is the one of
 * the same name, else the same number, else the one fronting the service's target port.
 */
function workloadEndpoint(w: WorkloadRecord, ports: readonly ServicePort[]): ServiceEndpoint {
  const portFor = (p: ServicePort): number => {
    const wp =
      (p.name ? w.ports.find((x) => x.name === p.name) : undefined) ??
      w.ports.find((x) => x.number === p.number) ??
      w.ports.find((x) => x.targetPort !== 0 && x.targetPort === defaultEndpointPort(p));
    return wp ? wp.endpointPort || wp.number : defaultEndpointPort(p);
  };
  return {
    address: w.addresses[0] ?? DEFAULT_WORKLOAD_ADDRESS,
    ports: Object.fromEntries(ports.map((p) => [p.number, portFor(p)])),
    labels: sortedLabels(w.labels),
    ready: w.ready,
    weight: 1,
    locality: w.locality,
    source: `proxy ${w.proxyId}`,
  };
}

/** DNS resolution without endpoints: the proxy resolves the host itself (Istio does the same). */
function dnsEndpoint(host: string, ports: readonly ServicePort[], source: string): ServiceEndpoint {
  return {
    address: host,
    ports: Object.fromEntries(ports.map((p) => [p.number, defaultEndpointPort(p)])),
    labels: {},
    ready: true,
    weight: 1,
    locality: '',
    source,
  };
}
