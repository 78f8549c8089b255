// Control-plane push: N simulated Bookinfo sidecars on real gRPC streams to the real control
// plane; one VirtualService change; how long until every proxy has ACKed it, and how much
// control-plane memory each connected proxy costs.
//   Anchor: Istio delivered endpoint updates to 500 sidecars in under 1 s.
//   Target: 1,000 proxies all ACKed in under 1 s, under 100 KB of control-plane memory per proxy.
// Run with `npm run bench:control-plane -w @mesh/e2e -- --n 100,1000` after `npm run build`.
// Flags: --n <list> --runs <k> --proxy-workers <0..k> --endpoints ports|pod-ips --timeout <s>
// --connect-spread <ms> (open the streams over that long, as a rollout would) and --cpu-prof
// (profile the control plane; prints its top self-time functions per phase).
import { mkdirSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bookinfoDocuments, configClient, reviewsTo, type ConfigClient } from './bookinfo.js';
import {
  startControlPlane,
  type ControlPlaneProcess,
  type MemoryAfterGc,
} from './control-plane-process.js';
import { monotonicUs, topSelfTime, type Window } from './cpu-profile.js';
import { localFleet, nowMs, type EndpointMode, type Fleet } from './proxy-fleet.js';
import { workerFleet } from './proxy-fleet-worker.js';
import { fmtMiB, fmtMs, markdownTable, median, percentile } from './stats.js';

/** No response to any proxy for this long (and every type ACKed) means the pushes are over. */
const QUIET_MS = 1_000;
const SETTLE_TIMEOUT_MS = 120_000;
const ARRIVAL_TIMEOUT_MS = 30_000;
// Polling only decides when to stop waiting; the proxies timestamp arrivals themselves.
const POLL_MS = 50;
const METRIC_LINES = /^pilot_(proxy_convergence_time|xds_pushes)[_{ ]/;

interface Args {
  ns: number[];
  runs: number;
  proxyWorkers: number;
  endpoints: EndpointMode;
  spreadMs: number;
  timeoutS: number;
  cpuProf: boolean;
  /** Extra flags for mesh-control-plane, e.g. "--max-concurrent-pushes 32". */
  controlPlaneArgs: string[];
}

interface ChangeRun {
  subset: string;
  applyMs: number;
  arrived: number;
  p50: number;
  p99: number;
  max: number;
  controlPlaneCpuMs: number;
  benchCpuMs: number;
  /** From the Apply to the last arrival, for cutting the CPU profile. */
  window: Window;
}

interface SizeResult {
  n: number;
  settleMs: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  gcBefore: MemoryAfterGc;
  gcAfter: MemoryAfterGc;
  runs: ChangeRun[];
}

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '100,1000' },
      runs: { type: 'string', default: '5' },
      'proxy-workers': { type: 'string', default: '0' },
      endpoints: { type: 'string', default: 'ports' },
      'connect-spread': { type: 'string', default: '0' },
      timeout: { type: 'string', default: '240' },
      'cpu-prof': { type: 'boolean', default: false },
      'control-plane-args': { type: 'string', default: '' },
    },
  });
  const int = (name: string, text: string, min: number) => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < min)
      throw new Error(`--${name} ${text}: need an integer >= ${min}`);
    return v;
  };
  const endpoints = values.endpoints;
  if (endpoints !== 'ports' && endpoints !== 'pod-ips') {
    throw new Error(`--endpoints ${endpoints}: need ports or pod-ips`);
  }
  return {
    ns: values.n.split(',').map((s) => int('n', s.trim(), 1)),
    runs: int('runs', values.runs, 1),
    proxyWorkers: int('proxy-workers', values['proxy-workers'], 0),
    endpoints,
    spreadMs: int('connect-spread', values['connect-spread'], 0),
    timeoutS: int('timeout', values.timeout, 1),
    cpuProf: values['cpu-prof'],
    controlPlaneArgs: values['control-plane-args'].split(/\s+/).filter(Boolean),
  };
}

