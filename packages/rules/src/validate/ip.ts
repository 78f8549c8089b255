// IP literals and CIDR blocks as Go's net/netip parses them (Istio's ValidateIPAddress and
// ValidateIPSubnet). Hand-written because @mesh/rules may not import node:net.
const IPV4_OCTET = /^(0|[1-9]\d{0,2})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_OCTET.test(p) && Number(p) <= 255);
}

export function isIPv6(text: string): boolean {
  // A zone (`fe80::1%eth0`) is part of an address literal but never of a prefix.
  const zoneAt = text.indexOf('%');
  const addr = zoneAt === -1 ? text : text.slice(0, zoneAt);
  if (zoneAt !== -1 && zoneAt === text.length - 1) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let width = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      width += 2;
    } else if (IPV6_GROUP.test(g)) {
      width += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? width < 8 : width === 8;
}

export function isIPAddress(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/** `10.0.0.0/8`, `2001:db8::/32`; the prefix length must fit the address family. */
export function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash === -1 || text.indexOf('/', slash + 1) !== -1) return false;
  const addr = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bits)) return false;
  if (isIPv4(addr)) return Number(bits) <= 32;
  return !addr.includes('%') && isIPv6(addr) && Number(bits) <= 128;
}

/** An address or a CIDR block, the way Istio accepts `addresses` and `destinationSubnets`. */
export function checkIPOrCidr(text: string): string | undefined {
  if (text.includes('/')) return isCidr(text) ? undefined : `"${text}" is not a valid CIDR block`;
  return isIPAddress(text) ? undefined : `"${text}" is not a valid IP address or CIDR block`;
}
