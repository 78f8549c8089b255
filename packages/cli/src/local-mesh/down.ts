// `meshctl down`: stops the local mesh `meshctl up` runs, by asking its supervisor (SIGTERM),
// which stops every component in order. A mesh whose supervisor died (kill -9) left its
// components running: they are stopped here from the pids the state file recorded.
import { readFileSync } from 'node:fs';
import { EXIT_FINDINGS, EXIT_OK } from '../guard.js';
import type { CliIo } from '../io.js';
import {
  isAlive,
  isSupervisor,
  readState,
  removeState,
  statePath,
  type LocalMeshState,
} from './state.js';

const STOP_TIMEOUT_MS = 30_000;

export async function runDown(home: string, io: CliIo): Promise<number> {
  const state = readState(home);
  if (!state) {
    io.stdout(`No local mesh is running (no ${statePath(home)}).\n`);
    return EXIT_OK;
  }
  if (!isSupervisor(state)) {
    const stopped = await stopLeftovers(state);
    removeState(home, state.pid);
    io.stdout(
      `The local mesh's supervisor (pid ${state.pid}) was gone; stopped ${stopped} component(s) it left running.\n`,
    );
    return EXIT_OK;
  }
  io.stdout(`Stopping the local mesh (pid ${state.pid})...\n`);
  signal(state.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(state.pid)) {
    if (Date.now() > deadline) {
      io.stderr(`Error: pid ${state.pid} did not stop within ${STOP_TIMEOUT_MS / 1000} s\n`);
      return EXIT_FINDINGS;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  io.stdout('Stopped.\n');
  return EXIT_OK;
}

/**
 * Stops the components a dead supervisor left running (SIGTERM to each process group, SIGKILL
 * after 5 s); resolves with how many there were.
 */
export async function stopLeftovers(state: LocalMeshState): Promise<number> {
  const left = state.components
    .map((c) => c.pid)
    .filter((pid): pid is number => pid !== undefined && isOurs(pid));
  for (const pid of left) signal(-pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (left.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of left.filter(isAlive)) signal(-pid, 'SIGKILL');
  return left.length;
}

/** A recorded pid still running one of the mesh's programs, not a stranger that reused it. */
function isOurs(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /mesh-proxy|mesh-control-plane|bookinfo/.test(cmdline);
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}
