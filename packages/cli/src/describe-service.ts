// `meshctl describe service`: everything that decides where a service's traffic goes, and where
// it goes now, as data (rendered by describe-render.ts). Pure: a Mesh in, a description out.
import {
  destinationPolicy,
  hostsIntersect,
  isVisible,
  ISTIO_ROOT_NAMESPACE,
  MESH_GATEWAY,
  resolveHost,
  selects,
  visibleNamespaces,
  type Labels,
  type ResolvedTrafficPolicy,
  type ResourceOf,
  type TrafficPolicy,
} from '@mesh/rules';
import {
  egressHosts,
  entriesOf,
  ofKind,
  sameRef,
  sidecarFor,
  sidecarImports,
  syncOf,
  type Mesh,
  type MeshService,
  type ServicePort,
  type SyncSummary,
} from './describe-mesh.js';
import {
  describeGateway,
  describeHttpRoute,
  describeL4Route,
  routesInto,
  trafficNow,
  virtualServiceOf,
  type DescribedGateway,
  type DescribedHttpRoute,
  type DescribedL4Route,
  type DescribedRouteIn,
  type DescribedTraffic,
  type Ref,
} from './describe-routes.js';

export interface DescribedServiceWorkload {
  name: string;
  proxyId: string;
  labels: Labels;
  ready: boolean;
  /** `address:port` per service port it serves, as other proxies dial it. */
  endpoints: string[];
  controlPlane: string;
  sync: SyncSummary;
}

export interface DescribedSubset {
  name: string;
  labels: Labels;
  /** Workloads (or entries) the subset selects. */
  endpoints: { name: string; ready: boolean }[];
  /** The policy the subset sets itself, as written. */
  ownTrafficPolicy?: TrafficPolicy;
  /** The subset's merged policy (top level + its own), when it sets its own. */
  trafficPolicy?: ResolvedTrafficPolicy;
}

export interface DescribedDestinationRule {
  name: string;
  namespace: string;
  host: string;
  /** Newer rules of the same namespace and host whose subsets are merged in. */
  mergedWith?: string[];
  /** Whether the rule sets a top-level trafficPolicy (else Istio's defaults apply). */
  hasTrafficPolicy: boolean;
  /** Merged policy for the whole service (no subset), Istio's defaults filled in. */
  trafficPolicy: ResolvedTrafficPolicy;
  /** Per service port, when portLevelSettings change it. */
  portPolicies?: { port: number; trafficPolicy: ResolvedTrafficPolicy }[];
  subsets: DescribedSubset[];
}

export interface DescribedVirtualService {
  name: string;
  namespace: string;
  hosts: string[];
  /** Do sidecars in the service's namespace use it for this host? */
  usedBySidecars: boolean;
  /** Why not, in words. */
  note?: string;
  http: DescribedHttpRoute[];
  tcp: DescribedL4Route[];
  tls: DescribedL4Route[];
}

export interface DescribedServiceEntry {
  name: string;
  namespace: string;
  hosts: string[];
  location?: string;
  resolution?: string;
  ports: string[];
}

export interface DescribedSidecar {
  name: string;
  namespace: string;
  /** `every workload in default`, `workloads with app=x`, ... */
  appliesTo: string;
  egressHosts: string[];
  importsService: boolean;
}

export interface ServiceDescription {
  kind: 'service';
  service: {
    host: string;
    name: string;
    namespace: string;
    /** `registry` (registered workloads) or `ServiceEntry ns/name`; `none` when only config names it. */
    origin: string;
    ports: ServicePort[];
    resolution?: string;
    location?: string;
  };
  workloads: DescribedServiceWorkload[];
  /** Endpoints that are not registered proxies (ServiceEntry endpoints, WorkloadEntries, DNS). */
  otherEndpoints: { address: string; ports: number[]; source: string }[];
  destinationRule?: DescribedDestinationRule;
  /** DestinationRules for the host that callers in the namespace do not use, with why. */
  otherDestinationRules: { name: string; namespace: string; note: string }[];
  virtualServices: DescribedVirtualService[];
  /** Routes from gateways and from VirtualServices of other hosts that send here. */
  routesIn: DescribedRouteIn[];
  gateways: DescribedGateway[];
  serviceEntries: DescribedServiceEntry[];
  sidecars: DescribedSidecar[];
  traffic: DescribedTraffic[];
  problems: string[];
}

