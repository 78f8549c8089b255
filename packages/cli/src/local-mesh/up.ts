// `meshctl up`: a whole mesh on this machine, no root, no Kubernetes, no etcd to install. The
// control plane (embedded store unless --etcd), an ingress gateway on a local port and, with
// --demo bookinfo, Bookinfo's workloads each with its own sidecar; then the samples' Gateway and
// DestinationRules, so /productpage answers at once. This process supervises them until Ctrl-C
// (or `meshctl down`), or hands them to a background copy of itself with --detach.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { parseMeshConfig } from '@mesh/rules';
import { runApply } from '../apply.js';
import type { ControlPlaneDeps } from '../connection.js';
import { EXIT_FINDINGS, EXIT_OK } from '../guard.js';
import type { CliIo } from '../io.js';
import { meshHome as meshHomeOf } from '../token.js';
import {
  appSpec,
  BOOKINFO_CONFIG,
  clientSpec,
  BOOKINFO_WORKLOADS,
  controlPlaneSpec,
  gatewaySpec,
  LOCAL_MESH_CONFIG,
  sidecarSpec,
  type ComponentSpec,
  type LocalMeshPrograms,
  type ProxyPorts,
} from './plan.js';
import { stopLeftovers } from './down.js';
import {
  localMeshDir,
  processStartTime,
  readState,
  removeState,
  runningMesh,
  writeState,
  type LocalMeshState,
} from './state.js';
import { canListen, freePort, reservePorts } from './ports.js';
import { prometheusConfig } from './prometheus.js';
import { Supervisor, type Component, type SupervisorEvent } from './supervisor.js';

export const DEMOS = ['bookinfo'] as const;
export type Demo = (typeof DEMOS)[number];

export interface UpOptions {
  demo?: Demo;
  etcd?: string;
  ingressPort: number;
  tcpPort: number;
  controlPlanePort: number;
  controlPlaneHttpPort: number;
  /** Outbound port of the `curl` client sidecar (Istio's outbound port by default). */
  clientPort: number;
  /** Keep the embedded store's config from the last run instead of starting empty. */
  keepConfig: boolean;
  /** The user's MeshConfig file for every proxy; absent: LOCAL_MESH_CONFIG. */
  meshConfig?: string;
  detach: boolean;
  /** How to run this same command again in the background (for --detach). */
  relaunch: readonly string[];
}

export interface LocalMeshDeps {
  programs: LocalMeshPrograms;
  controlPlane: ControlPlaneDeps;
  /** process.execPath and meshctl's own script: what --detach starts. */
  self: readonly string[];
  colour: boolean;
  /** Resolves when the user asks to stop (SIGINT, SIGTERM). */
  stopRequested(): Promise<string>;
}

const DEMO_TIMEOUT_MS = 30_000;
/** Longer than the background copy can take to give up by itself (30 s per start step). */
const DETACH_TIMEOUT_MS = 120_000;

export async function runUp(options: UpOptions, io: CliIo, deps: LocalMeshDeps): Promise<number> {
  const home = meshHomeOf(deps.controlPlane.env, deps.controlPlane.homeDir);
  const running = runningMesh(home);
  if (running) {
    io.stderr(`${alreadyRunning(running)}\n`);
    return EXIT_FINDINGS;
  }
  const stale = readState(home);
  if (stale) {
    // A supervisor that died (kill -9, a crash) may have left its components running.
    const stopped = await stopLeftovers(stale);
    removeState(home, stale.pid);
    if (stopped > 0)
      io.stderr(
        `Stopped ${stopped} component(s) left running by an earlier meshctl up (pid ${stale.pid}).\n`,
      );
  }
  if (options.meshConfig !== undefined) {
    // Checked before anything starts: every proxy would refuse it, one restart after another.
    const problem = meshConfigProblem(options.meshConfig);
    if (problem) {
      io.stderr(`Error: ${problem}\n`);
      return EXIT_FINDINGS;
    }
  }
  reservePorts([
    options.ingressPort,
    options.tcpPort,
    options.clientPort,
    options.controlPlanePort,
    options.controlPlaneHttpPort,
  ]);
  const busy = await busyPorts(options);
  if (busy.length > 0) {
    io.stderr(`Error: ${busy.join('; ')}\n`);
    return EXIT_FINDINGS;
  }
  if (options.detach) return detach(options, io, deps, home);
  return supervise(options, io, deps, home);
}

/** Fixed ports someone else holds, said before anything starts rather than as a failed start. */
async function busyPorts(options: UpOptions): Promise<string[]> {
  const fixed: [number, string][] = [
    [options.controlPlanePort, '--control-plane-port'],
    [options.controlPlaneHttpPort, '--control-plane-http-port'],
    [options.ingressPort, '--ingress-port'],
    [options.tcpPort, '--tcp-port'],
    [options.clientPort, '--client-port'],
  ];
  const busy: string[] = [];
  for (const [port, flag] of fixed) {
    if (port !== 0 && !(await canListen(port)))
      busy.push(
        `port ${port} is in use on 127.0.0.1; choose another with ${flag} <port> (0: any free port)`,
      );
  }
  return busy;
}

