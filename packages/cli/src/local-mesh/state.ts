// The running local mesh, as `meshctl up` leaves it on disk: one JSON file under
// $MESH_HOME/local-mesh. It is how a second `up` knows one is running, how `down` finds the
// supervisor, how `up --detach` learns the mesh is ready, and how every other command finds the
// local control plane without flags.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ComponentState {
  name: string;
  role: 'control-plane' | 'gateway' | 'app' | 'sidecar';
  pid?: number;
  /** What it serves where, for people: `ingress http 127.0.0.1:8080`, `admin 127.0.0.1:40123`. */
  ports: Record<string, string>;
  log: string;
  restarts: number;
}

export interface LocalMeshState {
  /** The supervising `meshctl up` process. */
  pid: number;
  /** When that process started (Linux /proc/<pid>/stat), so a reused pid is not taken for it. */
  pidStart?: string;
  startedAt: string;
  /** Set once every component is ready and the demo answers; `up --detach` waits for it. */
  ready: boolean;
  /** host:port of the control plane's gRPC server. */
  controlPlane: string;
  /** host:port of its HTTP server (health, metrics, /debug). */
  controlPlaneHttp?: string;
  ingress?: { http: string; tcp?: string };
  /** HTTP_PROXY of the `curl` client sidecar: how a person (or a test) sends traffic into the mesh. */
  client?: string;
  demo?: string;
  store: string;
  components: ComponentState[];
}

export function localMeshDir(meshHome: string): string {
  return join(meshHome, 'local-mesh');
}

export function statePath(meshHome: string): string {
  return join(localMeshDir(meshHome), 'state.json');
}

/** The state file's content; undefined when there is none or it cannot be read as state. */
export function readState(meshHome: string): LocalMeshState | undefined {
  let text: string;
  try {
    text = readFileSync(statePath(meshHome), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LocalMeshState>;
    return typeof parsed.pid === 'number' && typeof parsed.controlPlane === 'string'
      ? (parsed as LocalMeshState)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole through a rename, so a reader never sees half a file. */
export function writeState(meshHome: string, state: LocalMeshState): void {
  mkdirSync(localMeshDir(meshHome), { recursive: true });
  const path = statePath(meshHome);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, path);
}

export function removeState(meshHome: string, pid: number): void {
  // Only the owner removes it: a second `up` that failed must not erase the running mesh's file.
  if (readState(meshHome)?.pid === pid) rmSync(statePath(meshHome), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process nobody has reaped yet (a detached `up` orphaned to init) still answers
  // kill(0); it is dead all the same.
  return processState(pid) !== 'Z';
}

/** The state letter of /proc/<pid>/stat (R, S, Z ...); undefined where there is no /proc. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** The state of a mesh whose supervisor still runs; a file left by a dead one is not. */
export function runningMesh(meshHome: string): LocalMeshState | undefined {
  const state = readState(meshHome);
  return state && isSupervisor(state) ? state : undefined;
}

/** Whether the state's supervisor runs: its pid is alive and, where known, started when it did. */
export function isSupervisor(state: LocalMeshState): boolean {
  if (!isAlive(state.pid)) return false;
  return state.pidStart === undefined || processStartTime(state.pid) === state.pidStart;
}

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined
 * where there is no /proc. A pid names one process only together with it.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * The admin address of a proxy of the local mesh, from its id as proxy-status lists it
 * (`<workload>-<pid>.<namespace>`): the sidecar the state recorded with that pid.
 */
export function localProxyAdmin(state: LocalMeshState, proxyId: string): string | undefined {
  const pid = Number(/-(\d+)\.[^.]+$/.exec(proxyId)?.[1]);
  const component = state.components.find((c) => c.pid === pid && c.ports.admin !== undefined);
  return component?.ports.admin;
}
