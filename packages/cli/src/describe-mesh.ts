// The mesh as describe reasons about it, built once from the debug pages: the services (registry
// workloads grouped as the control plane groups them, plus ServiceEntry hosts), the config
// compiled by @mesh/rules exactly as a sidecar compiles it, and small lookups over both.
// Pure: no I/O.
import type { ProxyStatusRow } from '@mesh/proto';
import {
  CLUSTER_DOMAIN,
  compile,
  DEFAULT_WORKLOAD_ADDRESS,
  destinationPolicy,
  groupByService,
  hostsIntersect,
  ISTIO_ROOT_NAMESPACE,
  portProtocol,
  resolveHost,
  MESH_GATEWAY,
  selects,
  serviceEntryServices as entryServices,
  serviceNameLabel,
  type CompiledConfig,
  type CompiledHttpRoute,
  type CompiledL4Route,
  type Kind,
  type Labels,
  type PortProtocol,
  type Resource,
  type ResourceOf,
  type ServiceInfo,
  type Sidecar,
  type VirtualHostEntry,
} from '@mesh/rules';
import type { DebugPages, WorkloadRecord } from './debug-pages.js';

export interface ServicePort {
  number: number;
  name?: string;
  /** How proxies treat the port (@mesh/rules' portProtocol, as the control plane decides it). */
  protocol: PortProtocol;
  targetPort?: number;
}

export interface ServiceEndpoint {
  /** IP or host name. */
  address: string;
  /** Endpoint port by service port number; a service port missing here is not served by it. */
  ports: Readonly<Record<number, number>>;
  labels: Labels;
  ready: boolean;
  /** `proxy <id>`, `WorkloadEntry ns/name`, `ServiceEntry ns/name` or `DNS`. */
  source: string;
  /** The registered workload behind it, when a proxy is. */
  workload?: WorkloadRecord;
}

export interface MeshService {
  /** Fully qualified host (or a ServiceEntry host as written, e.g. `api.example.com`). */
  host: string;
  /** What users call it: `reviews` for a registry service, the host for a ServiceEntry. */
  name: string;
  namespace: string;
  ports: ServicePort[];
  exportTo: string[];
  /** `registry` or `ServiceEntry ns/name`. */
  origin: string;
  resolution?: string;
  location?: string;
  endpoints: ServiceEndpoint[];
}

export interface Mesh {
  domain: string;
  services: MeshService[];
  workloads: WorkloadRecord[];
  proxies: ReadonlyMap<string, ProxyStatusRow>;
  resources: Resource[];
  compiled: CompiledConfig;
  /** Resources left out because @mesh/rules could not compile them (proxies NACK them too). */
  uncompilable: string[];
  /** Stored entries this meshctl could not read (a newer control plane?), in words. */
  unreadable: string[];
}

export function buildMesh(pages: DebugPages, domain: string = CLUSTER_DOMAIN): Mesh {
  const resources = pages.configz.flatMap((s) => (s.resource ? [s.resource] : []));
  const unreadable = pages.configz.flatMap((s) =>
    s.resource ? [] : [`${s.at}: ${s.diagnostics[0]?.message ?? 'not a resource'}`],
  );
  const workloads = pages.registryz;
  const services = [
    ...registryServices(workloads, domain),
    ...serviceEntryServices(resources, workloads, domain),
  ];
  const infos: ServiceInfo[] = services
    .filter((s) => s.origin === 'registry')
    .map((s) => ({
      host: s.host,
      ports: s.ports.map((p) => ({ ...p })),
      namespace: s.namespace,
      exportTo: [...s.exportTo],
    }));
  const { compiled, uncompilable } = compileAll(resources, infos, domain);
  return {
    domain,
    services,
    workloads,
    proxies: new Map(pages.syncz.map((p) => [p.proxyId, p])),
    resources,
    compiled,
    uncompilable,
    unreadable,
  };
}

