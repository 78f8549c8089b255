// Host names as Istio resolves them: short names are relative to the resource's namespace, and
// "*." prefixes are wildcards that match one or more labels.
export const CLUSTER_DOMAIN = 'svc.cluster.local';

/**
 * `reviews` in namespace `bookinfo` -> `reviews.bookinfo.svc.cluster.local`. Names with a dot,
 * wildcards and IPs stay as written (Istio only expands names without a dot; `reviews.other` is
 * taken literally, which is why Istio recommends FQDNs).
 */
export function resolveHost(host: string, namespace: string, domain = CLUSTER_DOMAIN): string {
  const h = host.toLowerCase();
  if (h === '*' || h.includes('.') || h.includes(':')) return h;
  if (h.startsWith('*')) return h;
  return `${h}.${namespace}.${domain}`;
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/** Does the (possibly wildcard) pattern match the concrete host? `*` matches everything. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.'))
    return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/** A Gateway server's `hosts` entry without its optional `namespace/` part: the host it serves. */
export function gatewayServerHost(entry: string): string {
  const slash = entry.indexOf('/');
  return slash === -1 ? entry : entry.slice(slash + 1);
}

/** Do two host patterns overlap (some host matches both)? */
export function hostsIntersect(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}

/** Strips a `:port` suffix from an authority, keeping IPv6 brackets intact. */
export function hostOfAuthority(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}
