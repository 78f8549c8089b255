// Every analyzer reads the same indexes, built once per analyze() call, so each check is a map
// lookup rather than a scan of all resources (the CLI may hand us thousands).
import type { Destination } from '../api/common.js';
import type {
  DestinationRule,
  Gateway,
  Resource,
  ServiceEntry,
  Sidecar,
  VirtualService,
  WorkloadEntry,
} from '../api/resources.js';
import type { PathSegment } from '../diagnostics.js';
import { CLUSTER_DOMAIN, hostMatches, isWildcard, resolveHost } from '../hosts.js';
import { visibility, type Visibility } from './references.js';
import { indexRegistry, type RegistryIndex, type WorkloadRegistry } from './registry.js';

/** Istio's default root namespace (meshConfig.rootNamespace), the last DestinationRule lookup. */
export const ROOT_NAMESPACE = 'istio-system';

/** One `destination` inside a VirtualService, with its host already resolved to an FQDN. */
export interface DestinationRef {
  vs: VirtualService;
  /** Path to the destination object itself, e.g. spec.http[0].route[1].destination. */
  path: PathSegment[];
  host: string;
  subset: string | undefined;
  /** destination.port.number, when set. */
  port: number | undefined;
  /** The route destination's weight, when set (mirrors have none). */
  weight: number | undefined;
}

/** One host of a ServiceEntry, resolved, with who can see it. */
export interface ServiceEntryHost {
  host: string;
  se: ServiceEntry;
  visibility: Visibility;
}

export interface Catalog {
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  /** Keyed `namespace/name`. */
  gateways: Map<string, Gateway>;
  /** Keyed `namespace/name`. */
  virtualServicesByName: Map<string, VirtualService>;
  destinations: DestinationRef[];
  /** Resolved hosts some VirtualService routes (or mirrors) to. */
  routedHosts: Set<string>;
  /** Non-wildcard DestinationRules by resolved host. */
  destinationRulesByHost: Map<string, DestinationRule[]>;
  wildcardDestinationRules: { host: string; dr: DestinationRule }[];
  /** Non-wildcard ServiceEntry hosts by resolved host; wildcard ones in the list below. */
  serviceEntriesByHost: Map<string, ServiceEntryHost[]>;
  wildcardServiceEntries: ServiceEntryHost[];
  serviceEntries: ServiceEntry[];
  sidecars: Sidecar[];
  workloadEntries: WorkloadEntry[];
  /**
   * The control plane's registered workloads, when analysing a live mesh: their services are
   * known hosts, and the registry analyzers (MESH-A0021..A0025) run.
   */
  registry: RegistryIndex | undefined;
  /**
   * Does a known host or a ServiceEntry host (exact or wildcard) cover this FQDN? With a
   * namespace, only ServiceEntries exported to it count (Kubernetes Services are assumed visible).
   */
  isKnownHost(host: string, fromNamespace?: string): boolean;
  /** Every exact known host (knownHosts and ServiceEntry hosts), for "did you mean". */
  exactKnownHosts(): string[];
}

