// RING_HASH after Envoy's ketama-style ring (RingHash proto, envoy.extensions.load_balancing_policies
// .ring_hash.v3; arch_overview/upstream/load_balancing/load_balancers#ring-hash):
// - every host gets a number of ring entries proportional to its weight; the ring is sized so the
//   lightest host still gets ceil(its share x minimum_ring_size) entries (minimum default 1024), and
//   the total is capped at maximum_ring_size (default and hard limit 8M entries);
// - a request hashes to the first entry at or after its key hash, wrapping around.
// Because the ring size tracks minimum_ring_size rather than the host count, a host joining can
// shrink the other hosts' entry counts; keys on the dropped entries then move to their successor,
// which may be another old host. Envoy behaves the same way; see ring-hash.test.ts.
// Entry i of a host hashes "<address:port>_<i>", like Envoy; positions use xxHash32 (see hash.ts).
import { xxHash32 } from './hash.js';
import { lbWeightOf, type LbEndpoint } from './types.js';

export const DEFAULT_RING_HASH_MINIMUM_SIZE = 1024;
export const RING_HASH_MAXIMUM_SIZE = 8 * 1024 * 1024;

// Entries are sorted as hash * hostCount + hostIndex in one Float64Array, which must stay exact.
const MAX_RING_HOSTS = 2 ** 21;

export interface HashRingOptions {
  /** 0 or absent means Envoy's default of 1024 (proto3 leaves unset numbers at 0). */
  readonly minimumRingSize?: number;
  readonly maximumRingSize?: number;
}

export interface HashRing {
  /** Pickable endpoints (weight > 0); `owners` indexes into this. */
  readonly endpoints: readonly LbEndpoint[];
  /** Ascending entry positions. */
  readonly hashes: Uint32Array;
  readonly owners: Uint32Array;
}

export function buildHashRing(
  endpoints: readonly LbEndpoint[],
  options: HashRingOptions = {},
): HashRing {
  const pickable = endpoints.filter((e) => lbWeightOf(e) > 0);
  if (pickable.length === 0)
    return { endpoints: pickable, hashes: new Uint32Array(0), owners: new Uint32Array(0) };
  if (pickable.length > MAX_RING_HOSTS)
    throw new RangeError(`ring hash supports at most ${MAX_RING_HOSTS} hosts`);

  const maxSize = clampRingSize(options.maximumRingSize || RING_HASH_MAXIMUM_SIZE);
  const minSize = Math.min(
    clampRingSize(options.minimumRingSize || DEFAULT_RING_HASH_MINIMUM_SIZE),
    maxSize,
  );
  const weights = pickable.map(lbWeightOf);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const minWeight = Math.min(...weights);

  // Envoy's scale: ceil(minNormalized * minSize) / minNormalized, capped at maxSize. The uncapped
  // target is written as entriesForLightest * cumulativeWeight / minWeight so that a host's entry
  // count never depends on the total weight through float rounding: with the same lightest-host
  // entry count, adding a host leaves every earlier host's entries untouched.
  const entriesForLightest = Math.ceil((minWeight * minSize) / totalWeight);
  const capped = (entriesForLightest * totalWeight) / minWeight > maxSize;
  const targetAt = (cumulativeWeight: number): number =>
    capped
      ? (maxSize * cumulativeWeight) / totalWeight
      : (entriesForLightest * cumulativeWeight) / minWeight;

  const packed: number[] = [];
  let placed = 0;
  let cumulative = 0;
  pickable.forEach((endpoint, hostIndex) => {
    cumulative += weights[hostIndex] ?? 0;
    const target = targetAt(cumulative);
    for (let i = 0; placed < target; i++, placed++) {
      packed.push(xxHash32(`${endpoint.id}_${i}`) * pickable.length + hostIndex);
    }
  });

  const sorted = Float64Array.from(packed).sort();
  const hashes = new Uint32Array(sorted.length);
  const owners = new Uint32Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] ?? 0;
    const owner = v % pickable.length;
    owners[i] = owner;
    hashes[i] = (v - owner) / pickable.length;
  }
  return { endpoints: pickable, hashes, owners };
}

/** O(log n): the owner of the first entry at or after keyHash, wrapping past the top. */
export function lookupHashRing(ring: HashRing, keyHash: number): LbEndpoint | undefined {
  const slot = hashRingEntryIndex(ring, keyHash);
  return slot < 0 ? undefined : ring.endpoints[ring.owners[slot] ?? 0];
}

/** Index of the entry that owns keyHash, or -1 for an empty ring. */
export function hashRingEntryIndex(ring: HashRing, keyHash: number): number {
  const { hashes } = ring;
  if (hashes.length === 0) return -1;
  let lo = 0;
  let hi = hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((hashes[mid] ?? 0) < keyHash) lo = mid + 1;
    else hi = mid;
  }
  return lo === hashes.length ? 0 : lo;
}

function clampRingSize(n: number): number {
  return Math.max(1, Math.min(RING_HASH_MAXIMUM_SIZE, Math.floor(n)));
}