/** One resource @mesh/rules cannot compile must not hide all the others. */
function compileAll(
  resources: readonly Resource[],
  services: readonly ServiceInfo[],
  domain: string,
): { compiled: CompiledConfig; uncompilable: string[] } {
  const options = { services, domain };
  try {
    return { compiled: compile(resources, options), uncompilable: [] };
  } catch {
    const uncompilable: string[] = [];
    const usable = resources.filter((r) => {
      try {
        compile([r], options);
        return true;
      } catch (err) {
        uncompilable.push(`${refOf(r)}: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    });
    try {
      return { compiled: compile(usable, options), uncompilable };
    } catch (err) {
      uncompilable.push(`the rest: ${err instanceof Error ? err.message : String(err)}`);
      return { compiled: compile([], options), uncompilable };
    }
  }
}

// --- services ---------------------------------------------------------------------------------

/** The label that put the workload in its service, for words (`label app=reviews`). */
export function serviceNameSource(w: WorkloadRecord): string {
  const label = serviceNameLabel(w.labels);
  return label ? `label ${label}=${w.labels[label]}` : 'its workload name';
}

/** Services formed by registered workloads, grouped as the control plane groups them. */
function registryServices(workloads: readonly WorkloadRecord[], domain: string): MeshService[] {
  return groupByService(workloads, domain).map((service) => ({
    host: service.host,
    name: service.name,
    namespace: service.namespace,
    // The union of the workloads' ports, each named as the first workload declaring it names it.
    ports: service.ports.map((p) => ({
      number: p.number,
      ...(p.name && { name: p.name }),
      protocol: portProtocol(p),
    })),
    exportTo: ['*'],
    origin: 'registry',
    endpoints: service.workloads.map((w) => ({
      address: w.addresses[0] ?? DEFAULT_WORKLOAD_ADDRESS,
      // Other proxies dial the workload's sidecar inbound port (endpointPort), else the port.
      ports: Object.fromEntries(w.ports.map((p) => [p.number, p.endpointPort || p.number])),
      labels: w.labels,
      ready: w.ready,
      source: `proxy ${w.proxyId}`,
      workload: w,
    })),
  }));
}

/** ServiceEntry hosts, with the endpoints @mesh/rules derives as the control plane sends them. */
function serviceEntryServices(
  resources: readonly Resource[],
  workloads: readonly WorkloadRecord[],
  domain: string,
): MeshService[] {
  const entries = ofKind(resources, 'WorkloadEntry');
  return ofKind(resources, 'ServiceEntry').flatMap((se) =>
    entryServices(se, entries, workloads, domain).map((s) => ({
      host: s.host,
      name: s.host,
      namespace: s.namespace,
      ports: s.ports.map((p) => ({ ...p })),
      exportTo: [...s.exportTo],
      origin: s.origin,
      resolution: s.resolution,
      ...(s.location && { location: s.location }),
      endpoints: s.endpoints.map((e) => ({
        address: e.address,
        ports: e.ports,
        labels: e.labels,
        ready: e.ready,
        source: e.dns ? 'DNS' : e.source,
        ...(e.workload && { workload: e.workload }),
      })),
    })),
  );
}

/** Is the port's traffic routed by HTTP routes (so describe sends it a request, not a connection)? */
export function isHttpProtocol(protocol: PortProtocol): boolean {
  return protocol === 'HTTP' || protocol === 'HTTP2' || protocol === 'GRPC';
}

// --- lookups ----------------------------------------------------------------------------------

export function ofKind<K extends Kind>(resources: readonly Resource[], kind: K): ResourceOf<K>[] {
  return resources.filter((r) => r.kind === kind) as ResourceOf<K>[];
}

function refOf(r: { kind: string; metadata: { namespace: string; name: string } }): string {
  return `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;
}

export function serviceByHost(
  mesh: Mesh,
  host: string,
  namespace?: string,
): MeshService | undefined {
  const all = mesh.services.filter((s) => s.host === host);
  return all.find((s) => s.namespace === namespace) ?? all[0];
}

/** One endpoint of a service port, as a proxy dials it. */
export interface EndpointRef {
  address: string;
  port: number;
  ready: boolean;
  /** Workload name when a proxy is behind it, else where it comes from. */
  name: string;
  proxyId?: string;
}

/**
 * The endpoints of `service` on `port` that `subsetLabels` select (all when empty). Without a
 * port (a route that leaves it to the request) each endpoint is shown on its first port.
 */
export function endpointsOf(
  service: MeshService | undefined,
  port: number | undefined,
  subsetLabels: Labels,
): EndpointRef[] {
  if (!service) return [];
  return service.endpoints.flatMap((e): EndpointRef[] => {
    if (!selects(subsetLabels, e.labels)) return [];
    const endpointPort =
      port === undefined
        ? service.ports.map((p) => e.ports[p.number]).find((n) => n !== undefined)
        : e.ports[port];
    if (endpointPort === undefined) return [];
    return [
      {
        address: e.address,
        port: endpointPort,
        ready: e.ready,
        name: e.workload?.workloadName ?? e.source,
        ...(e.workload && { proxyId: e.workload.proxyId }),
      },
    ];
  });
}

/** Subset labels of `subset` of `host` for a caller in `consumerNamespace`; undefined = unknown subset. */
export function subsetLabelsOf(
  mesh: Mesh,
  host: string,
  subset: string | undefined,
  port: number | undefined,
  consumerNamespace: string,
): { labels: Labels } | { error: string } {
  if (subset === undefined) return { labels: {} };
  const policy = destinationPolicy(mesh.compiled, { host, subset, port, consumerNamespace });
  return policy.ok ? { labels: policy.subsetLabels } : { error: policy.message };
}

/** Every VirtualHostEntry of a route table (mesh or one gateway), each once. */
export function entriesOf(
  table: CompiledConfig['mesh'],
): { host: string; entry: VirtualHostEntry }[] {
  const out: { host: string; entry: VirtualHostEntry }[] = [];
  for (const part of [table.exact, table.wildcard])
    for (const [host, list] of Object.entries(part))
      for (const entry of list) out.push({ host, entry });
  return out;
}

/** The compiled http route a decision names, from the table of its scope. */
export function compiledHttpRoute(
  mesh: Mesh,
  scope: string,
  vs: { namespace: string; name: string },
  index: number,
  delegate: { namespace: string; name: string; index: number } | undefined,
): CompiledHttpRoute | undefined {
  const table = scope === MESH_GATEWAY ? mesh.compiled.mesh : mesh.compiled.gateways[scope];
  if (!table) return undefined;
  for (const { entry } of entriesOf(table)) {
    if (!sameRef(entry.virtualService, vs)) continue;
    const found = entry.http.find(
      (r) =>
        r.index === index &&
        (r.delegate === undefined
          ? delegate === undefined
          : delegate !== undefined &&
            sameRef(r.delegate, delegate) &&
            r.delegate.index === delegate.index),
    );
    if (found) return found;
  }
  return undefined;
}

export function compiledL4Route(
  mesh: Mesh,
  scope: string,
  vs: { namespace: string; name: string },
  protocol: 'tcp' | 'tls',
  index: number,
): CompiledL4Route | undefined {
  const table = scope === MESH_GATEWAY ? mesh.compiled.mesh : mesh.compiled.gateways[scope];
  if (!table) return undefined;
  for (const { entry } of entriesOf(table)) {
    if (!sameRef(entry.virtualService, vs)) continue;
    const found = entry[protocol].find((r) => r.index === index);
    if (found) return found;
  }
  return undefined;
}

export function sameRef(
  a: { namespace: string; name: string },
  b: { namespace: string; name: string },
): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}

// --- Sidecars ---------------------------------------------------------------------------------

/**
 * The Sidecar that applies to a workload with `labels` in `namespace`, as Istio picks it: one
 * of its namespace whose selector matches, else the namespace-wide one, else the root
 * namespace's (oldest first in each group). Without labels: the namespace-wide choice.
 */
export function sidecarFor(
  mesh: Mesh,
  namespace: string,
  labels?: Labels,
): ResourceOf<'Sidecar'> | undefined {
  const all = ofKind(mesh.resources, 'Sidecar');
  const inNs = (ns: string) => all.filter((s) => s.metadata.namespace === ns);
  const local = inNs(namespace);
  return (
    (labels
      ? local.find(
          (s) =>
            s.spec.workloadSelector !== undefined &&
            selects(s.spec.workloadSelector.labels, labels),
        )
      : undefined) ??
    local.find((s) => s.spec.workloadSelector === undefined) ??
    inNs(ISTIO_ROOT_NAMESPACE).find((s) => s.spec.workloadSelector === undefined)
  );
}

/** The egress hosts a Sidecar lists (all listeners together); empty = imports everything. */
export function egressHosts(sidecar: Sidecar): string[] {
  return (sidecar.spec.egress ?? []).flatMap((l) => l.hosts ?? []);
}

/**
 * Does `sidecar`, applied to a proxy in `proxyNamespace`, import `host` declared in
 * `hostNamespace`? As the control plane's scopeAdmits: `ns/dnsName` entries, `.` the proxy's
 * namespace, `*` any, `~` none.
 */
export function sidecarImports(
  sidecar: Sidecar,
  proxyNamespace: string,
  hostNamespace: string,
  host: string,
  domain: string,
): boolean {
  const hosts = egressHosts(sidecar);
  if ((sidecar.spec.egress ?? []).length === 0) return true;
  return hosts.some((entry) => {
    const slash = entry.indexOf('/');
    const raw = slash === -1 ? '*' : entry.slice(0, slash);
    const ns = raw === '.' ? proxyNamespace : raw;
    const dnsName = (slash === -1 ? entry : entry.slice(slash + 1)).toLowerCase();
    if (ns === '~') return false;
    if (ns !== '*' && ns !== hostNamespace) return false;
    if (dnsName === '*') return true;
    return hostsIntersect(resolveHost(dnsName, hostNamespace, domain), host);
  });
}

// --- sync -------------------------------------------------------------------------------------

export type SyncWord = 'SYNCED' | 'STALE' | 'ERROR' | 'NOT SENT' | 'UNKNOWN';

export interface SyncSummary {
  /** The worst of the four types; UNKNOWN when this replica does not hold the proxy's stream. */
  state: SyncWord;
  /** Per type (clusters, endpoints, listeners, routes), when known. */
  types?: Record<string, SyncWord>;
  /** NACK messages, `routes: ...`. */
  errors?: string[];
  /** Why UNKNOWN, in words. */
  note?: string;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  'type.mesh.dev/mesh.v1.Cluster': 'clusters',
  'type.mesh.dev/mesh.v1.Endpoints': 'endpoints',
  'type.mesh.dev/mesh.v1.Listener': 'listeners',
  'type.mesh.dev/mesh.v1.RouteTable': 'routes',
};
const RANK: readonly SyncWord[] = ['SYNCED', 'NOT SENT', 'STALE', 'ERROR'];

export function syncOf(mesh: Mesh, w: WorkloadRecord): SyncSummary {
  const row = mesh.proxies.get(w.proxyId);
  if (!row)
    return {
      state: 'UNKNOWN',
      note: w.controlPlane
        ? `its stream is held by replica ${w.controlPlane}; ask that replica's HTTP port`
        : 'not connected to the replica that was asked',
    };
  const types: Record<string, SyncWord> = {};
  const errors: string[] = [];
  let state: SyncWord = 'SYNCED';
  for (const typeUrl of Object.keys(TYPE_NAMES)) {
    const t = row.types.find((x) => x.typeUrl === typeUrl);
    const word: SyncWord = !t ? 'NOT SENT' : t.state === 'NOT_SENT' ? 'NOT SENT' : t.state;
    const name = TYPE_NAMES[typeUrl]!;
    types[name] = word;
    if (t?.state === 'ERROR')
      errors.push(`${name}: ${t.lastError || 'rejected (no error detail)'}`);
    if (RANK.indexOf(word) > RANK.indexOf(state)) state = word;
  }
  return { state, types, ...(errors.length > 0 && { errors }) };
}
