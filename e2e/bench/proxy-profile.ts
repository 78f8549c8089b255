// Where a sidecar's CPU goes, from a V8 .cpuprofile (node --cpu-prof): self time summed into
// coarse buckets (GC, native code outside JS, Node's HTTP server, streams, undici, our own code,
// the telemetry SDK), over the samples inside a time window (the load phase). The top functions
// come from cpu-profile.ts.
import { readFileSync } from 'node:fs';
import type { Window } from './cpu-profile.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Bucket {
  bucket: string;
  ms: number;
  /** Share of the non-idle time in the window. */
  share: number;
}

export function bucketOf(functionName: string, url: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native outside JS (program)';
  if (functionName === '(root)') return 'V8/native outside JS (program)';
  if (url === '') return 'native builtins called from JS';
  if (url.includes('/node_modules/undici/')) return 'undici (upstream client)';
  if (url.includes('/node_modules/@opentelemetry/') || url.includes('/packages/telemetry/'))
    return 'telemetry (OpenTelemetry SDK, @mesh/telemetry)';
  if (url.includes('/packages/proxy/')) return '@mesh/proxy (our code)';
  if (url.includes('/packages/rules/')) return '@mesh/rules (routing)';
  if (url.includes('/node_modules/@grpc/') || url.includes('/node_modules/protobufjs/'))
    return 'gRPC (discovery)';
  if (/^node:internal\/(abort_controller|per_context\/domexception)/.test(url))
    return 'AbortController, DOMException';
  if (url === 'node:events') return 'node:events (emit, listeners)';
  if (/^node:(_http_|internal\/http|http$)/.test(url)) return 'node:http (server, parser glue)';
  if (/^node:(net|internal\/(net|stream_base_commons|dns))/.test(url)) return 'node:net (sockets)';
  if (/^node:(stream|internal\/streams|internal\/webstreams)/.test(url)) return 'node streams';
  if (/^node:internal\/(process\/task_queues|timers|async_hooks)|^node:timers/.test(url))
    return 'node timers, microtasks';
  if (url.startsWith('node:')) return 'node (other)';
  return 'other JS';
}

/** Self time per bucket inside `windows` (all samples without), sorted, idle excluded. */
export function bucketSelfTime(
  file: string,
  windows?: readonly Window[],
): { busyMs: number; idleMs: number; buckets: Bucket[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const us = new Map<string, number>();
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (windows && !windows.some(([from, to]) => at >= from && at <= to)) continue;
    const node = byNode.get(samples[i]!);
    if (!node) continue;
    const b = bucketOf(node.callFrame.functionName, node.callFrame.url);
    us.set(b, (us.get(b) ?? 0) + Math.max(0, deltas[i + 1] ?? 0));
  }
  const idleUs = us.get('idle') ?? 0;
  us.delete('idle');
  const busyUs = [...us.values()].reduce((a, b) => a + b, 0);
  const buckets = [...us.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([bucket, v]) => ({ bucket, ms: v / 1000, share: busyUs > 0 ? v / busyUs : 0 }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, buckets };
}
