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

/** Is host `a` covered by host pattern `b` (Istio's host.Name.SubsetOf)? */
export function isHostSubsetOf(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (y === '*') return true;
  if (y.startsWith('*'))
    return x.endsWith(y.slice(1)) && (x.startsWith('*') ? x.length >= y.length : true);
  return !x.startsWith('*') && x === y;
}
