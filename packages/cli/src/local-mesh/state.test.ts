import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAddress } from '../connection.js';
import {
  isAlive,
  localProxyAdmin,
  processStartTime,
  readState,
  removeState,
  runningMesh,
  statePath,
  writeState,
  type LocalMeshState,
} from './state.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'mesh-state-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const state = (pid: number): LocalMeshState => ({
  pid,
  startedAt: '2026-11-26T04:00:00.000Z',
  ready: true,
  controlPlane: '127.0.0.1:41000',
  controlPlaneHttp: '127.0.0.1:41001',
  store: 'embedded store (/x)',
  components: [
    {
      name: 'reviews-v2-sidecar',
      role: 'sidecar',
      pid: 4242,
      ports: { admin: '127.0.0.1:45000', inbound: '127.0.0.1:45001' },
      log: '/x/reviews-v2-sidecar.log',
      restarts: 0,
    },
    {
      name: 'reviews-v2',
      role: 'app',
      pid: 4241,
      ports: { app: '127.0.0.1:45002' },
      log: '/x',
      restarts: 0,
    },
  ],
});

describe('local mesh state', () => {
  it('round-trips through the file, and only its owner removes it', () => {
    writeState(home, state(process.pid));
    expect(readState(home)).toEqual(state(process.pid));
    removeState(home, process.pid + 1);
    expect(readState(home)).toBeDefined();
    removeState(home, process.pid);
    expect(readState(home)).toBeUndefined();
  });

  it('ignores a file that is not state, and a mesh whose supervisor is gone', () => {
    writeState(home, state(process.pid));
    writeFileSync(statePath(home), '{"half":');
    expect(readState(home)).toBeUndefined();
    writeState(home, state(process.pid));
    expect(runningMesh(home)?.pid).toBe(process.pid);
    // A pid far above pid_max is never alive.
    writeState(home, state(2 ** 30));
    expect(isAlive(2 ** 30)).toBe(false);
    expect(readState(home)).toBeDefined();
    expect(runningMesh(home)).toBeUndefined();
  });

  it('does not take a live process that reused the pid for the supervisor', () => {
    const start = processStartTime(process.pid);
    expect(start).toMatch(/^\d+$/);
    writeState(home, { ...state(process.pid), pidStart: start! });
    expect(runningMesh(home)?.pid).toBe(process.pid);
    writeState(home, { ...state(process.pid), pidStart: String(Number(start) + 1) });
    expect(runningMesh(home)).toBeUndefined();
  });

  it("finds a sidecar's admin address from the proxy id proxy-status lists", () => {
    const s = state(process.pid);
    expect(localProxyAdmin(s, 'reviews-v2-4242.default')).toBe('127.0.0.1:45000');
    // The app has the same workload name but no admin port; other pids are not ours.
    expect(localProxyAdmin(s, 'reviews-v2-4241.default')).toBeUndefined();
    expect(localProxyAdmin(s, 'reviews-v2-9999.default')).toBeUndefined();
    expect(localProxyAdmin(s, 'reviews-v2')).toBeUndefined();
  });

  it('gives commands the local control plane after the flag and MESH_CONTROL_PLANE', () => {
    const local = '127.0.0.1:41000';
    expect(resolveAddress(undefined, {}, local)).toBe(local);
    expect(resolveAddress(undefined, { MESH_CONTROL_PLANE: 'cp:1' }, local)).toBe('cp:1');
    expect(resolveAddress('flag:2', { MESH_CONTROL_PLANE: 'cp:1' }, local)).toBe('flag:2');
    expect(resolveAddress(undefined, {})).toBe('localhost:15010');
  });
});
