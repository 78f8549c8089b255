// The mesh side of the proxy benchmark: the real control plane (local mode, fresh MESH_HOME) and
// real `mesh-proxy` sidecars, each a pinned child process started from the built binaries. The
// server sidecar registers the upstream as a mesh service (its --labels app=... and
// --service-port), so a client sidecar routes `http://<service>:<port>/` to it with the default
// route of a known service; no VirtualService is applied. Telemetry is what the caller asks for:
// metrics (MESH_METRICS), a MeshConfig file (access log, tracing), OTEL_* in `env` (span export).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findUp } from './control-plane-process.js';
import { sleep, spawnPinned, type Pinned } from './proxy-process.js';
import type { SinkCounters } from './telemetry-sink.js';
import { shebangNodeFlags } from '../support/shebang.js';

const CONTROL_PLANE_READY = /serving grpc (\S+):(\d+) http (\S+):(\d+)/;
// `... health :N metrics :N, control plane ...`; no `metrics :N` with MESH_METRICS=off.
const PROXY_STARTED =
  /mesh-proxy (\S+) started: outbound 127\.0\.0\.1:(\d+) admin 127\.0\.0\.1:(\d+) health :(\d+)(?: metrics :(\d+))?/;
const START_TIMEOUT_MS = 20_000;
// Each start gets a log of its own, so a start line is never an earlier instance's.
let started = 0;

/** process.env without MESH_* and OTEL_*: each process sees exactly what the bench sets. */
export function benchEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'NODE_OPTIONS') continue;
    if (!k.startsWith('MESH_') && !k.startsWith('OTEL_')) env[k] = v;
  }
  return { ...env, ...extra };
}

async function waitForLine(
  proc: Pinned,
  pattern: RegExp,
  what: string,
  timeoutMs = START_TIMEOUT_MS,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(proc.logFile) ? readFileSync(proc.logFile, 'utf8') : '';
    const m = pattern.exec(text);
    if (m) return m;
    if (!proc.alive()) throw new Error(`${what} exited before starting:\n${proc.logTail()}`);
    if (Date.now() > deadline) {
      await proc.stop(1_000);
      throw new Error(`${what} did not start within ${timeoutMs} ms:\n${proc.logTail()}`);
    }
    await sleep(50);
  }
}

export interface ControlPlane {
  readonly proc: Pinned;
  readonly grpc: string;
}

export async function startMeshControlPlane(
  work: string,
  home: string,
  cpu: number,
): Promise<ControlPlane> {
  const bin = findUp('apps/control-plane/bin/mesh-control-plane.js');
  const proc = spawnPinned(
    'control-plane',
    process.execPath,
    [bin, '--grpc-port', '0', '--http-port', '0'],
    { cpu, logFile: join(work, 'control-plane.log'), env: benchEnv({ MESH_HOME: home }) },
  );
  const m = await waitForLine(proc, CONTROL_PLANE_READY, 'mesh-control-plane');
  return { proc, grpc: `${m[1]}:${m[2]}` };
}

export interface SidecarOptions {
  /** Log file name and process name. */
  name: string;
  work: string;
  cpu: number;
  controlPlane: string;
  workload: string;
  labels: string;
  /** `name:port:appPort:inboundPort`; none for a client-only sidecar. */
  servicePort?: string;
  /** Node flags before the script, e.g. --cpu-prof. */
  nodeFlags?: readonly string[];
  /** Extra environment (e.g. for a preloaded probe, or OTEL_EXPORTER_OTLP_*). */
  env?: Record<string, string>;
  /** MeshConfig file (--mesh-config): access log and tracing. With one, MESH_ACCESS_LOG is moot. */
  meshConfig?: string;
  /** Without a mesh config: the access log on stdout (the sidecar's log file), else none. */
  accessLog: boolean;
  /** Istio metrics subscribed (/stats/prometheus); false sets MESH_METRICS=off. */
  metrics: boolean;
}

export interface Sidecar {
  readonly proc: Pinned;
  readonly outboundPort: number;
  readonly adminPort: number;
  readonly healthPort: number;
  /** The stats port (/stats/prometheus); undefined when metrics are off. */
  readonly statsPort: number | undefined;
}

