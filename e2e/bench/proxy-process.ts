// Processes for the proxy benchmark: every child is started pinned to one CPU (`taskset -c`,
// which execs the command, so the child's pid is the process itself), tracked by pid, and stopped
// by pid (SIGTERM, SIGKILL after a grace period). Plus what the bench reads from /proc: CPU ticks,
// RSS, the per-CPU busy time, and a process's descendants (nginx's workers).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';

// USER_HZ: 100 on every Linux ABI Node runs on.
export const CLOCK_TICKS_PER_SECOND = 100;
const STOP_GRACE_MS = 5_000;

export interface Pinned {
  readonly pid: number;
  readonly name: string;
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  alive(): boolean;
  /** Last lines of its log. */
  logTail(lines?: number): string;
  /** SIGTERM, SIGKILL after `graceMs`; safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface SpawnOptions {
  cpu: number;
  /** stdout and stderr go to this file (truncated). */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** `taskset -c <cpu> command ...args`, output to a log file. */
export function spawnPinned(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Pinned {
  const fd = openSync(options.logFile, 'w');
  const child = spawn('taskset', ['-c', String(options.cpu), command, ...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  running.add(child);
  let exitedFlag = false;
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      exitedFlag = true;
      running.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
  let stopping: Promise<void> | undefined;
  const logTail = (lines = 20) => {
    try {
      return readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  return {
    pid: child.pid ?? -1,
    name,
    logFile: options.logFile,
    exited,
    alive: () => !exitedFlag,
    logTail,
    stop: (graceMs = STOP_GRACE_MS) =>
      (stopping ??= (async () => {
        if (exitedFlag) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })()),
  };
}

/** SIGKILL for everything still running that this module started (error paths). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** The process and all its live descendants (nginx: master + worker). */
export function treePids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const ppid = Number(stat[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const stat = readStat(pid);
    if (!stat || stat[0] === 'Z') continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Fields after the parenthesised command name of /proc/<pid>/stat: [state, ppid, ...]. */
function readStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime and stime of the processes (all their threads), in clock ticks. */
export function cpuSplit(pids: readonly number[]): { user: number; sys: number } {
  let user = 0;
  let sys = 0;
  for (const pid of pids) {
    const f = readStat(pid);
    if (!f) continue;
    user += Number(f[11]);
    sys += Number(f[12]);
  }
  return { user, sys };
}

/** utime + stime of the processes (all their threads), in clock ticks. */
export function cpuTicks(pids: readonly number[]): number {
  const { user, sys } = cpuSplit(pids);
  return user + sys;
}

/** This process plus its waited-for children (wrk, once it has exited), in clock ticks. */
export function selfAndChildrenTicks(): number {
  const f = readStat(process.pid);
  return f ? Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) : 0;
}

/** Busy ticks of the whole machine (user, nice, system, irq, softirq) from /proc/stat. */
export function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  return v[0]! + v[1]! + v[2]! + v[5]! + v[6]!;
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM), per process. */
export function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Busy and total clock ticks per CPU (from /proc/stat), for "which side was the bottleneck". */
export function cpuTimes(): { busy: number; total: number }[] {
  const out: { busy: number; total: number }[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    // user nice system idle iowait irq softirq steal
    const v = m[2]!.trim().split(/\s+/).map(Number);
    const busy = v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + v[7]!;
    out[Number(m[1])] = { busy, total: busy + v[3]! + v[4]! };
  }
  return out;
}

/** Fraction of each CPU that was busy between two cpuTimes() readings. */
export function busyShare(
  a: readonly { busy: number; total: number }[],
  b: readonly { busy: number; total: number }[],
): number[] {
  return b.map((x, i) => {
    const y = a[i];
    if (!y || x.total === y.total) return 0;
    return (x.busy - y.busy) / (x.total - y.total);
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface Probe {
  status: number;
  bytes: number;
  /** The proxy's x-mesh-error, when it answered itself. */
  meshError: string | undefined;
  /** The first 200 bytes of the body, as text. */
  head: string;
}

/**
 * One GET over a fresh connection: `target` is the request target as sent (origin-form `/` or
 * absolute-form `http://host:port/` for a forward proxy), `host` the Host header.
 */
export function probe(port: number, target: string, host: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'GET', path: target, headers: { host }, agent: false },
      (res) => {
        let bytes = 0;
        let head = '';
        res.on('data', (c: Buffer) => {
          if (bytes < 200) head += c.subarray(0, 200 - bytes).toString();
          bytes += c.length;
        });
        const meshError = res.headers['x-mesh-error'];
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            bytes,
            meshError: typeof meshError === 'string' ? meshError : undefined,
            head,
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(2_000, () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until the path answers 200 with a body of `bytes`; fails naming the last answer. */
export async function waitServing(
  what: string,
  port: number,
  target: string,
  host: string,
  bytes: number,
  timeoutMs: number,
  procs: readonly Pinned[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    for (const p of procs) {
      if (!p.alive()) throw new Error(`${p.name} (pid ${p.pid}) exited:\n${p.logTail()}`);
    }
    try {
      const r = await probe(port, target, host);
      if (r.status === 200 && r.bytes === bytes) return;
      last = `${r.status}, ${r.bytes} bytes`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const logs = procs.map((p) => `--- ${p.name} ---\n${p.logTail()}`).join('\n');
      throw new Error(`${what} not serving after ${timeoutMs} ms (last: ${last})\n${logs}`);
    }
    await sleep(100);
  }
}
