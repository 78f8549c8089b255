// The real control plane as a child process (local mode: embedded store in a fresh MESH_HOME),
// with what the bench reads from outside: its ports, token, RSS, CPU time and /metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SUMMARY = /serving grpc (\S+):(\d+) http (\S+):(\d+)/;
const START_TIMEOUT_MS = 20_000;
// A clean stop closes every proxy stream first; give it that long before SIGKILL.
const STOP_GRACE_MS = 3_000;
// With --cpu-prof the profile is written at exit, which takes longer for a long run.
const STOP_GRACE_PROFILING_MS = 15_000;
// A full GC of a heap of a few hundred MB takes well under a second.
const PROBE_TIMEOUT_MS = 10_000;

export interface StartOptions {
  /** Directory for a V8 CPU profile (node --cpu-prof); none when undefined. */
  cpuProfDir?: string;
  cpuProfName?: string;
  /** Appended to the control plane's own flags. */
  extraArgs?: readonly string[];
}

/** process.memoryUsage() of the control plane right after a full GC, in KiB. */
export interface MemoryAfterGc {
  rssKiB: number;
  heapUsedKiB: number;
  /** V8 heap reserved (heapTotal), used or not; it counts in RSS. */
  heapTotalKiB: number;
  /** Memory of Buffers and other objects outside the V8 heap. */
  externalKiB: number;
}

export interface ControlPlaneProcess {
  readonly pid: number;
  readonly grpcAddress: string;
  readonly httpAddress: string;
  readonly token: string;
  /** VmRSS in KiB. */
  rssKiB(): number;
  /** Full GC in the control plane (through heap-probe.ts), then its memory. */
  memoryAfterGc(): Promise<MemoryAfterGc>;
  /** User + system CPU time so far, in ms (clock-tick resolution). */
  cpuMs(): number;
  metrics(): Promise<string>;
  /** Last lines of its log (stderr), for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, SIGKILL after a grace period; removes MESH_HOME. Safe to call twice. */
  stop(): Promise<void>;
}

/** Walks up from this file to the directory holding `relative` (the repository root). */
export function findUp(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${relative} above ${import.meta.url}`);
    dir = parent;
  }
}

export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlaneProcess> {
  const bin = findUp('apps/control-plane/bin/mesh-control-plane.js');
  const home = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
  const logFile = join(home, 'control-plane.log');
  const logFd = openSync(logFile, 'w');
  // Only MESH_HOME from our side: an inherited MESH_ETCD_ENDPOINTS or port would change the setup.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MESH_')),
  ) as NodeJS.ProcessEnv;
  env['MESH_HOME'] = home;
  const probeFile = join(home, 'memory.json');
  env['BENCH_HEAP_PROBE_FILE'] = probeFile;
  const nodeFlags = [
    '--expose-gc',
    '--import',
    new URL('./heap-probe.js', import.meta.url).href,
    ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
    ...(options.cpuProfDir && options.cpuProfName ? ['--cpu-prof-name', options.cpuProfName] : []),
  ];
  const child = spawn(
    process.execPath,
    [...nodeFlags, bin, '--grpc-port', '0', '--http-port', '0', ...(options.extraArgs ?? [])],
    { env, stdio: ['ignore', 'pipe', logFd] },
  );
  closeSync(logFd);

  const logTail = (lines = 20) => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };

  let exited = child.exitCode !== null;
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      resolve();
    };
    child.once('exit', done);
    // A child that cannot be spawned emits 'error' and never 'exit'.
    child.once('error', done);
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const grace = options.cpuProfDir ? STOP_GRACE_PROFILING_MS : STOP_GRACE_MS;
        const timer = setTimeout(() => child.kill('SIGKILL'), grace);
        await exit;
        clearTimeout(timer);
      }
      rmSync(home, { recursive: true, force: true });
    })());

  let summary: RegExpExecArray;
  try {
    summary = await readSummary(child, exit);
  } catch (err) {
    const tail = logTail();
    await stop();
    throw new Error(`${(err as Error).message}${tail ? `\ncontrol-plane log:\n${tail}` : ''}`);
  }
  const token = readFileSync(join(home, 'token'), 'utf8').trim();
  const pid = child.pid!;
  const httpAddress = `${summary[3]}:${summary[4]}`;
  return {
    pid,
    grpcAddress: `${summary[1]}:${summary[2]}`,
    httpAddress,
    token,
    rssKiB: () => {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
      return Number(m[1]);
    },
    memoryAfterGc: async () => {
      rmSync(probeFile, { force: true });
      process.kill(pid, 'SIGUSR2');
      const deadline = Date.now() + PROBE_TIMEOUT_MS;
      while (!existsSync(probeFile)) {
        if (Date.now() > deadline)
          throw new Error('the heap probe in the control plane did not answer');
        await new Promise((r) => setTimeout(r, 20));
      }
      const m = JSON.parse(readFileSync(probeFile, 'utf8')) as NodeJS.MemoryUsage;
      return {
        rssKiB: m.rss / 1024,
        heapUsedKiB: m.heapUsed / 1024,
        heapTotalKiB: m.heapTotal / 1024,
        externalKiB: m.external / 1024,
      };
    },
    cpuMs: () => {
      // Fields 14 and 15 (utime, stime) in clock ticks, counted after the parenthesised name.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    },
    metrics: async () => {
      const res = await fetch(`http://${httpAddress}/metrics`, {
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
      return res.text();
    },
    logTail,
    stop,
  };
}

// USER_HZ: 100 on every Linux ABI Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

function readSummary(child: ChildProcess, exit: Promise<void>): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      lines.close();
      reject(new Error(`control plane printed no "serving" line in ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    lines.on('line', (line) => {
      const m = SUMMARY.exec(line);
      if (!m) return;
      clearTimeout(timer);
      lines.close();
      // Keep reading so a chatty child never blocks on a full pipe.
      child.stdout!.resume();
      resolve(m);
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`control plane exited (code ${child.exitCode}) before serving`));
    });
  });
}