export function buildCatalog(
  resources: readonly Resource[],
  knownHosts: readonly string[],
  workloadRegistry?: WorkloadRegistry,
): Catalog {
  const registry = workloadRegistry && indexRegistry(workloadRegistry);
  const virtualServices: VirtualService[] = [];
  const serviceEntries: ServiceEntry[] = [];
  const sidecars: Sidecar[] = [];
  const workloadEntries: WorkloadEntry[] = [];
  const destinationRules: DestinationRule[] = [];
  const gateways = new Map<string, Gateway>();
  const virtualServicesByName = new Map<string, VirtualService>();
  const exactHosts = new Set<string>();
  const wildcardHosts: string[] = [];
  const addHost = (host: string) => {
    if (isWildcard(host)) wildcardHosts.push(host);
    else exactHosts.add(host);
  };
  for (const h of knownHosts) addHost(h.toLowerCase());
  for (const h of registry?.byHost.keys() ?? []) addHost(h);
  const serviceEntriesByHost = new Map<string, ServiceEntryHost[]>();
  const wildcardServiceEntries: ServiceEntryHost[] = [];

  for (const r of resources) {
    const key = `${r.metadata.namespace}/${r.metadata.name}`;
    switch (r.kind) {
      case 'VirtualService':
        virtualServices.push(r);
        virtualServicesByName.set(key, r);
        break;
      case 'DestinationRule':
        destinationRules.push(r);
        break;
      case 'Gateway':
        gateways.set(key, r);
        break;
      case 'Sidecar':
        sidecars.push(r);
        break;
      case 'WorkloadEntry':
        workloadEntries.push(r);
        break;
      case 'ServiceEntry': {
        serviceEntries.push(r);
        const vis = visibility(r.spec?.exportTo, r.metadata.namespace);
        for (const h of r.spec?.hosts ?? []) {
          if (typeof h !== 'string' || h === '') continue;
          const host = resolveHost(h, r.metadata.namespace);
          const entry = { host, se: r, visibility: vis };
          if (isWildcard(host)) wildcardServiceEntries.push(entry);
          else pushTo(serviceEntriesByHost, host, entry);
        }
        break;
      }
      default:
        break;
    }
  }

  const destinations = virtualServices.flatMap(destinationsOf);
  const routedHosts = new Set(destinations.map((d) => d.host));

  const destinationRulesByHost = new Map<string, DestinationRule[]>();
  const wildcardDestinationRules: { host: string; dr: DestinationRule }[] = [];
  for (const dr of destinationRules) {
    const raw = dr.spec?.host;
    if (typeof raw !== 'string' || raw === '') continue;
    const host = resolveHost(raw, dr.metadata.namespace);
    if (isWildcard(host)) wildcardDestinationRules.push({ host, dr });
    else pushTo(destinationRulesByHost, host, dr);
  }

  return {
    virtualServices,
    destinationRules,
    gateways,
    virtualServicesByName,
    destinations,
    routedHosts,
    destinationRulesByHost,
    wildcardDestinationRules,
    serviceEntriesByHost,
    wildcardServiceEntries,
    serviceEntries,
    sidecars,
    workloadEntries,
    registry,
    exactKnownHosts: () => [...exactHosts, ...serviceEntriesByHost.keys()],
    isKnownHost: (host, fromNamespace) =>
      exactHosts.has(host) ||
      wildcardHosts.some((w) => hostMatches(w, host)) ||
      serviceEntriesFor({ serviceEntriesByHost, wildcardServiceEntries }, host, fromNamespace)
        .length > 0,
  };
}

/**
 * A resource is visible in its own namespace and where exportTo sends it. Treating the own
 * namespace as always visible errs towards fewer findings when exportTo names only others.
 */
export function visibleIn(vis: Visibility, owner: Resource, namespace: string): boolean {
  return vis.all || vis.namespaces.has(namespace) || owner.metadata.namespace === namespace;
}

/**
 * The ServiceEntry hosts a proxy in `fromNamespace` (any namespace if omitted) sees for `host`: the
 * exact ones if any, else the matching wildcard ones, the way Istio prefers the most specific host.
 */
export function serviceEntriesFor(
  catalog: Pick<Catalog, 'serviceEntriesByHost' | 'wildcardServiceEntries'>,
  host: string,
  fromNamespace?: string,
): ServiceEntryHost[] {
  const visible = (e: ServiceEntryHost) =>
    fromNamespace === undefined || visibleIn(e.visibility, e.se, fromNamespace);
  const exact = (catalog.serviceEntriesByHost.get(host) ?? []).filter(visible);
  if (exact.length > 0) return exact;
  return catalog.wildcardServiceEntries.filter((e) => visible(e) && hostMatches(e.host, host));
}

/**
 * The DestinationRules a proxy in `clientNamespace` uses for a host, in Istio's lookup order: rules
 * in the client's own namespace, else rules exported to it from the service's namespace, else from
 * the root namespace. Within a namespace the exact host wins over wildcards, and the most specific
 * wildcard over broader ones (Istio never combines an exact and a wildcard rule).
 */