export type Found<T> = { ok: true; value: T } | { ok: false; message: string };

/** The host a name given on the command line means, in `namespace`. */
export function serviceHost(
  name: string,
  namespace: string,
  domain: string,
): { host: string; namespace: string } {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith(`.${domain}`)) {
    const parts = n.slice(0, -domain.length - 1).split('.');
    return { host: n, namespace: parts.length === 2 ? parts[1]! : namespace };
  }
  const parts = n.split('.');
  if (parts.length === 2) return { host: `${n}.${domain}`, namespace: parts[1]! };
  if (parts.length === 3 && parts[2] === 'svc')
    return { host: `${parts[0]}.${parts[1]}.${domain}`, namespace: parts[1]! };
  return { host: resolveHost(n, namespace, domain), namespace };
}

export function describeService(
  mesh: Mesh,
  name: string,
  namespace: string,
): Found<ServiceDescription> {
  const { host, namespace: ns } = serviceHost(name, namespace, mesh.domain);
  const service =
    mesh.services.find((s) => s.host === host && s.namespace === ns) ??
    // A ServiceEntry host is looked up as written, in any namespace that declares it.
    (host.endsWith(`.${mesh.domain}`) ? undefined : mesh.services.find((s) => s.host === host));
  const configured = service ? [] : configFor(mesh, host);
  if (!service && configured.length === 0)
    return { ok: false, message: notFound(mesh, name, host, ns) };
  const svc: MeshService = service ?? {
    host,
    name: host.endsWith(`.${ns}.${mesh.domain}`) ? host.split('.')[0]! : host,
    namespace: ns,
    ports: [],
    exportTo: ['*'],
    origin: 'none',
    endpoints: [],
  };
  return { ok: true, value: describeServiceOf(mesh, svc) };
}

/** Resources that name a host no service has (so describe still has something to say). */
function configFor(mesh: Mesh, host: string): string[] {
  return mesh.resources.flatMap((r) => {
    const hosts =
      r.kind === 'VirtualService'
        ? (r.spec.hosts ?? [])
        : r.kind === 'DestinationRule'
          ? [r.spec.host ?? '']
          : [];
    return hosts.some((h) => h && resolveHost(h, r.metadata.namespace, mesh.domain) === host)
      ? [`${r.kind} ${r.metadata.namespace}/${r.metadata.name}`]
      : [];
  });
}

function notFound(mesh: Mesh, name: string, host: string, namespace: string): string {
  const here = mesh.services.filter((s) => s.namespace === namespace).map((s) => s.name);
  const short = host.split('.')[0]!;
  const elsewhere = [
    ...new Set(
      mesh.services
        .filter((s) => s.namespace !== namespace && (s.name === short || s.host === host))
        .map((s) => s.namespace),
    ),
  ];
  let message = `no service "${name}" in namespace ${namespace}`;
  message +=
    here.length > 0
      ? `. Services in ${namespace}: ${here.join(', ')}`
      : `. No services are registered in ${namespace}${
          mesh.services.length > 0
            ? ` (namespaces with services: ${[...new Set(mesh.services.map((s) => s.namespace))].sort().join(', ')})`
            : ''
        }`;
  if (elsewhere.length > 0)
    message += `. "${short}" exists in namespace ${elsewhere.join(', ')}: add -n ${elsewhere[0]}`;
  return message;
}

