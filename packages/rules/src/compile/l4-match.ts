// TCP and TLS route matches. Like HTTP: all conditions of one match AND, the matches of a route OR.
import type { L4MatchAttributes, TLSMatchAttributes } from '../api/index.js';
import { hostMatches } from '../hosts.js';
import type { L4Predicate } from './types.js';

export function compileL4Match(m: L4MatchAttributes | TLSMatchAttributes): L4Predicate {
  const checks: L4Predicate[] = [];
  if (m.port) {
    const port = m.port;
    checks.push((r) => r.port === port);
  }
  if (m.destinationSubnets && m.destinationSubnets.length > 0) {
    const subnets = m.destinationSubnets.map(parseCidr);
    checks.push((r) => {
      if (r.destinationIp === undefined) return false;
      const ip = r.destinationIp;
      return subnets.some((s) => s !== undefined && inSubnet(ip, s));
    });
  }
  if (m.sourceLabels) {
    const entries = Object.entries(m.sourceLabels);
    checks.push((r) => entries.every(([k, v]) => r.sourceLabels[k] === v));
  }
  if (m.sourceNamespace) {
    const ns = m.sourceNamespace;
    checks.push((r) => r.sourceNamespace === ns);
  }
  if ('sniHosts' in m && m.sniHosts && m.sniHosts.length > 0) {
    const patterns = m.sniHosts.map((h) => h.toLowerCase());
    checks.push((r) => {
      const sni = r.sni?.toLowerCase();
      return sni !== undefined && patterns.some((p) => hostMatches(p, sni));
    });
  }
  return (r) => checks.every((c) => c(r));
}

interface Cidr {
  v6: boolean;
  bits: bigint;
  prefix: number;
}

function parseCidr(text: string): Cidr | undefined {
  const [addr = '', len] = text.split('/');
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.v6 ? 128 : 32;
  const prefix = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { ...ip, prefix };
}

function inSubnet(addr: string, cidr: Cidr): boolean {
  const ip = parseIp(addr);
  if (!ip || ip.v6 !== cidr.v6) return false;
  const width = cidr.v6 ? 128n : 32n;
  const shift = width - BigInt(cidr.prefix);
  return ip.bits >> shift === cidr.bits >> shift;
}

function parseIp(text: string): { v6: boolean; bits: bigint } | undefined {
  if (text.includes(':')) return parseIpv6(text);
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let bits = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    bits = (bits << 8n) | BigInt(Number(p));
  }
  return { v6: false, bits };
}

function parseIpv6(text: string): { v6: boolean; bits: bigint } | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let bits = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    bits = (bits << 16n) | BigInt(parseInt(g, 16));
  }
  return { v6: true, bits };
}
