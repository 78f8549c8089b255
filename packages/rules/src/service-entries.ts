// ServiceEntry hosts as services: their ports and endpoints (inline endpoints, selected
// WorkloadEntries, selected registered workloads, else the DNS host itself). The control plane
// sends proxies these endpoints and meshctl describe shows them, so both call this one function.
import type { Port, ServiceEntry, WorkloadEntry, WorkloadEntrySpec } from './api/index.js';
import { CLUSTER_DOMAIN, resolveHost } from './hosts.js';
import { portProtocol, type PortProtocol } from './protocol.js';
import { selects, type Labels } from './workloads.js';

export type Resolution = 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'NONE';

const RESOLUTIONS: readonly Resolution[] = ['STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'NONE'];

/** Where a workload that registered no address is reached: our local mesh runs on loopback. */
export const DEFAULT_WORKLOAD_ADDRESS = '127.0.0.1';

export interface EntryServicePort {
  readonly number: number;
  readonly protocol: PortProtocol;
  readonly name?: string;
  readonly targetPort?: number;
}

/** What a ServiceEntry's workloadSelector reads of a registered workload. */
export interface SelectableWorkload {
  readonly proxyId: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly addresses: readonly string[];
  readonly ports: readonly {
    readonly number: number;
    readonly name?: string;
    readonly targetPort?: number;
    readonly endpointPort?: number;
  }[];
  readonly ready: boolean;
  readonly locality: string;
}

export interface EntryEndpoint<W> {
  /** IP or hostname. */
  readonly address: string;
  /** Endpoint port by service port number. */
  readonly ports: Readonly<Record<number, number>>;
  readonly labels: Labels;
  readonly ready: boolean;
  readonly weight: number;
  readonly locality: string;
  /** `proxy <id>`, `WorkloadEntry ns/name` or `ServiceEntry ns/name`. */
  readonly source: string;
  /** The selected registered workload behind it, when one is. */
  readonly workload?: W;
  /** The host itself, which the proxy resolves (DNS resolution without endpoints). */
  readonly dns?: true;
}

export interface EntryService<W> {
  /** Fully qualified host (or a wildcard such as `*.example.com`). */
  readonly host: string;
  readonly namespace: string;
  readonly ports: readonly EntryServicePort[];
  readonly exportTo: readonly string[];
  readonly resolution: Resolution;
  readonly location?: string;
  readonly endpoints: readonly EntryEndpoint<W>[];
  /** `ServiceEntry ns/name`. */
  readonly origin: string;
}

/**
 * One service per distinct host of `se`. Ports are the first of each number. With a
 * workloadSelector, WorkloadEntries and registered workloads of its namespace whose labels it
 * selects are endpoints too (Istio: a selected WorkloadEntry forms no service of its own).
 */
export function serviceEntryServices<W extends SelectableWorkload>(
  se: ServiceEntry,
  workloadEntries: readonly WorkloadEntry[],
  workloads: readonly W[],
  domain: string = CLUSTER_DOMAIN,
): EntryService<W>[] {
  const { namespace } = se.metadata;
  const origin = `ServiceEntry ${namespace}/${se.metadata.name}`;
  const ports = uniquePorts(se.spec.ports ?? []);
  const resolution = resolutionOf(se.spec.resolution);
  const endpoints: EntryEndpoint<W>[] = (se.spec.endpoints ?? []).flatMap((e) =>
    entryEndpoint<W>(e, ports, origin),
  );
  const selector = se.spec.workloadSelector;
  if (selector) {
    for (const we of workloadEntries) {
      if (we.metadata.namespace !== namespace || !selects(selector.labels, we.spec.labels ?? {}))
        continue;
      const source = `WorkloadEntry ${namespace}/${we.metadata.name}`;
      endpoints.push(...entryEndpoint<W>(we.spec, ports, source));
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
    ...(se.spec.location ? { location: se.spec.location } : {}),
    endpoints:
      endpoints.length === 0 && isDns(resolution) && !host.startsWith('*')
        ? [dnsEndpoint<W>(host, ports, origin)]
        : endpoints,
    origin,
  }));
}

function uniquePorts(ports: readonly Port[]): readonly EntryServicePort[] {
  const out = new Map<number, EntryServicePort>();
  for (const p of ports) {
    if (!p.number || out.has(p.number)) continue;
    out.set(p.number, {
      number: p.number,
      protocol: portProtocol(p),
      ...(p.name ? { name: p.name } : {}),
      ...(p.targetPort ? { targetPort: p.targetPort } : {}),
    });
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
function defaultEndpointPort(p: EntryServicePort): number {
  return p.targetPort || p.number;
}

/** WorkloadEntry (or inline ServiceEntry endpoint): `ports` maps service port names to ports. */
function entryEndpoint<W>(
  e: WorkloadEntrySpec,
  ports: readonly EntryServicePort[],
  source: string,
): EntryEndpoint<W>[] {
  // An entry without an address lives on another network, which this mesh does not reach.
  if (!e.address) return [];
  const named = e.ports ?? {};
  return [
    {
      address: e.address,
      ports: Object.fromEntries(
        ports.map((p) => [
          p.number,
          // Own keys only: a port named `constructor` must not find Object.prototype's.
          (p.name && Object.hasOwn(named, p.name) ? named[p.name] : undefined) ??
            defaultEndpointPort(p),
        ]),
      ),
      labels: e.labels ?? {},
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
function workloadEndpoint<W extends SelectableWorkload>(
  w: W,
  ports: readonly EntryServicePort[],
): EntryEndpoint<W> {
  const portFor = (p: EntryServicePort): number => {
    const wp =
      (p.name ? w.ports.find((x) => x.name === p.name) : undefined) ??
      w.ports.find((x) => x.number === p.number) ??
      w.ports.find((x) => !!x.targetPort && x.targetPort === defaultEndpointPort(p));
    return wp ? wp.endpointPort || wp.number : defaultEndpointPort(p);
  };
  return {
    address: w.addresses[0] ?? DEFAULT_WORKLOAD_ADDRESS,
    ports: Object.fromEntries(ports.map((p) => [p.number, portFor(p)])),
    labels: w.labels,
    ready: w.ready,
    weight: 1,
    locality: w.locality,
    source: `proxy ${w.proxyId}`,
    workload: w,
  };
}

/** DNS resolution without endpoints: the proxy resolves the host itself (Istio does the same). */
function dnsEndpoint<W>(
  host: string,
  ports: readonly EntryServicePort[],
  source: string,
): EntryEndpoint<W> {
  return {
    address: host,
    ports: Object.fromEntries(ports.map((p) => [p.number, defaultEndpointPort(p)])),
    labels: {},
    ready: true,
    weight: 1,
    locality: '',
    source,
    dns: true,
  };
}