/** The description of a service already found (describe workload uses it for each of its services). */
export function describeServiceOf(mesh: Mesh, service: MeshService): ServiceDescription {
  const from = service.namespace;
  const problems: string[] = [];
  const workloads: DescribedServiceWorkload[] = service.endpoints.flatMap((e) => {
    const w = e.workload;
    if (!w) return [];
    return [
      {
        name: w.workloadName,
        proxyId: w.proxyId,
        labels: w.labels,
        ready: w.ready,
        endpoints: service.ports.flatMap((p) =>
          e.ports[p.number] === undefined ? [] : [`${e.address}:${e.ports[p.number]}`],
        ),
        controlPlane: w.controlPlane,
        sync: syncOf(mesh, w),
      },
    ];
  });
  const otherEndpoints = service.endpoints
    .filter((e) => !e.workload)
    .map((e) => ({
      address: e.address,
      ports: Object.values(e.ports),
      source: e.source,
    }));

  if (service.origin === 'none')
    problems.push('no workloads registered for this service, and no ServiceEntry declares it');
  else if (service.endpoints.length === 0)
    problems.push(
      service.origin === 'registry'
        ? 'no workloads registered for this service'
        : `${service.origin} gives it no endpoints`,
    );
  for (const w of workloads) {
    if (!w.ready) problems.push(`${w.name} (proxy ${w.proxyId}) is not ready: it gets no traffic`);
    if (w.sync.state === 'ERROR')
      problems.push(`proxy ${w.proxyId} rejected its config: ${(w.sync.errors ?? []).join('; ')}`);
    else if (w.sync.state === 'STALE' || w.sync.state === 'NOT SENT')
      problems.push(
        `proxy ${w.proxyId} is ${w.sync.state}: it does not hold the latest config yet`,
      );
  }

  const { destinationRule, others } = describeDestinationRules(mesh, service);
  const traffic = service.ports.map((p) => trafficNow(mesh, service, p, from));
  const virtualServices = describeVirtualServices(mesh, service, traffic);
  const routesIn = routesInto(mesh, service, { includeOwnHost: false });
  const gatewayRefs = [
    ...new Set(routesIn.filter((r) => r.scope !== MESH_GATEWAY).map((r) => r.scope)),
  ];
  const gateways = gatewayRefs.flatMap((scope) => {
    const [namespace, name] = scope.split('/') as [string, string];
    const gw = describeGateway(mesh, { namespace, name });
    return gw ? [gw] : [];
  });
  const serviceEntries = ofKind(mesh.resources, 'ServiceEntry')
    .filter((se) =>
      (se.spec.hosts ?? []).some((h) =>
        hostsIntersect(resolveHost(h, se.metadata.namespace, mesh.domain), service.host),
      ),
    )
    .map((se): DescribedServiceEntry => ({
      name: se.metadata.name,
      namespace: se.metadata.namespace,
      hosts: se.spec.hosts ?? [],
      ...(se.spec.location && { location: se.spec.location }),
      ...(se.spec.resolution && { resolution: se.spec.resolution }),
      ports: (se.spec.ports ?? []).map(
        (p) => `${p.name ? `${p.name} ` : ''}${p.number ?? '?'}/${p.protocol ?? '?'}`,
      ),
    }));
  const sidecars = describeSidecars(mesh, service);

  // Problems that follow from the routes: destinations that cannot be served.
  const seen = new Set<string>();
  const note = (text: string) => {
    if (!seen.has(text)) {
      seen.add(text);
      problems.push(text);
    }
  };
  for (const vs of virtualServices.filter((v) => v.usedBySidecars))
    for (const r of [...vs.http, ...vs.tcp, ...vs.tls])
      for (const d of r.destinations)
        if (d.problem && d.percent > 0)
          note(
            `VirtualService ${vs.name} route ${r.index + 1} sends ${d.percent === 100 ? 'its' : `${d.percent}% of its`} ` +
              `requests where they fail (503 ${d.responseFlag ?? ''}): ${d.problem}`,
          );
  for (const r of routesIn)
    for (const d of r.destinations)
      if (d.problem)
        note(
          `VirtualService ${r.virtualService.namespace}/${r.virtualService.name} route ${r.route + 1}${
            r.scope === MESH_GATEWAY ? '' : ` (gateway ${r.scope})`
          } fails ${d.percent === 100 ? 'its' : `${d.percent}% of its`} requests (503 ${d.responseFlag ?? ''}): ${d.problem}`,
        );
  for (const vs of virtualServices.filter((v) => !v.usedBySidecars && v.note))
    note(
      `VirtualService ${vs.namespace}/${vs.name} is not used by sidecars in ${from}: ${vs.note}`,
    );
  for (const s of sidecars.filter((x) => !x.importsService))
    note(
      `Sidecar ${s.namespace}/${s.name} (${s.appliesTo}) does not import this service: those proxies get no cluster for it`,
    );
  for (const t of traffic)
    if (t.outcome === 'no-route')
      note(
        `a ${t.request} from a sidecar in ${from} on port ${t.port} gets no route: ${t.message}`,
      );

  return {
    kind: 'service',
    service: {
      host: service.host,
      name: service.name,
      namespace: service.namespace,
      origin: service.origin,
      ports: service.ports,
      ...(service.resolution && { resolution: service.resolution }),
      ...(service.location && { location: service.location }),
    },
    workloads,
    otherEndpoints,
    ...(destinationRule && { destinationRule }),
    otherDestinationRules: others,
    virtualServices,
    routesIn,
    gateways,
    serviceEntries,
    sidecars,
    traffic,
    problems: [
      ...problems,
      ...mesh.uncompilable.map((u) => `not compiled (proxies reject it): ${u}`),
    ],
  };
}