function alreadyRunning(state: LocalMeshState): string {
  const ingress = state.ingress ? `, ingress http://${state.ingress.http}` : '';
  return (
    `Error: a local mesh is already running (meshctl up, pid ${state.pid}, since ${state.startedAt}): ` +
    `control plane ${state.controlPlane}${ingress}.\nStop it with \`meshctl down\`, or use another ` +
    'MESH_HOME for a second mesh.'
  );
}

async function supervise(
  options: UpOptions,
  io: CliIo,
  deps: LocalMeshDeps,
  home: string,
): Promise<number> {
  const dir = localMeshDir(home);
  const dataDir = join(dir, 'data');
  if (!options.keepConfig) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { ok, bad } = marks(deps.colour);
  const pidStart = processStartTime(process.pid);
  const state: LocalMeshState = {
    pid: process.pid,
    ...(pidStart !== undefined && { pidStart }),
    startedAt: new Date().toISOString(),
    ready: false,
    controlPlane: '',
    store: options.etcd ? `etcd at ${options.etcd}` : `embedded store (${dataDir})`,
    components: [],
    ...(options.demo && { demo: options.demo }),
  };
  // Written first: it is also the lock a second `meshctl up` finds.
  writeState(home, state);
  const started = Date.now();
  io.stdout(`Starting a local mesh (logs in ${join(dir, 'logs')})\n`);

  const save = () => {
    state.components = supervisor.components().map(componentState);
    writeState(home, state);
  };
  const onEvent = (event: SupervisorEvent) => {
    if (supervisor.stopping && event.kind !== 'spawned') return;
    if (event.kind === 'spawned') {
      // Recorded at once, so `meshctl down` finds it even if this process dies before it is ready.
    } else if (event.kind === 'ready') {
      const c = supervisor.components().find((x) => x.spec.name === event.name);
      const where = c ? describePorts(c) : '';
      const what = event.restart ? 'restarted, ready' : 'ready';
      io.stdout(`  ${ok} ${event.name.padEnd(28)} ${what} in ${seconds(event.ms)}${where}\n`);
    } else if (event.kind === 'exited') {
      const how = event.signal ?? (event.code === null ? 'failed' : `code ${event.code}`);
      io.stderr(
        `  ${bad} ${event.name} exited (${how}); last lines of its log:\n${indent(event.tail)}\n`,
      );
    } else if (event.kind === 'restarting') {
      io.stderr(
        `    restarting ${event.name} in ${seconds(event.delayMs)} (restart ${event.attempt})\n`,
      );
    } else {
      io.stderr(
        `  ${bad} ${event.name} keeps exiting (${event.restarts} restarts in a minute); left stopped. See ${join(dir, 'logs', `${event.name}.log`)}\n`,
      );
    }
    save();
  };
  // onEvent and save reach it only once it runs components.
  const supervisor: Supervisor = new Supervisor({ logDir: join(dir, 'logs'), onEvent });

  const stop = async (exitCode: number) => {
    io.stdout('Stopping the local mesh...\n');
    await supervisor.stopAll(STOP_ORDER);
    removeState(home, process.pid);
    io.stdout('Stopped.\n');
    return exitCode;
  };

  // A bug of ours must not leave twenty processes behind: stop them before dying.
  const fatal = (err: unknown) => {
    supervisor.killNow();
    removeState(home, process.pid);
    io.stderr(`meshctl: internal error, stopped the local mesh: ${String(err)}\n`);
    process.exit(3);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  try {
    return await runSupervised();
  } finally {
    process.off('uncaughtException', fatal);
    process.off('unhandledRejection', fatal);
  }

  async function runSupervised(): Promise<number> {
    const stopSignal = deps.stopRequested();
    const interrupted = stopSignal.then((signal) => ({ signal }));
    try {
      const startup = startMesh(options, io, deps, supervisor, state, dataDir, home, save);
      const first = await Promise.race([startup.then(() => undefined), interrupted]);
      if (first) {
        io.stderr(`Interrupted (${first.signal}) while starting.\n`);
        startup.catch(() => undefined);
        return await stop(EXIT_FINDINGS);
      }
    } catch (err) {
      io.stderr(`Error: ${(err as Error).message}\n`);
      return await stop(EXIT_FINDINGS);
    }
    state.ready = true;
    save();
    io.stdout(`\n${summary(state, options, Date.now() - started)}\n`);
    await stopSignal;
    return stop(EXIT_OK);
  }
}

/** Stopped first to last: nothing new comes in, then the apps, their sidecars, the control plane. */
const STOP_ORDER = [
  ['istio-ingressgateway', 'curl-sidecar'],
  BOOKINFO_WORKLOADS.map((w) => w.name),
  BOOKINFO_WORKLOADS.map((w) => `${w.name}-sidecar`),
  ['control-plane'],
];

async function startMesh(
  options: UpOptions,
  io: CliIo,
  deps: LocalMeshDeps,
  supervisor: Supervisor,
  state: LocalMeshState,
  dataDir: string,
  home: string,
  save: () => void,
): Promise<void> {
  const { programs } = deps;
  // Ports fixed before the first start: a restarted control plane must come back where the
  // proxies dial it.
  const controlPlane = await supervisor.start(
    controlPlaneSpec({
      programs,
      meshHome: home,
      grpcPort: await portOr(options.controlPlanePort),
      httpPort: await portOr(options.controlPlaneHttpPort),
      tokenFile: await localToken(home),
      dataDir,
      ...(options.etcd && { etcd: options.etcd }),
    }),
  );
  const m = controlPlane.readyMatch()!;
  state.controlPlane = `${m[1]}:${m[2]}`;
  state.controlPlaneHttp = `${m[3]}:${m[4]}`;
  save();

  const common = {
    programs,
    controlPlane: state.controlPlane,
    meshConfig: meshConfigFile(options, dataDir),
  };
  const ingressPort = await portOr(options.ingressPort);
  const tcpPort = await portOr(options.tcpPort);
  state.ingress = { http: `localhost:${ingressPort}`, tcp: `localhost:${tcpPort}` };
  const specs: ComponentSpec[][] = [
    [
      gatewaySpec({
        ...common,
        ports: await proxyPorts(),
        ingressPort,
        tcpPort,
      }),
    ],
  ];
  const client = await proxyPorts();
  client.outbound = await portOr(options.clientPort);
  state.client = `http://127.0.0.1:${client.outbound}`;
  specs.push([clientSpec({ ...common, ports: client })]);
  const workloads = options.demo === 'bookinfo' ? BOOKINFO_WORKLOADS : [];
  for (const workload of workloads) {
    const w = {
      ...common,
      workload,
      appPort: await freePort(),
      proxy: await proxyPorts(),
    };
    specs.push([appSpec(w), sidecarSpec(w)]);
  }
  const applied =
    options.demo === 'bookinfo' ? applyDemo(io, deps, state.controlPlane, home) : undefined;
  // Awaited below, after the starts; until then a failure must not go unhandled.
  applied?.catch(() => undefined);
  // Each workload's app before its sidecar (the sidecar forwards to it), workloads side by side.
  await Promise.all(
    specs.map(async (group) => {
      for (const spec of group) await supervisor.start(spec);
    }),
  );
  save();
  writeFileSync(join(dirname(dataDir), 'prometheus.yml'), prometheusConfig(state));
  const { ok } = marks(deps.colour);
  if (applied) io.stdout(`  ${ok} ${'config'.padEnd(28)} ${(await applied).join(', ')}\n`);
  if (options.demo === 'bookinfo') await demoAnswers(ingressPort, () => supervisor.stopping);
}

/** The samples' Gateway and DestinationRules; resolves with meshctl apply's lines. */
async function applyDemo(
  io: CliIo,
  deps: LocalMeshDeps,
  controlPlane: string,
  home: string,
): Promise<string[]> {
  const out: string[] = [];
  const err: string[] = [];
  const captured: CliIo = { ...io, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
  const code = await runApply(
    {
      controlPlane,
      // This control plane's own token: a MESH_TOKEN in the shell is for some other one.
      token: readFileSync(join(home, 'token'), 'utf8').trim(),
      filenames: BOOKINFO_CONFIG.map((f) => join(deps.programs.samples, f)),
      namespace: 'default',
      timeout: '10s',
    },
    captured,
    deps.controlPlane,
  );
  if (code !== EXIT_OK) throw new Error(`applying the Bookinfo config failed:\n${err.join('')}`);
  return out.join('').trim().split('\n');
}

/** Until the ingress serves /productpage with its reviews: routes pushed to every proxy. */
async function demoAnswers(ingressPort: number, stopping: () => boolean): Promise<void> {
  const deadline = Date.now() + DEMO_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (stopping()) throw new Error('stopped while waiting for /productpage');
    const res = await httpGet(`http://127.0.0.1:${ingressPort}/productpage`);
    if (res.status === 200 && res.body.includes('data-reviews-version')) return;
    last = res.status ? `${res.status} ${res.body.slice(0, 200)}` : res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `http://localhost:${ingressPort}/productpage did not answer in time; last: ${last}`,
  );
}

function summary(state: LocalMeshState, options: UpOptions, ms: number): string {
  const lines = [
    `Local mesh up in ${seconds(ms)}.`,
    `  control plane   ${state.controlPlane} (${state.store})`,
    `  ingress         http://${state.ingress?.http}  tcp ${state.ingress?.tcp}`,
    `  client sidecar  HTTP_PROXY=${state.client} (curl -x ${state.client} http://<service>:<port>/)`,
  ];
  if (options.demo === 'bookinfo') {
    lines.push(
      `  Bookinfo        http://${state.ingress?.http}/productpage`,
      '',
      'Try:',
      '  meshctl proxy-status',
      '  meshctl apply -f samples/bookinfo/virtual-service-all-v1.yaml                 # everyone on reviews v1',
      '  meshctl apply -f samples/bookinfo/tasks/virtual-service-reviews-test-v2.yaml  # sign in as jason: v2',
      '  meshctl apply -f samples/bookinfo/tasks/virtual-service-reviews-50-v3.yaml    # half to v3',
      '  meshctl get vs',
    );
  }
  lines.push(
    '',
    options.detach ? 'Stop it with: meshctl down' : 'Ctrl-C (or meshctl down) stops it.',
  );
  return lines.join('\n');
}

async function detach(
  options: UpOptions,
  io: CliIo,
  deps: LocalMeshDeps,
  home: string,
): Promise<number> {
  const dir = localMeshDir(home);
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'up.log');
  const fd = openSync(logFile, 'w');
  const [command, ...args] = deps.self;
  const child = spawn(command!, [...args, ...options.relaunch.filter((a) => a !== '--detach')], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: process.env,
  });
  closeSync(fd);
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  io.stdout(`Starting a local mesh in the background (pid ${child.pid}, log ${logFile})\n`);
  const deadline = Date.now() + DETACH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const state = readState(home);
    if (state && state.pid === child.pid && state.ready) {
      io.stdout(`${summary(state, options, Date.now() - Date.parse(state.startedAt))}\n`);
      return EXIT_OK;
    }
    if (exited !== undefined) {
      io.stderr(`Error: the local mesh did not start (exit ${exited}); see ${logFile}\n`);
      return EXIT_FINDINGS;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  io.stderr(
    `Error: the local mesh (pid ${child.pid}) was not ready within ${DETACH_TIMEOUT_MS / 1000} s and may still be starting; see ${logFile}, and stop it with meshctl down\n`,
  );
  return EXIT_FINDINGS;
}

