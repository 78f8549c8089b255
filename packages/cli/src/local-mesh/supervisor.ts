// Runs the local mesh's processes: starts each one with its output in a log file, waits until
// it is ready, restarts one that dies (with backoff, and gives up on one that keeps dying), and
// stops them all in order. Children get their own process group, so a Ctrl-C in the terminal
// reaches only `meshctl up`, which then stops them in order rather than all at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type { ComponentSpec } from './plan.js';

export type SupervisorEvent =
  /** A process was started (not ready yet): its pid is worth recording at once. */
  | { kind: 'spawned'; name: string; pid: number | undefined }
  | { kind: 'ready'; name: string; ms: number; restart: boolean }
  | { kind: 'exited'; name: string; code: number | null; signal: string | null; tail: string }
  | { kind: 'restarting'; name: string; attempt: number; delayMs: number }
  | { kind: 'gave-up'; name: string; restarts: number };

export interface SupervisorOptions {
  logDir: string;
  onEvent(event: SupervisorEvent): void;
  /** How long a component may take to become ready. */
  readyTimeoutMs?: number;
  /** Restarts allowed within restartWindowMs before the supervisor gives up on a component. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** How long stopAll waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
}

export interface Component {
  readonly spec: ComponentSpec;
  readonly log: string;
  pid(): number | undefined;
  restarts(): number;
  /** The readiness line's match, for components that print where they listen. */
  readyMatch(): RegExpExecArray | undefined;
}

const POLL_MS = 50;
const TAIL_LINES = 8;
const TAIL_BYTES = 16 * 1024;

interface Running extends Component {
  child?: ChildProcess;
  match?: RegExpExecArray;
  restartTimes: number[];
  exited?: Promise<void>;
}

export class Supervisor {
  readonly #components: Running[] = [];
  #stopping = false;
  readonly #readyTimeoutMs: number;
  readonly #maxRestarts: number;
  readonly #restartWindowMs: number;
  readonly #stopGraceMs: number;

  constructor(private readonly options: SupervisorOptions) {
    mkdirSync(options.logDir, { recursive: true });
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    this.#maxRestarts = options.maxRestarts ?? 5;
    this.#restartWindowMs = options.restartWindowMs ?? 60_000;
    this.#stopGraceMs = options.stopGraceMs ?? 10_000;
  }

  components(): readonly Component[] {
    return this.#components;
  }

