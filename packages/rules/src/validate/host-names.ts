// Host name rules of Istio's webhook (pkg/config/validation/agent): DNS labels, with a wildcard
// allowed only in the first label, and the `namespace/host` form that Gateways and Sidecars use.
import { isIPAddress } from './ip.js';
import { isIstioDnsLabel } from './names.js';

// The first label may be `*`, or a label led by `*` or `*-` (Istio accepts `*foo.com`).
const WILDCARD_FIRST_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

function checkPreconditions(host: string): string | undefined {
  if (host.length === 0) return 'host must not be empty';
  if (host.length > 255) return `host "${host}" is longer than 255 characters`;
  return undefined;
}

function checkLabels(host: string, domain: string): string | undefined {
  const labels = domain.split('.');
  const tld = labels[labels.length - 1]!;
  if (/^[+-]?\d+$/.test(tld)) {
    return `host "${host}" is invalid: the top-level domain "${tld}" cannot be all digits`;
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    // A trailing dot (`istio.io.`) is an unambiguous absolute name, not an empty label.
    if (i === labels.length - 1 && label === '') return undefined;
    if (!isIstioDnsLabel(label))
      return `host "${host}" is invalid: label "${label}" is not a DNS label`;
  }
  return undefined;
}

/** A fully qualified (wildcard-free) DNS name. */
export function checkFqdn(host: string): string | undefined {
  return checkPreconditions(host) ?? checkLabels(host, host);
}

/** A DNS name whose first label may be a wildcard (`*`, `*.example.com`, `*-svc.example.com`). */
export function checkWildcardHost(host: string): string | undefined {
  const pre = checkPreconditions(host);
  if (pre) return pre;
  const dot = host.indexOf('.');
  const first = dot === -1 ? host : host.slice(0, dot);
  if (first.length > 63 || !WILDCARD_FIRST_LABEL.test(first)) {
    return `host "${host}" is invalid: label "${first}" is not a DNS label (a wildcard may only lead the first label)`;
  }
  return dot === -1 ? undefined : checkLabels(host, host.slice(dot + 1));
}

export function isValidHostName(host: string): boolean {
  return checkWildcardHost(host) === undefined;
}

/** Gateways, Sidecars and ServiceEntries reject `*foo.com`: only `*` or a leading `*.` label. */
export function checkPartialWildcard(host: string): string | undefined {
  if (host.includes('*') && host !== '*' && !host.startsWith('*.')) {
    return `partial wildcard "${host}" is not allowed: use "*" or a leading "*." label`;
  }
  return undefined;
}

function checkDnsNamePart(host: string, isGateway: boolean): string | undefined {
  if (host !== '*' && !host.includes('.')) {
    return `short name "${host}" is not allowed: use a fully qualified name such as "${host}.default.svc.cluster.local"`;
  }
  const err = checkWildcardHost(host);
  // Gateways may also name an IP address as the host.
  if (err && !(isGateway && isIPAddress(host))) return err;
  return checkPartialWildcard(host);
}

/**
 * `namespace/dnsName` as Gateway servers and Sidecar egress listeners take it. Gateways also
 * accept a bare `dnsName` (any namespace); Sidecars also accept `~` (no namespace).
 */
export function checkNamespacedHost(host: string, isGateway: boolean): string | undefined {
  const slash = host.indexOf('/');
  if (slash === -1) {
    if (isGateway) return checkDnsNamePart(host, true);
    return `host "${host}" must be of the form namespace/dnsName (e.g. "./reviews.default.svc.cluster.local" or "*/*")`;
  }
  const ns = host.slice(0, slash);
  const name = host.slice(slash + 1);
  if (ns === '' || name === '') return `host "${host}" must name both a namespace and a DNS name`;
  const special = isGateway ? ['*', '.'] : ['*', '.', '~'];
  if (!special.includes(ns) && !isIstioDnsLabel(ns)) {
    return `host "${host}" has an invalid namespace "${ns}": use ${special.map((s) => `"${s}"`).join(', ')} or a namespace name`;
  }
  return checkDnsNamePart(name, isGateway);
}

/**
 * Is host `a` covered by host pattern `b`? Istio's host.Name.SubsetOf, which compares
 * case-sensitively: "Foo.com" is not a subset of "foo.com" for the webhook.
 */
export function isHostSubsetOf(a: string, b: string): boolean {
  if (a.startsWith('*')) return b.startsWith('*') && a.slice(1).endsWith(b.slice(1));
  if (b.startsWith('*')) return a.endsWith(b.slice(1));
  return a === b;
}

/** Do two host patterns overlap? Istio's host.Name.Matches, case-sensitive like Istio. */
export function hostNamesOverlap(a: string, b: string): boolean {
  const aWild = a.startsWith('*');
  const bWild = b.startsWith('*');
  if (aWild && bWild)
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aWild) return b.endsWith(a.slice(1));
  if (bWild) return a.endsWith(b.slice(1));
  return a === b;
}

const AUTO_SNI_PREFIX = 'outbound_';

/**
 * Hosts of a gateway-bound VirtualService with SNI routes may also be the SNI names Istio
 * generates for AUTO_PASSTHROUGH (`outbound_.80_._.reviews.default.svc.cluster.local`); Istio's
 * ValidateWildcardDomainForVirtualServiceBoundToGateway only asks that the port part holds a
 * digit and the host part a letter.
 */
export function checkGatewayBoundHost(host: string, sni: boolean): string | undefined {
  if (!sni || !host.startsWith(AUTO_SNI_PREFIX)) return checkWildcardHost(host);
  const pre = checkPreconditions(host);
  if (pre) return pre;
  const format = 'outbound_.<PORT>_._.<HOSTNAME>';
  const parts = host.split('_');
  if (parts.length < 4) return `host "${host}" must follow the ${format} format`;
  const trimDots = (t: string): string => t.replace(/^\.+|\.+$/g, '');
  if (!/[0-9]/.test(trimDots(parts[1]!)))
    return `host "${host}" has no port number in the ${format} format`;
  if (!/[a-zA-Z]/.test(trimDots(parts[3]!)))
    return `host "${host}" has no host name in the ${format} format`;
  return undefined;
}
