// The built binaries as users run them: `mesh-control-plane` as a child process waited on
// through its ready line, and `meshctl` as one process per command. Every child is tracked, so
// an afterAll (or the test process exiting) leaves nothing running.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const repo = resolve(__dirname, '../..');
const CONTROL_PLANE_BIN = join(repo, 'apps/control-plane/bin/mesh-control-plane.js');
const MESHCTL_BIN = join(repo, 'apps/meshctl/bin/meshctl.js');

const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const MESHCTL_TIMEOUT_MS = 30_000;

const READY_LINE =
  /^mesh-control-plane (\S+) serving grpc (\S+?):(\d+) http (\S+?):(\d+) store (.+)\n/m;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export type Env = Record<string, string | undefined>;

/** process.env without any MESH_* variable: tests say exactly what each process sees. */
export function cleanEnv(extra: Env = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MESH_') && value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ControlPlaneProcess {
  /** Replica name from the ready line. */
  readonly name: string;
  /** host:port of the gRPC (discovery + config) server, as printed. */
  readonly grpc: string;
  readonly grpcPort: number;
  /** host:port of the HTTP server. */
  readonly http: string;
  readonly httpPort: number;
  /** The store description from the ready line. */
  readonly store: string;
  readonly pid: number;
  readonly readyLine: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after 5 s; says whether the kill was needed and how long it took. */
  stop(): Promise<Exit & { killed: boolean; ms: number }>;
  /** SIGKILL at once, as a crash. */
  kill(): Promise<Exit>;
}

export interface StartOptions {
  /** MESH_HOME of the process. */
  home: string;
  /** Flags after `--grpc-port 0 --http-port 0`. */
  args?: readonly string[];
  env?: Env;
}

/** Starts `mesh-control-plane --grpc-port 0 --http-port 0 ...` and waits for its ready line. */
export async function startControlPlane(options: StartOptions): Promise<ControlPlaneProcess> {
  const args = [CONTROL_PLANE_BIN, '--grpc-port', '0', '--http-port', '0', ...(options.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: repo,
    env: cleanEnv({ MESH_HOME: options.home, ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      resolveExit(exit);
    });
  });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));

  const transcript = () =>
    `mesh-control-plane ${args.slice(1).join(' ')}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`;

  const ready = await new Promise<RegExpExecArray>((resolveReady, reject) => {
    const check = () => {
      const m = READY_LINE.exec(out);
      if (m) done(() => resolveReady(m));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(() =>
        reject(
          new Error(
            `control plane exited (${code ?? signal}) before its ready line:\n${transcript()}`,
          ),
        ),
      );
    const timer = setTimeout(
      () =>
        done(() => {
          child.kill('SIGKILL');
          reject(
            new Error(`control plane not ready within ${READY_TIMEOUT_MS} ms:\n${transcript()}`),
          );
        }),
      READY_TIMEOUT_MS,
    );
    const done = (then: () => void) => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.off('exit', onExit);
      then();
    };
    child.stdout.on('data', check);
    child.once('exit', onExit);
  });

  const [
    readyLine = '',
    name = '',
    grpcHost = '',
    grpcPort = '',
    httpHost = '',
    httpPort = '',
    store = '',
  ] = ready;

  const stop = async () => {
    const started = Date.now();
    if (exit) return { ...exit, killed: false, ms: 0 };
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    child.kill('SIGTERM');
    const result = await exited;
    clearTimeout(timer);
    return { ...result, killed, ms: Date.now() - started };
  };

  return {
    name,
    grpc: `${grpcHost}:${grpcPort}`,
    grpcPort: Number(grpcPort),
    http: `${httpHost}:${httpPort}`,
    httpPort: Number(httpPort),
    store,
    pid: child.pid!,
    readyLine,
    stdout: () => out,
    stderr: () => err,
    stop,
    kill: async () => {
      if (exit) return exit;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Stops every control plane still running (SIGTERM, SIGKILL after 5 s). */
export async function stopAllControlPlanes(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolveStop) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolveStop();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Pids of the processes this module started that are still running. */
export function runningPids(): number[] {
  return [...running].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

export interface MeshctlResult {
  code: number | null;
  out: string;
  err: string;
}

export interface MeshctlOptions {
  /** Added to a MESH_*-free copy of process.env; undefined removes a variable. */
  env?: Env;
  input?: string;
  cwd?: string;
}

/** Runs `meshctl ...args` as its own process, to completion (bounded). */
export function meshctl(
  args: readonly string[],
  options: MeshctlOptions = {},
): Promise<MeshctlResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [MESHCTL_BIN, ...args], {
      cwd: options.cwd ?? repo,
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `meshctl ${args.join(' ')} did not finish within ${MESHCTL_TIMEOUT_MS} ms\n--- stdout ---\n${out}\n--- stderr ---\n${err}`,
        ),
      );
    }, MESHCTL_TIMEOUT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, out, err });
    });
    child.stdin.end(options.input ?? '');
  });
}