/** Everything started so far, stopped in reverse on success, error, timeout or Ctrl-C. */
const cleanups: (() => Promise<void>)[] = [];
// Longer than a control plane's stop (SIGKILL after its grace period), so no step hangs the exit.
const CLEANUP_STEP_MS = 20_000;

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const step = cleanups.pop()!;
    await Promise.race([
      step().catch((err: Error) => console.error(`cleanup: ${err.message}`)),
      sleep(CLEANUP_STEP_MS),
    ]);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const perProxy = (beforeKiB: number, afterKiB: number, n: number) =>
  ((afterKiB - beforeKiB) / n).toFixed(1);

function makeFleets(args: Args, n: number, address: string): Fleet[] {
  if (args.proxyWorkers === 0) {
    return [
      localFleet({ address, first: 0, count: n, mode: args.endpoints, spreadMs: args.spreadMs }),
    ];
  }
  const fleets: Fleet[] = [];
  const per = Math.ceil(n / args.proxyWorkers);
  for (let first = 0; first < n; first += per) {
    fleets.push(
      workerFleet({
        address,
        first,
        count: Math.min(per, n - first),
        mode: args.endpoints,
        spreadMs: args.spreadMs,
      }),
    );
  }
  return fleets;
}

async function fleetStatus(fleets: readonly Fleet[]) {
  const all = await Promise.all(fleets.map((f) => f.status()));
  return {
    complete: all.reduce((s, x) => s + x.complete, 0),
    ended: all.reduce((s, x) => s + x.ended, 0),
    arrived: all.reduce((s, x) => s + x.arrived, 0),
    responses: all.reduce((s, x) => s + x.responses, 0),
    lastResponseAt: Math.max(...all.map((x) => x.lastResponseAt)),
  };
}

/**
 * Waits until every proxy holds all four types, nothing was sent for QUIET_MS, and the control
 * plane itself reports every type of every proxy SYNCED (its last response ACKed). Returns the
 * time of the last response.
 */
async function settle(fleets: readonly Fleet[], n: number, config: ConfigClient): Promise<number> {
  const deadline = nowMs() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const s = await fleetStatus(fleets);
    if (s.ended > 0) throw new Error(`${s.ended} proxy streams were ended by the control plane`);
    if (s.complete === n && s.lastResponseAt > 0 && nowMs() - s.lastResponseAt >= QUIET_MS) {
      const rows = await config.proxyStatus();
      const synced = rows.filter((r) => r.types.every((t) => t.state === 'SYNCED')).length;
      if (rows.length === n && synced === n) return s.lastResponseAt;
    }
    if (nowMs() > deadline) {
      throw new Error(
        `not settled after ${SETTLE_TIMEOUT_MS / 1000} s: ${s.complete}/${n} proxies have all types, last response ${fmtMs(nowMs() - s.lastResponseAt)} ago`,
      );
    }
    await sleep(POLL_MS * 4);
  }
}

async function changeRun(
  fleets: readonly Fleet[],
  n: number,
  subset: string,
  cp: ControlPlaneProcess,
  config: ConfigClient,
): Promise<ChangeRun> {
  await Promise.all(fleets.map((f) => f.expect(subset)));
  const cpu0 = cp.cpuMs();
  const bench0 = process.cpuUsage();
  const startUs = monotonicUs();
  const t0 = nowMs();
  const applied = await config.apply([reviewsTo(subset)]);
  const applyMs = nowMs() - t0;
  if (applied.results[0]?.outcome !== 'configured') {
    throw new Error(`apply reviews -> ${subset}: ${applied.results[0]?.outcome ?? 'no result'}`);
  }
  const deadline = t0 + ARRIVAL_TIMEOUT_MS;
  while ((await fleetStatus(fleets)).arrived < n && nowMs() < deadline) await sleep(POLL_MS);
  const window: Window = [startUs, monotonicUs()];
  const arrivals = (await Promise.all(fleets.map((f) => f.arrivals()))).flat();
  const latencies = arrivals
    .filter((a): a is number => a !== null)
    .map((a) => a - t0)
    .sort((a, b) => a - b);
  // The next run starts from a quiet control plane, and its CPU time covers this push whole.
  await settle(fleets, n, config);
  const bench = process.cpuUsage(bench0);
  return {
    subset,
    applyMs,
    arrived: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.length === n ? latencies[latencies.length - 1]! : Infinity,
    controlPlaneCpuMs: cp.cpuMs() - cpu0,
    benchCpuMs: (bench.user + bench.system) / 1000,
    window,
  };
}

