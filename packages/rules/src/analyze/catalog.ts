// Every analyzer reads the same indexes, built once per analyze() call, so each check is a map
// lookup rather than a scan of all resources (the CLI may hand us thousands).
import type { Destination } from '../api/common.js';
import type { DestinationRule, Gateway, Resource, VirtualService } from '../api/resources.js';
import type { PathSegment } from '../diagnostics.js';
import { hostMatches, isWildcard, resolveHost } from '../hosts.js';

/** One `destination` inside a VirtualService, with its host already resolved to an FQDN. */
export interface DestinationRef {
  vs: VirtualService;
  /** Path to the destination object itself, e.g. spec.http[0].route[1].destination. */
  path: PathSegment[];
  host: string;
  subset: string | undefined;
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
  /** Does a ServiceEntry host or a known host (exact or wildcard) cover this FQDN? */
  isKnownHost(host: string): boolean;
}

export function buildCatalog(
  resources: readonly Resource[],
  knownHosts: readonly string[],
): Catalog {
  const virtualServices: VirtualService[] = [];
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
      case 'ServiceEntry':
        for (const h of r.spec?.hosts ?? []) {
          if (typeof h === 'string') addHost(resolveHost(h, r.metadata.namespace));
        }
        break;
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
    isKnownHost: (host) => exactHosts.has(host) || wildcardHosts.some((w) => hostMatches(w, host)),
  };
}

/**
 * The DestinationRules Istio would consult for a host: the exact-host ones if any, otherwise those
 * with the most specific matching wildcard (Istio never combines an exact and a wildcard rule).
 */
export function destinationRulesFor(catalog: Catalog, host: string): DestinationRule[] {
  const exact = catalog.destinationRulesByHost.get(host);
  if (exact) return exact;
  let best: DestinationRule[] = [];
  let bestLength = -1;
  for (const { host: pattern, dr } of catalog.wildcardDestinationRules) {
    if (!hostMatches(pattern, host)) continue;
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
  const add = (dest: Destination | undefined, path: PathSegment[]) => {
    if (typeof dest?.host !== 'string' || dest.host === '') return;
    out.push({
      vs,
      path,
      host: resolveHost(dest.host, vs.metadata.namespace),
      subset: typeof dest.subset === 'string' && dest.subset !== '' ? dest.subset : undefined,
    });
  };
  const spec = vs.spec ?? {};
  (spec.http ?? []).forEach((route, i) => {
    (route?.route ?? []).forEach((rd, j) =>
      add(rd?.destination, ['spec', 'http', i, 'route', j, 'destination']),
    );
    add(route?.mirror, ['spec', 'http', i, 'mirror']);
    (route?.mirrors ?? []).forEach((m, j) =>
      add(m?.destination, ['spec', 'http', i, 'mirrors', j, 'destination']),
    );
  });
  for (const protocol of ['tcp', 'tls'] as const) {
    (spec[protocol] ?? []).forEach((route, i) => {
      (route?.route ?? []).forEach((rd, j) =>
        add(rd?.destination, ['spec', protocol, i, 'route', j, 'destination']),
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