function componentState(c: Component): LocalMeshState['components'][number] {
  const pid = c.pid();
  return {
    name: c.spec.name,
    role: c.spec.role,
    ...(pid !== undefined && { pid }),
    ports: c.spec.ports,
    log: c.log,
    restarts: c.restarts(),
  };
}

function describePorts(c: Component): string {
  if (c.spec.role === 'control-plane') {
    const m = c.readyMatch();
    return m ? `  grpc ${m[1]}:${m[2]}, http ${m[3]}:${m[4]}, ${m[5]}` : '';
  }
  const ports = Object.entries(c.spec.ports).filter(([k]) => k !== 'admin' && k !== 'stats');
  return ports.length ? `  ${ports.map(([k, v]) => `${k} ${v}`).join(', ')}` : '';
}

async function proxyPorts(): Promise<ProxyPorts> {
  return {
    outbound: await freePort(),
    admin: await freePort(),
    health: await freePort(),
    inbound: await freePort(),
    stats: await freePort(),
  };
}

function meshConfigProblem(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return `--mesh-config ${file}: cannot read it: ${(err as Error).message}`;
  }
  const parsed = parseMeshConfig(text, file);
  return parsed.ok ? undefined : `invalid mesh config:\n  ${parsed.errors.join('\n  ')}`;
}

/** The MeshConfig file the proxies read: the user's, or the local mesh's written afresh. */
function meshConfigFile(options: UpOptions, dataDir: string): string {
  if (options.meshConfig !== undefined) return resolve(options.meshConfig);
  const file = join(dirname(dataDir), 'mesh-config.yaml');
  writeFileSync(file, LOCAL_MESH_CONFIG);
  return file;
}

/**
 * The bearer token meshctl and the control plane share, made once per MESH_HOME: the embedded
 * store would make it, but a control plane on etcd needs one given.
 */
async function localToken(home: string): Promise<string> {
  const file = join(home, 'token');
  if (!existsSync(file)) {
    mkdirSync(home, { recursive: true });
    writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return file;
}

async function portOr(port: number): Promise<number> {
  return port === 0 ? freePort() : port;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ status: 0, body: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
  });
}

/** Green and red marks on a terminal, plain ones in a pipe or a log file. */
function marks(colour: boolean): { ok: string; bad: string } {
  return colour
    ? { ok: '\u001b[32m✓\u001b[0m', bad: '\u001b[31m✗\u001b[0m' }
    : { ok: '✓', bad: '✗' };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}
