// mulberry32: a tiny, well-mixed 32-bit PRNG. Tests need reproducible streams from a seed that
// fast-check can generate and shrink; Math.random offers neither.
export function seededRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An rng that replays the given draws in order, then fails loudly if asked for more. */
export function scriptedRng(draws: readonly number[]): () => number {
  let i = 0;
  return () => {
    const v = draws[i++];
    if (v === undefined) throw new Error(`scripted rng exhausted after ${draws.length} draws`);
    return v;
  };
}
