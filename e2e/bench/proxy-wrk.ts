// wrk as the load generator of the proxy benchmark: one thread pinned to a CPU, always bounded
// (`timeout`), with Lua scripts that (a) print one machine-readable result line, (b) pace a
// fixed request rate (wrk alone is closed-loop), (c) send absolute-form requests
// (`GET http://host:port/`) for a forward proxy. The pacer is the one of peer-bench.sh, so the
// two harnesses measure latency the same way.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REPORT_LUA = `function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("PB_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d errors=%d connect=%d read=%d write=%d status=%d timeout=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.status + e.timeout,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;

// All connections of the (single) thread share one absolute schedule of RATE slots/s; delay()
// waits for the next free slot (wrk timers have 1 ms granularity, so a request may leave up to
// 0.5 ms off its slot, but the average rate is exact). Latency is measured by wrk from the write
// of each request (service time; no coordinated-omission correction).
const PACE_LUA = `local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } pb_timespec;
int clock_gettime(int clk_id, pb_timespec *tp);
]]
local ts = ffi.new("pb_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local period, nxt
function init(args) period = 1000 / tonumber(args[1]) end
function delay()
  local now = now_ms()
  nxt = nxt or now
  local wait = nxt - now
  nxt = nxt + period
  if wait <= 0 then return 0 end
  return math.floor(wait + 0.5)
end
`;

export interface WrkScripts {
  /** Closed loop, result line only. */
  saturate: string;
  /** Paced: pass the rate as the script argument. */
  paced: string;
}

/**
 * Writes the scripts into `dir`. With `absoluteTarget` (e.g. `http://svc:9080/`) every request
 * line carries it and Host is its authority, as an app behind HTTP_PROXY sends them.
 */
export function writeWrkScripts(dir: string, tag: string, absoluteTarget?: string): WrkScripts {
  let prelude = '';
  if (absoluteTarget) {
    const url = new URL(absoluteTarget);
    prelude = `wrk.path = "${absoluteTarget}"\nwrk.headers["Host"] = "${url.host}"\n`;
  }
  const saturate = join(dir, `${tag}-saturate.lua`);
  const paced = join(dir, `${tag}-paced.lua`);
  writeFileSync(saturate, prelude + REPORT_LUA);
  writeFileSync(paced, prelude + REPORT_LUA + PACE_LUA);
  return { saturate, paced };
}

export interface WrkResult {
  requests: number;
  durationUs: number;
  /** requests / duration. */
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** The errors by kind, e.g. "status 120 timeout 3" (non-2xx/3xx answers count as status). */
  errorKinds: string;
}

export interface WrkRun {
  cpu: number;
  connections: number;
  seconds: number;
  /** Where wrk connects, e.g. http://127.0.0.1:8080/ */
  url: string;
  script: string;
  /** Script argument (the pacer's rate). */
  arg?: string;
}

export function runWrk(run: WrkRun): Promise<WrkResult> {
  const args = [
    '-c',
    String(run.cpu),
    'timeout',
    '-k',
    '5',
    String(run.seconds + 30),
    'wrk',
    '-t1',
    `-c${run.connections}`,
    `-d${run.seconds}s`,
    '-s',
    run.script,
    run.url,
    ...(run.arg ? ['--', run.arg] : []),
  ];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      if (err) return reject(new Error(`wrk failed (${err.message}):\n${out}`));
      const m = /^PB_RESULT (.*)$/m.exec(out);
      if (!m) return reject(new Error(`no result line from wrk:\n${out}`));
      const kv = new Map(
        m[1]!.split(' ').map((p) => {
          const [k, v] = p.split('=');
          return [k!, Number(v)] as const;
        }),
      );
      const get = (k: string) => kv.get(k) ?? NaN;
      resolve({
        requests: get('requests'),
        durationUs: get('duration_us'),
        rps: (get('requests') / get('duration_us')) * 1e6,
        p50Ms: get('p50_us') / 1000,
        p90Ms: get('p90_us') / 1000,
        p99Ms: get('p99_us') / 1000,
        maxMs: get('max_us') / 1000,
        errors: get('errors'),
        errorKinds: ['connect', 'read', 'write', 'status', 'timeout']
          .filter((k) => get(k) > 0)
          .map((k) => `${k} ${get(k)}`)
          .join(', '),
      });
    });
  });
}
