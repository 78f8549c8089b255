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
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a mesh whose supervisor still runs; a file left by a dead one is not. */
export function runningMesh(meshHome: string): LocalMeshState | undefined {
  const state = readState(meshHome);
  return state && isAlive(state.pid) ? state : undefined;
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