  /** Set by stopAll: whoever is still starting things should give up. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts a component and resolves once it is ready; rejects with its log's tail if it is not. */
  async start(spec: ComponentSpec): Promise<Component> {
    if (this.#stopping) throw new Error(`not starting ${spec.name}: the local mesh is stopping`);
    const log = join(this.options.logDir, `${spec.name}.log`);
    const running: Running = {
      spec,
      log,
      restartTimes: [],
      pid: () => running.child?.pid,
      restarts: () => running.restartTimes.length,
      readyMatch: () => running.match,
    };
    this.#components.push(running);
    await this.#launch(running, false);
    return running;
  }

  async #launch(running: Running, restart: boolean): Promise<void> {
    const { spec, log } = running;
    const started = Date.now();
    const offset = sizeOf(log);
    const fd = openSync(log, 'a');
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        env: { ...componentEnv(process.env), ...spec.env },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    running.child = child;
    this.options.onEvent({ kind: 'spawned', name: spec.name, pid: child.pid });
    let exitedEarly: string | undefined;
    let ready = false;
    running.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        exitedEarly = `could not start ${spec.command}: ${err.message}`;
        resolve();
      });
      child.once('exit', (code, signal) => {
        exitedEarly = `exited (${signal ?? `code ${code}`})`;
        resolve();
        // Before it was ready, the exit is the failed start's, reported by the rejection.
        if (running.child === child && ready) this.#onExit(running, code, signal);
      });
    });
    const deadline = started + this.#readyTimeoutMs;
    for (;;) {
      if (exitedEarly !== undefined) {
        throw new Error(`${spec.name} ${exitedEarly} before it was ready:\n${tailOf(log, offset)}`);
      }
      if (await this.#isReady(running, offset)) break;
      if (this.#stopping) throw new Error(`${spec.name}: the local mesh is stopping`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(
          `${spec.name} was not ready within ${this.#readyTimeoutMs / 1000} s:\n${tailOf(log, offset)}`,
        );
      }
      await sleep(POLL_MS);
    }
    ready = true;
    this.options.onEvent({ kind: 'ready', name: spec.name, ms: Date.now() - started, restart });
  }

  async #isReady(running: Running, offset: number): Promise<boolean> {
    const ready = running.spec.ready;
    if (ready.kind === 'http') return httpOk(ready.url);
    const match = ready.pattern.exec(readFrom(running.log, offset));
    if (match) running.match = match;
    return match !== null;
  }

  #onExit(running: Running, code: number | null, signal: string | null, why?: string): void {
    if (this.#stopping) return;
    const name = running.spec.name;
    const tail = why ?? tailOf(running.log, 0);
    this.options.onEvent({ kind: 'exited', name, code, signal, tail });
    const now = Date.now();
    running.restartTimes = running.restartTimes.filter((t) => now - t < this.#restartWindowMs);
    if (running.restartTimes.length >= this.#maxRestarts) {
      this.options.onEvent({ kind: 'gave-up', name, restarts: running.restartTimes.length });
      running.child = undefined;
      return;
    }
    running.restartTimes.push(now);
    const attempt = running.restartTimes.length;
    const delayMs = Math.min(1000 * 2 ** (attempt - 1), 10_000);
    this.options.onEvent({ kind: 'restarting', name, attempt, delayMs });
    setTimeout(() => {
      if (this.#stopping) return;
      this.#launch(running, true).catch((err: Error) => {
        if (this.#stopping) return;
        // A restart that never got ready is one more exit: back into the backoff, or give up.
        if (running.child?.exitCode === null) running.child.kill('SIGKILL');
        this.#onExit(running, null, null, err.message);
      });
    }, delayMs).unref();
  }

  /**
   * SIGTERM to every component's process group at once, synchronously: for when this process
   * is about to die and cannot wait for an orderly stop.
   */
  killNow(): void {
    this.#stopping = true;
    for (const c of this.#components) {
      const pid = c.child?.pid;
      if (pid === undefined || c.child?.exitCode !== null || c.child?.signalCode !== null) continue;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
    }
  }

  /**
   * Stops every component, one group at a time in the order of `groups` (names), then the ones
   * no group names; each group together. SIGTERM, then SIGKILL after the grace period.
   */
  async stopAll(groups: readonly (readonly string[])[] = []): Promise<void> {
    this.#stopping = true;
    const rank = (c: Running) => {
      const i = groups.findIndex((g) => g.includes(c.spec.name));
      return i < 0 ? groups.length : i;
    };
    for (let r = 0; r <= groups.length; r++) {
      await Promise.all(this.#components.filter((c) => rank(c) === r).map((c) => this.#stop(c)));
    }
  }

  async #stop(c: Running): Promise<void> {
    const child = c.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.#stopGraceMs);
    await c.exited;
    clearTimeout(timer);
  }
}

/**
 * The environment a component starts with: this one without MESH_* variables, which every
 * mesh program reads as flags (MESH_ETCD_ENDPOINTS, MESH_NAMESPACE, ...) and which would change
 * all of them at once; the plan sets what each needs (MESH_HOME for the control plane).
 */
export function componentEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!key.startsWith('MESH_')) out[key] = value;
  return out;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readFrom(path: string, offset: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const length = Math.max(0, sizeOf(path) - offset);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, offset);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function tailOf(path: string, offset: number): string {
  // Only the end is read: a sidecar's log holds its access log and can be large.
  const from = Math.max(offset, sizeOf(path) - TAIL_BYTES);
  const lines = readFrom(path, from).trimEnd().split('\n');
  return lines.slice(-TAIL_LINES).join('\n');
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
