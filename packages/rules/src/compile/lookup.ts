// Finding the virtual host (and the known service) for a request's host, as Envoy's domain
// matching does it: an exact domain first, then the longest wildcard suffix, then "*".
import type {
  CompiledServices,
  PreparedRequest,
  RouteTable,
  ServiceInfo,
  VirtualHostEntry,
} from './types.js';
import { isVisible, visibilityRank, visibleNamespaces } from './visibility.js';

/** Lower-cases, drops `:port` and a trailing dot: `Reviews.default:9080` -> `reviews.default`. */
export function normalizeHost(authority: string): string {
  let h = authority;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end === -1 ? h : h.slice(0, end + 1);
  } else {
    const colon = h.indexOf(':');
    if (colon !== -1) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/**
 * Names a sidecar in `namespace` may use for a service: Istio's virtual hosts list `reviews`,
 * `reviews.ns`, `reviews.ns.svc` beside the FQDN. The name as given is tried first.
 */
export function hostCandidates(host: string, namespace: string, domain: string): string[] {
  if (host.includes(':') || host.endsWith(`.${domain}`)) return [host];
  const dots = host.split('.').length - 1;
  const out = [host];
  if (dots === 0) out.push(`${host}.${namespace}.${domain}`);
  else if (dots === 1) out.push(`${host}.${domain}`);
  else if (host.endsWith('.svc') && domain.startsWith('svc.'))
    out.push(`${host}${domain.slice(3)}`);
  return out;
}

export function findVirtualHost(
  table: RouteTable,
  hosts: readonly string[],
  consumerNamespace: string,
  request?: PreparedRequest,
): VirtualHostEntry | undefined {
  for (const host of hosts) {
    const hit = pick(table.exact[host], consumerNamespace, request);
    if (hit) return hit;
  }
  for (const host of hosts) {
    const hit = wildcardLookup(host, (pattern) =>
      pick(table.wildcard[pattern], consumerNamespace, request),
    );
    if (hit) return hit;
  }
  return undefined;
}

export function findService(
  services: CompiledServices,
  hosts: readonly string[],
  consumerNamespace: string,
): ServiceInfo | undefined {
  const visible = (s: ServiceInfo | undefined) =>
    s &&
    isVisible(visibleNamespaces(s.exportTo, s.namespace ?? consumerNamespace), consumerNamespace)
      ? s
      : undefined;
  for (const host of hosts) {
    const hit = visible(services.exact[host]);
    if (hit) return hit;
  }
  for (const host of hosts) {
    const hit = wildcardLookup(host, (pattern) => visible(services.wildcard[pattern]));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Sidecars use one VirtualService per host: the first in Istio's order for the consumer's
 * namespace (see visibilityRank), which is creation order within a group, among those Istio
 * builds routes of for the calling proxy (forProxy). Gateways were merged at compile time.
 */
function pick(
  entries: readonly VirtualHostEntry[] | undefined,
  namespace: string,
  request: PreparedRequest | undefined,
): VirtualHostEntry | undefined {
  if (!entries) return undefined;
  let best: VirtualHostEntry | undefined;
  let bestRank = 3;
  for (const e of entries) {
    // With an http request: a VirtualService Istio builds no route of for this proxy is skipped.
    if (request && e.forProxy && !e.forProxy(request)) continue;
    const rank = visibilityRank(e.visibleTo, e.virtualService.namespace, namespace);
    if (rank === 0) return e;
    if (rank > 0 && rank < bestRank) {
      best = e;
      bestRank = rank;
    }
  }
  return best;
}

/** `a.b.example.com` tries `*.b.example.com`, `*.example.com`, `*.com`, then `*`. */
export function wildcardLookup<T>(
  host: string,
  get: (pattern: string) => T | undefined,
): T | undefined {
  let dot = host.indexOf('.');
  while (dot !== -1) {
    const hit = get(`*${host.slice(dot)}`);
    if (hit !== undefined) return hit;
    dot = host.indexOf('.', dot + 1);
  }
  return get('*');
}