function describeDestinationRules(
  mesh: Mesh,
  service: MeshService,
): { destinationRule?: DescribedDestinationRule; others: OtherDestinationRule[] } {
  const from = service.namespace;
  const whole = destinationPolicy(mesh.compiled, { host: service.host, consumerNamespace: from });
  const candidates = ofKind(mesh.resources, 'DestinationRule').filter(
    (dr) =>
      dr.spec.host !== undefined &&
      hostsIntersect(resolveHost(dr.spec.host, dr.metadata.namespace, mesh.domain), service.host),
  );
  const used =
    whole.ok && whole.rule ? candidates.find((dr) => sameRef(dr.metadata, whole.rule!)) : undefined;
  // Rules of one namespace for the same host are merged by Istio: the first traffic policy
  // wins, subsets accumulate (a later subset of a taken name is ignored).
  const hostOf = (dr: (typeof candidates)[number]) =>
    resolveHost(dr.spec.host ?? '', dr.metadata.namespace, mesh.domain);
  const merged = used
    ? candidates.filter(
        (dr) =>
          dr.metadata.namespace === used.metadata.namespace &&
          hostOf(dr) === hostOf(used) &&
          !dr.spec.workloadSelector &&
          isVisible(visibleNamespaces(dr.spec.exportTo, dr.metadata.namespace), from),
      )
    : [];
  const others = candidates
    .filter((dr) => !merged.includes(dr))
    .map((dr) => ({
      name: dr.metadata.name,
      namespace: dr.metadata.namespace,
      note: dr.spec.workloadSelector
        ? `it has a workloadSelector: it applies only to the workloads it selects (${
            Object.entries(dr.spec.workloadSelector.matchLabels ?? {})
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || 'none'
          })`
        : !isVisible(visibleNamespaces(dr.spec.exportTo, dr.metadata.namespace), from)
          ? `it is not exported to namespace ${from}`
          : used
            ? `DestinationRule ${used.metadata.namespace}/${used.metadata.name} is used instead (Istio takes the rules of one namespace: the caller's, else the service's, else ${ISTIO_ROOT_NAMESPACE})`
            : 'not used for callers in this namespace',
    }));
  if (!used || !whole.ok) return { others };
  const subsetsSeen = new Set<string>();
  const subsets: DescribedSubset[] = [];
  for (const dr of merged)
    for (const s of dr.spec.subsets ?? []) {
      if (!s.name || subsetsSeen.has(s.name)) continue;
      subsetsSeen.add(s.name);
      const labels = s.labels ?? {};
      const selected = service.endpoints
        .filter((e) => selects(labels, e.labels))
        .map((e) => ({ name: e.workload?.workloadName ?? e.address, ready: e.ready }));
      const policy = s.trafficPolicy
        ? destinationPolicy(mesh.compiled, {
            host: service.host,
            subset: s.name,
            consumerNamespace: from,
          })
        : undefined;
      // A subset that selects nothing is only a problem when a route sends there (stock
      // Bookinfo rules define subsets for versions not deployed); routes report that.
      subsets.push({
        name: s.name,
        labels,
        endpoints: selected,
        ...(s.trafficPolicy && { ownTrafficPolicy: s.trafficPolicy }),
        ...(policy?.ok && { trafficPolicy: policy.trafficPolicy }),
      });
    }
  const hasPortLevel =
    (used.spec.trafficPolicy?.portLevelSettings?.length ?? 0) > 0 ||
    (used.spec.subsets ?? []).some((s) => (s.trafficPolicy?.portLevelSettings?.length ?? 0) > 0);
  const portPolicies = hasPortLevel
    ? service.ports.flatMap((p) => {
        const r = destinationPolicy(mesh.compiled, {
          host: service.host,
          port: p.number,
          consumerNamespace: from,
        });
        return r.ok ? [{ port: p.number, trafficPolicy: r.trafficPolicy }] : [];
      })
    : undefined;
  return {
    destinationRule: {
      name: used.metadata.name,
      namespace: used.metadata.namespace,
      host: used.spec.host ?? '',
      ...(merged.length > 1 && {
        mergedWith: merged.filter((dr) => dr !== used).map((dr) => dr.metadata.name),
      }),
      hasTrafficPolicy: used.spec.trafficPolicy !== undefined,
      trafficPolicy: whole.trafficPolicy,
      ...(portPolicies && { portPolicies }),
      subsets,
    },
    others,
  };
}

