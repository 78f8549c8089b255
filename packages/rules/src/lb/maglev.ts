// MAGLEV after Envoy (Maglev proto, envoy.extensions.load_balancing_policies.maglev.v3;
// arch_overview/upstream/load_balancing/load_balancers#maglev), from the Maglev paper (Eisenbud et
// al., NSDI 2016): each host walks its own permutation of the table slots, offset + j * skip
// (mod M), from two independent hashes of its address; hosts take turns claiming their next free
// slot until the table is full. M must be prime so every skip in [1, M-1] visits every slot.
// Table size defaults to 65537 and is limited to 5000011. Weights are honoured as Envoy does
// (maglev_lb.cc): in round r a host claims a slot only if r x weight has reached its target, and
// each claim raises the target by the largest weight, so every host claims in round 1 and then at
// a rate proportional to its weight. Lookup is table[hash % M]: O(1).
// Hosts are sorted by address before the fill, as Envoy sorts its build entries: the fill order
// decides contested slots, so without sorting two proxies that list the same endpoints in a
// different order would build different tables and send the same key to different hosts.
import { xxHash32 } from './hash.js';
import { lbWeightOf, type LbEndpoint } from './types.js';

export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;
export const MAGLEV_MAXIMUM_TABLE_SIZE = 5000011;

export interface MaglevTable {
  /** Pickable endpoints (weight > 0); `slots` indexes into this. */
  readonly endpoints: readonly LbEndpoint[];
  readonly slots: Uint32Array;
}

/**
 * @param tableSize 0 or absent means 65537 (proto3 unset). Throws RangeError when it is not a prime
 *   up to 5000011, or smaller than the host count: Envoy rejects such a cluster too.
 */
export function buildMaglevTable(
  endpoints: readonly LbEndpoint[],
  tableSize?: number,
): MaglevTable {
  const size = tableSize || DEFAULT_MAGLEV_TABLE_SIZE;
  if (!Number.isInteger(size) || size > MAGLEV_MAXIMUM_TABLE_SIZE || !isPrime(size)) {
    throw new RangeError(
      `maglev table size must be a prime no larger than ${MAGLEV_MAXIMUM_TABLE_SIZE}, got ${size}`,
    );
  }
  const pickable = endpoints
    .filter((e) => lbWeightOf(e) > 0)
    // Code-unit order, like Envoy's byte-wise sort for the ASCII addresses hashed here.
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (pickable.length === 0) return { endpoints: pickable, slots: new Uint32Array(0) };
  if (pickable.length > size) {
    throw new RangeError(
      `maglev table size ${size} is smaller than the host count ${pickable.length}`,
    );
  }

  const weights = pickable.map(lbWeightOf);
  const maxWeight = Math.max(...weights);
  const position = pickable.map((e) => xxHash32(e.id, 0) % size);
  const skip = pickable.map((e) => (xxHash32(e.id, 1) % (size - 1)) + 1);
  const target = new Float64Array(pickable.length);
  const owner = new Int32Array(size).fill(-1);

  let filled = 0;
  for (let round = 1; filled < size; round++) {
    for (let host = 0; host < pickable.length && filled < size; host++) {
      if (round * (weights[host] ?? 0) < (target[host] ?? 0)) continue;
      target[host] = (target[host] ?? 0) + maxWeight;
      let p = position[host] ?? 0;
      const step = skip[host] ?? 1;
      while ((owner[p] ?? -1) !== -1) p = (p + step) % size;
      owner[p] = host;
      position[host] = (p + step) % size;
      filled++;
    }
  }
  return { endpoints: pickable, slots: Uint32Array.from(owner) };
}

export function lookupMaglev(table: MaglevTable, keyHash: number): LbEndpoint | undefined {
  if (table.slots.length === 0) return undefined;
  return table.endpoints[table.slots[keyHash % table.slots.length] ?? 0];
}

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