/** Starts a sidecar and waits until /healthz/ready says 200 (first complete config is in). */
export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const bin = findUp('apps/proxy/bin/mesh-proxy.js');
  // The bin's own flags first (as when it is executed), then the bench's, which may override them.
  const args = [
    ...shebangNodeFlags(bin),
    ...(options.nodeFlags ?? []),
    bin,
    '--control-plane',
    options.controlPlane,
    '--workload',
    options.workload,
    '--labels',
    options.labels,
    ...(options.servicePort ? ['--service-port', options.servicePort] : []),
    '--outbound-port',
    '0',
    '--admin-port',
    '0',
    '--health-port',
    '0',
    // Any free port: two sidecars on one machine cannot both have Envoy's 15090.
    '--stats-port',
    '0',
    ...(options.meshConfig ? ['--mesh-config', options.meshConfig] : []),
    // A stop between measurements need not wait: no request is in flight then.
    '--drain-seconds',
    '1',
  ];
  const proc = spawnPinned(options.name, process.execPath, args, {
    cpu: options.cpu,
    logFile: join(options.work, `${options.name}-${++started}.log`),
    env: benchEnv({
      ...(options.accessLog ? {} : { MESH_ACCESS_LOG: 'off' }),
      ...(options.metrics ? {} : { MESH_METRICS: 'off' }),
      ...options.env,
    }),
  });
  const m = await waitForLine(proc, PROXY_STARTED, options.name);
  const sidecar: Sidecar = {
    proc,
    outboundPort: Number(m[2]),
    adminPort: Number(m[3]),
    healthPort: Number(m[4]),
    statsPort: m[5] === undefined ? undefined : Number(m[5]),
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'nothing yet';
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${sidecar.healthPort}/healthz/ready`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (res.status === 200) return sidecar;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (!proc.alive()) throw new Error(`${options.name} exited:\n${proc.logTail()}`);
    if (Date.now() > deadline) {
      await proc.stop(1_000);
      throw new Error(`${options.name} not ready (last: ${last}):\n${proc.logTail()}`);
    }
    await sleep(100);
  }
}

/**
 * A fingerprint of the built code a sidecar runs (file count and newest mtime of the dist trees
 * of the proxy app and the packages it loads), so a run on a shared work tree can tell that
 * someone rebuilt it halfway.
 */
export function proxyBuildStamp(): string {
  // <root>/apps/proxy/bin/mesh-proxy.js -> <root>
  const root = dirname(dirname(dirname(dirname(findUp('apps/proxy/bin/mesh-proxy.js')))));
  let files = 0;
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        files++;
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  for (const dist of [
    'apps/proxy/dist',
    'packages/proxy/dist',
    'packages/rules/dist',
    'packages/proto/dist',
  ]) {
    const dir = join(root, dist);
    if (existsSync(dir)) walk(dir);
  }
  return `${files} files, newest ${new Date(newest).toISOString()}`;
}

/** The collector side of a telemetry-on path (telemetry-sink.ts), one process per measurement. */
export interface TelemetrySink {
  readonly proc: Pinned;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT for the sidecars. */
  readonly tracesEndpoint: string;
  /** Replaces the set of URLs scraped every 5 s. */
  setTargets(urls: readonly string[]): Promise<void>;
  counters(): Promise<SinkCounters>;
}

const SINK_LISTENING = /telemetry-sink listening 127\.0\.0\.1:(\d+)/;

/** Starts the sink pinned to `cpu`; it exits by itself after `maxSeconds`. */
export async function startTelemetrySink(
  work: string,
  cpu: number,
  maxSeconds: number,
): Promise<TelemetrySink> {
  const script = fileURLToPath(new URL('./telemetry-sink.js', import.meta.url));
  const proc = spawnPinned(
    'telemetry-sink',
    process.execPath,
    [script, '--max-seconds', String(Math.ceil(maxSeconds)), '--scrape-seconds', '5'],
    { cpu, logFile: join(work, `telemetry-sink-${++started}.log`), env: benchEnv({}) },
  );
  const m = await waitForLine(proc, SINK_LISTENING, 'telemetry-sink');
  const base = `http://127.0.0.1:${m[1]}`;
  return {
    proc,
    tracesEndpoint: `${base}/v1/traces`,
    async setTargets(urls) {
      const res = await fetch(`${base}/targets`, {
        method: 'PUT',
        body: JSON.stringify(urls),
        signal: AbortSignal.timeout(2_000),
      });
      if (res.status !== 204) throw new Error(`telemetry-sink /targets: ${res.status}`);
    },
    async counters() {
      const res = await fetch(`${base}/counters`, { signal: AbortSignal.timeout(2_000) });
      return (await res.json()) as SinkCounters;
    },
  };
}
