// V8 settings for the sidecar, applied before anything else loads (imported first by main.ts).
//
// Allocation-site pretenuring off: under load V8 sees the proxy's per-request objects (stream
// info, header maps, exchanges) survive while 32 requests are in flight and starts allocating
// them straight into the old generation. When traffic calms down they die young but sit in old
// space, and every scavenge treats them as roots for what they point to: scavenges went to
// 5-11 ms every second at 1,000 req/s, promoting ~2 MB each, and that was the p99. Without
// pretenuring scavenges take 2-3 ms, p99 at one hop fell from 1.2-4.4 ms to 0.9 ms and CPU per
// request dropped ~20% (docs/benchmarks.md, "The tail").
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
