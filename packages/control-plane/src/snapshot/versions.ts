// Versions of one type's resource set: a hash of what is in it, so equal inputs give equal
// versions on every replica and a proxy that already runs a set is not sent it again.
import { createHash } from 'node:crypto';
import { makeResource, type DiscoveryResource } from '@mesh/proto';
import type { TypeSnapshot } from '../model.js';
import { compareText } from './order.js';

/** Resources sorted by name, one per name (the first wins), with their set's version. */
export function typeSnapshot(bodies: readonly { name: string; body: unknown }[]): TypeSnapshot {
  const byName = new Map<string, DiscoveryResource>();
  for (const { name, body } of bodies) {
    if (!byName.has(name)) byName.set(name, makeResource(name, body));
  }
  const resources = [...byName.values()].sort((a, b) => compareText(a.name, b.name));
  return { version: setVersion(resources), resources };
}

/** sha256 over the sorted (name, version) pairs, cut like resourceVersion to 16 hex digits. */
export function setVersion(resources: readonly DiscoveryResource[]): string {
  const pairs = resources.map((r) => [r.name, r.version]);
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex').slice(0, 16);
}