export function destinationRulesFor(
  catalog: Catalog,
  host: string,
  clientNamespace: string,
): DestinationRule[] {
  const local = mostSpecific(catalog, host, (dr) => dr.metadata.namespace === clientNamespace);
  if (local.length > 0) return local;
  for (const ns of [...serviceNamespaces(catalog, host, clientNamespace), ROOT_NAMESPACE]) {
    const exported = mostSpecific(
      catalog,
      host,
      (dr) =>
        dr.metadata.namespace === ns &&
        visibleIn(visibility(dr.spec?.exportTo, ns), dr, clientNamespace),
    );
    if (exported.length > 0) return exported;
  }
  return [];
}

/** Every DestinationRule whose host matches, wherever it lives (for messages). */
export function allDestinationRulesFor(catalog: Catalog, host: string): DestinationRule[] {
  return [
    ...(catalog.destinationRulesByHost.get(host) ?? []),
    ...catalog.wildcardDestinationRules.filter((w) => hostMatches(w.host, host)).map((w) => w.dr),
  ];
}

/** Namespaces a host's service lives in: from `name.ns.svc.cluster.local`, or its ServiceEntries. */
function serviceNamespaces(catalog: Catalog, host: string, clientNamespace: string): string[] {
  const out = new Set<string>();
  const suffix = `.${CLUSTER_DOMAIN}`;
  if (host.endsWith(suffix)) {
    const labels = host.slice(0, -suffix.length).split('.');
    if (labels.length === 2 && labels[1]) out.add(labels[1]);
  }
  for (const e of serviceEntriesFor(catalog, host, clientNamespace))
    out.add(e.se.metadata.namespace);
  return [...out];
}

function mostSpecific(
  catalog: Catalog,
  host: string,
  keep: (dr: DestinationRule) => boolean,
): DestinationRule[] {
  const exact = (catalog.destinationRulesByHost.get(host) ?? []).filter(keep);
  if (exact.length > 0) return exact;
  let best: DestinationRule[] = [];
  let bestLength = -1;
  for (const { host: pattern, dr } of catalog.wildcardDestinationRules) {
    if (!keep(dr) || !hostMatches(pattern, host)) continue;
    if (pattern.length > bestLength) {
      best = [dr];
      bestLength = pattern.length;
    } else if (pattern.length === bestLength) {
      best.push(dr);
    }
  }
  return best;
}

function destinationsOf(vs: VirtualService): DestinationRef[] {
  const out: DestinationRef[] = [];
  const add = (dest: Destination | undefined, path: PathSegment[], weight?: unknown) => {
    if (typeof dest?.host !== 'string' || dest.host === '') return;
    out.push({
      vs,
      path,
      host: resolveHost(dest.host, vs.metadata.namespace),
      subset: typeof dest.subset === 'string' && dest.subset !== '' ? dest.subset : undefined,
      port: typeof dest.port?.number === 'number' ? dest.port.number : undefined,
      weight: typeof weight === 'number' ? weight : undefined,
    });
  };
  const spec = vs.spec ?? {};
  (spec.http ?? []).forEach((route, i) => {
    (route?.route ?? []).forEach((rd, j) =>
      add(rd?.destination, ['spec', 'http', i, 'route', j, 'destination'], rd?.weight),
    );
    add(route?.mirror, ['spec', 'http', i, 'mirror']);
    (route?.mirrors ?? []).forEach((m, j) =>
      add(m?.destination, ['spec', 'http', i, 'mirrors', j, 'destination']),
    );
  });
  for (const protocol of ['tcp', 'tls'] as const) {
    (spec[protocol] ?? []).forEach((route, i) => {
      (route?.route ?? []).forEach((rd, j) =>
        add(rd?.destination, ['spec', protocol, i, 'route', j, 'destination'], rd?.weight),
      );
    });
  }
  return out;
}

export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Key-order-independent JSON, so two equal objects written differently compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