type OtherDestinationRule = ServiceDescription['otherDestinationRules'][number];

function labelList(labels: Labels): string {
  const e = Object.entries(labels);
  return e.length === 0 ? 'no labels' : e.map(([k, v]) => `${k}=${v}`).join(', ');
}

/**
 * The sidecar-bound VirtualServices whose hosts cover the service: the one sidecars in its
 * namespace use (route() says which), and the others with the reason they are passed over.
 */
function describeVirtualServices(
  mesh: Mesh,
  service: MeshService,
  traffic: readonly DescribedTraffic[],
): DescribedVirtualService[] {
  const from = service.namespace;
  const table = mesh.compiled.mesh;
  const entries = entriesOf(table).filter(
    ({ host }) =>
      host === service.host || (host.startsWith('*') && hostsIntersect(host, service.host)),
  );
  if (entries.length === 0) return [];
  // Which one a sidecar in `from` uses, by port: route()/routeL4() decide, as the proxy does
  // (null: Istio's default route, no VirtualService). When no decision names one (no route
  // matched, or no ports), Istio's ranking says which the sidecars hold.
  const used = new Map<string, Ref>();
  let decided = false;
  for (const t of traffic) {
    if (t.virtualService !== undefined) decided = true;
    if (t.virtualService)
      used.set(`${t.virtualService.namespace}/${t.virtualService.name}`, t.virtualService);
  }
  const first = decided
    ? undefined
    : usedByRank(
        entries.map((e) => e.entry),
        from,
      );
  const out: DescribedVirtualService[] = [];
  const seen = new Set<string>();
  for (const { entry } of entries) {
    const key = `${entry.virtualService.namespace}/${entry.virtualService.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const spec = virtualServiceOf(mesh.resources, entry.virtualService);
    const visible = isVisible(entry.visibleTo, from);
    const isUsed = used.has(key) || (first !== undefined && sameRef(first, entry.virtualService));
    const taker = [...used.values()][0] ?? first;
    const note = isUsed
      ? undefined
      : !visible
        ? `it is not exported to namespace ${from}`
        : taker
          ? `VirtualService ${taker.namespace}/${taker.name} takes this host for them (sidecars use one VirtualService per host: their own namespace's first, then the oldest)`
          : 'none of its routes applies to sidecars in this namespace on the service ports';
    out.push({
      name: entry.virtualService.name,
      namespace: entry.virtualService.namespace,
      hosts: spec?.spec.hosts ?? [],
      usedBySidecars: isUsed,
      ...(note && { note }),
      http: entry.http.map((r) => describeHttpRoute(mesh, r, spec, from, onlyPort(service))),
      tcp: entry.tcp.map((r) => describeL4Route(mesh, r, spec, from, onlyPort(service))),
      tls: entry.tls.map((r) => describeL4Route(mesh, r, spec, from, onlyPort(service))),
    });
  }
  return out;
}

function onlyPort(service: MeshService): number | undefined {
  return service.ports.length === 1 ? service.ports[0]!.number : undefined;
}

/** Istio's order for a sidecar in `ns`: its own namespace's, then exported to it, then public. */
function usedByRank(
  entries: readonly { virtualService: Ref; visibleTo: readonly string[] | null }[],
  ns: string,
): Ref | undefined {
  let best: Ref | undefined;
  let bestRank = 3;
  for (const e of entries) {
    const rank =
      e.visibleTo === null
        ? 2
        : !e.visibleTo.includes(ns)
          ? -1
          : e.virtualService.namespace === ns
            ? 0
            : 1;
    if (rank >= 0 && rank < bestRank) {
      best = e.virtualService;
      bestRank = rank;
    }
  }
  return best;
}

/** Sidecars that scope callers in the service's namespace, and whether they import it. */
function describeSidecars(mesh: Mesh, service: MeshService): DescribedSidecar[] {
  const from = service.namespace;
  const all = ofKind(mesh.resources, 'Sidecar');
  const namespaceWide = sidecarFor(mesh, from);
  const selecting = all.filter((s) => s.metadata.namespace === from && s.spec.workloadSelector);
  return [...(namespaceWide ? [namespaceWide] : []), ...selecting].map((s) => ({
    name: s.metadata.name,
    namespace: s.metadata.namespace,
    appliesTo: s.spec.workloadSelector
      ? `workloads in ${from} with ${labelList(s.spec.workloadSelector.labels ?? {})}`
      : s.metadata.namespace === from
        ? `every workload in ${from} without a more specific Sidecar`
        : `every workload in ${from} (mesh-wide default from ${s.metadata.namespace})`,
    egressHosts: egressHosts(s),
    importsService: imports(mesh, s, from, service),
  }));
}

/**
 * Does the Sidecar give its proxies a cluster for the service? Its egress hosts admit it, or a
 * VirtualService it imports names it as a destination (the control plane imports those too).
 */
function imports(
  mesh: Mesh,
  sidecar: ResourceOf<'Sidecar'>,
  proxyNamespace: string,
  service: MeshService,
): boolean {
  if (sidecarImports(sidecar, proxyNamespace, service.namespace, service.host, mesh.domain))
    return true;
  return ofKind(mesh.resources, 'VirtualService').some((vs) => {
    const ns = vs.metadata.namespace;
    if (!isVisible(visibleNamespaces(vs.spec.exportTo, ns), proxyNamespace)) return false;
    const hosts = (vs.spec.hosts ?? []).map((h) => resolveHost(h, ns, mesh.domain));
    if (!hosts.some((h) => sidecarImports(sidecar, proxyNamespace, ns, h, mesh.domain)))
      return false;
    const routes = [...(vs.spec.http ?? []), ...(vs.spec.tcp ?? []), ...(vs.spec.tls ?? [])];
    return routes.some((r) =>
      (r.route ?? []).some(
        (d) =>
          d.destination?.host && resolveHost(d.destination.host, ns, mesh.domain) === service.host,
      ),
    );
  });
}
