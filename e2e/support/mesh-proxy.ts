// `mesh-proxy` as a real process for e2e tests: started with free ports, its ports read from its
// start line, stopped with SIGTERM (drain) or killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, repo, type Env, type Exit } from './processes.js';
import { shebangNodeFlags } from './shebang.js';

const PROXY_BIN = join(repo, 'apps/proxy/bin/mesh-proxy.js');
const START_LINE =
  /mesh-proxy (\S+) started: outbound 127\.0\.0\.1:(\d+) admin 127\.0\.0\.1:(\d+) health :(\d+)/;
const START_TIMEOUT_MS = 15_000;
const running = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ProxyProcess {
  readonly id: string;
  readonly outboundPort: number;
  readonly adminPort: number;
  readonly healthPort: number;
  stdout(): string;
  stderr(): string;
  stop(): Promise<Exit>;
  kill(): Promise<Exit>;
}

export async function startMeshProxy(
  args: readonly string[],
  env: Env = {},
): Promise<ProxyProcess> {
  const argv = [
    ...shebangNodeFlags(PROXY_BIN),
    PROXY_BIN,
    '--outbound-port',
    '0',
    '--admin-port',
    '0',
    '--health-port',
    '0',
    ...args,
  ];
  const child = spawn(process.execPath, argv, {
    cwd: repo,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mesh-proxy not started within ${START_TIMEOUT_MS} ms:\n${err}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      const m = START_LINE.exec(err);
      if (!m) return;
      clearTimeout(timer);
      child.stderr.off('data', check);
      resolve(m);
    };
    child.stderr.on('data', check);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`mesh-proxy exited (${e.code ?? e.signal}) before starting:\n${err}`));
    });
  });
  return {
    id: match[1]!,
    outboundPort: Number(match[2]),
    adminPort: Number(match[3]),
    healthPort: Number(match[4]),
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
    kill: async () => {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

export async function stopAllProxies(): Promise<void> {
  for (const child of running) child.kill('SIGKILL');
}
