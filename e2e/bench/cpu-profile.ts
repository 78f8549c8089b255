// Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time, so
// the bench can say where the control plane spent its CPU without opening DevTools.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  fn: string;
  ms: number;
  share: number;
}

/** A span of time in µs of the monotonic clock (process.hrtime), which V8 profiles also use. */
export type Window = readonly [startUs: number, endUs: number];

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Self time per function, over the whole profile or only the samples inside `windows`. */
export function topSelfTime(
  file: string,
  limit = 20,
  windows?: readonly Window[],
): { totalMs: number; top: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  // Sample i lasts until sample i+1: timeDeltas[i+1] µs is charged to samples[i].
  const selfUs = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (windows && !windows.some(([from, to]) => at >= from && at <= to)) continue;
    const node = byNode.get(samples[i]!);
    if (!node) continue;
    const key = describe(node);
    selfUs.set(key, (selfUs.get(key) ?? 0) + Math.max(0, deltas[i + 1] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const top = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
  return { totalMs: totalUs / 1000, top };
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  // Keep the part of the path that says which package: .../packages/x/dist/y.js -> x/dist/y.js.
  const short = url.replace(/^file:\/\//, '').replace(/^.*\/(packages|apps|node_modules)\//, '');
  return `${name} ${short}:${lineNumber + 1}`;
}