async function benchSize(
  args: Args,
  n: number,
  profileDir: string | undefined,
): Promise<SizeResult> {
  console.log(`\n## N = ${n}\n`);
  const cp = await startControlPlane({
    ...(profileDir
      ? { cpuProfDir: profileDir, cpuProfName: `control-plane-n${n}.cpuprofile` }
      : {}),
    extraArgs: args.controlPlaneArgs,
  });
  cleanups.push(() => cp.stop());
  const config = configClient(cp.grpcAddress, cp.token);
  cleanups.push(async () => config.close());

  const documents = bookinfoDocuments();
  await config.apply(documents);
  // Let the apply's debounced push (to nobody yet) finish before the baseline.
  await sleep(QUIET_MS);
  const rssBeforeKiB = cp.rssKiB();
  const gcBefore = await cp.memoryAfterGc();
  console.log(`control plane pid ${cp.pid}: applied ${documents.length} Bookinfo documents`);

  const fleets = makeFleets(args, n, cp.grpcAddress);
  cleanups.push(async () => void (await Promise.all(fleets.map((f) => f.close()))));
  const connectAt = nowMs();
  const connectStartUs = monotonicUs();
  const connectCpu0 = cp.cpuMs();
  const connectBench0 = process.cpuUsage();
  await Promise.all(fleets.map((f) => f.connect()));
  const lastResponseAt = await settle(fleets, n, config);
  const settleMs = lastResponseAt - connectAt;
  const connectWindow: Window = [connectStartUs, monotonicUs()];
  const connectCpuMs = cp.cpuMs() - connectCpu0;
  const connectBench = process.cpuUsage(connectBench0);
  const rssAfterKiB = cp.rssKiB();
  const gcAfter = await cp.memoryAfterGc();
  const connected = await fleetStatus(fleets);
  console.log(
    `${n} proxies connected; registry churn settled ${fmtMs(settleMs)} after connecting began (${connected.responses} responses; CPU until settled: control plane ${connectCpuMs.toFixed(0)} ms, bench ${((connectBench.user + connectBench.system) / 1000).toFixed(0)} ms)`,
  );
  console.log(
    `control-plane RSS ${fmtMiB(rssBeforeKiB)} before, ${fmtMiB(rssAfterKiB)} after: ${perProxy(rssBeforeKiB, rssAfterKiB, n)} KB per proxy`,
  );
  console.log(
    `after a full GC: RSS ${fmtMiB(gcBefore.rssKiB)} -> ${fmtMiB(gcAfter.rssKiB)} (${perProxy(gcBefore.rssKiB, gcAfter.rssKiB, n)} KB per proxy), V8 heap used ${fmtMiB(gcBefore.heapUsedKiB)} -> ${fmtMiB(gcAfter.heapUsedKiB)} (${perProxy(gcBefore.heapUsedKiB, gcAfter.heapUsedKiB, n)} KB per proxy) of ${fmtMiB(gcBefore.heapTotalKiB)} -> ${fmtMiB(gcAfter.heapTotalKiB)} reserved, external ${fmtMiB(gcBefore.externalKiB)} -> ${fmtMiB(gcAfter.externalKiB)}\n`,
  );

  const runs: ChangeRun[] = [];
  for (let r = 0; r < args.runs; r++) {
    const run = await changeRun(fleets, n, r % 2 === 0 ? 'v2' : 'v3', cp, config);
    runs.push(run);
    console.log(
      `run ${r + 1} reviews -> ${run.subset}: Apply returned ${fmtMs(run.applyMs)}; received by ${run.arrived}/${n}: p50 ${fmtMs(run.p50)} p99 ${fmtMs(run.p99)} max ${fmtMs(run.max)}; CPU control plane ${run.controlPlaneCpuMs.toFixed(0)} ms, bench ${run.benchCpuMs.toFixed(0)} ms`,
    );
  }
  console.log(`median of max over ${runs.length} runs: ${fmtMs(median(runs.map((r) => r.max)))}`);

  const metrics = (await cp.metrics()).split('\n').filter((l) => METRIC_LINES.test(l));
  console.log(`\ncontrol-plane /metrics after the runs:\n${metrics.join('\n')}`);

  await cleanUp();
  if (profileDir) {
    printProfile(profileDir, n, 'connect and settle', [connectWindow]);
    printProfile(
      profileDir,
      n,
      'the change runs (Apply to last arrival)',
      runs.map((r) => r.window),
    );
  }
  return { n, settleMs, rssBeforeKiB, rssAfterKiB, gcBefore, gcAfter, runs };
}

function printProfile(dir: string, n: number, phase: string, windows: readonly Window[]): void {
  const file = readdirSync(dir).find((f) => f === `control-plane-n${n}.cpuprofile`);
  if (!file) {
    console.log(`\nno CPU profile was written in ${dir}`);
    return;
  }
  const { totalMs, top } = topSelfTime(join(dir, file), 20, windows);
  console.log(
    `\ncontrol-plane CPU profile ${join(dir, file)}, during ${phase} (${fmtMs(totalMs)} of samples), top self time:`,
  );
  console.log(
    markdownTable(
      ['self', 'share', 'function'],
      top.map((t) => [fmtMs(t.ms), `${(t.share * 100).toFixed(1)}%`, t.fn]),
    ),
  );
}

async function main(args: Args): Promise<void> {
  const profileDir = args.cpuProf
    ? join(dirname(fileURLToPath(import.meta.url)), '..', 'profiles')
    : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  console.log('# Control-plane push bench\n');
  console.log(
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${process.platform}`,
  );
  console.log(
    `proxies: ${args.proxyWorkers === 0 ? 'in the bench process (one thread)' : `in ${args.proxyWorkers} worker threads`}, each with its own gRPC channel (HTTP/2 connection), subscribed to all four types; they ACK at once`,
  );
  console.log(
    `connect: ${args.spreadMs === 0 ? 'all proxies at once' : `spread evenly over ${fmtMs(args.spreadMs)} (a rollout)`}`,
  );
  console.log(
    `endpoints: ${args.endpoints === 'ports' ? 'all on 127.0.0.1, a distinct inbound port each (local-mesh style)' : 'a distinct address each, all on port 9080 (pod style)'}`,
  );
  console.log(
    `change: VirtualService default/reviews -> v2/v3 alternately; latency = from just before Apply to the proxy receiving the route table (its ACK is written right after)`,
  );

  const results: SizeResult[] = [];
  for (const n of args.ns) results.push(await benchSize(args, n, profileDir));

  console.log(`\n## Summary (ACK latencies: median over ${args.runs} runs of each statistic)\n`);
  console.log(
    markdownTable(
      [
        'N',
        'ACK p50',
        'p99',
        'max',
        'RSS before',
        'RSS after',
        'KB/proxy',
        'KB/proxy after GC: RSS / heap',
        'settle',
      ],
      results.map((r) => [
        String(r.n),
        fmtMs(median(r.runs.map((x) => x.p50))),
        fmtMs(median(r.runs.map((x) => x.p99))),
        fmtMs(median(r.runs.map((x) => x.max))),
        fmtMiB(r.rssBeforeKiB),
        fmtMiB(r.rssAfterKiB),
        perProxy(r.rssBeforeKiB, r.rssAfterKiB, r.n),
        `${perProxy(r.gcBefore.rssKiB, r.gcAfter.rssKiB, r.n)} / ${perProxy(r.gcBefore.heapUsedKiB, r.gcAfter.heapUsedKiB, r.n)}`,
        fmtMs(r.settleMs),
      ]),
    ),
  );
  console.log(
    '\nKB = 1024 bytes. RSS = /proc VmRSS as it is; "after GC" = read right after a full GC the bench triggers in the control plane (heap-probe.ts). settle = from the first connect to the last response of the registry churn.',
  );
}

let args: Args;
try {
  args = parseCli();
} catch (err) {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(2);
}
// The bench must end by itself: a hung control plane or stream fails the run, never blocks it.
const watchdog = setTimeout(() => {
  console.error(`\nbench: timed out after ${args.timeoutS} s`);
  void cleanUp().finally(() => process.exit(1));
}, args.timeoutS * 1000);
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

main(args)
  .then(async () => {
    await cleanUp();
    clearTimeout(watchdog);
    // Closed gRPC channels may still hold timers for a moment; nothing is left to wait for.
    process.exit(0);
  })
  .catch(async (err: Error) => {
    console.error(`\nbench failed: ${err.stack ?? err.message}`);
    await cleanUp();
    process.exit(1);
  });
