// `mesh-proxy` as a process: flags and mesh config -> a running sidecar, signals -> drain. The app
// only calls this, handing in the telemetry it wired (the OpenTelemetry SDK lives in the app, so
// this package stays free of it).
import { openSync, readFileSync, writeSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { parseMeshConfig, type MeshSettings } from '@mesh/rules';
import type { ProxyNode } from '@mesh/proto';
import type { ProxyHealthSource } from '@mesh/telemetry/events';
import { parseProxyFlags } from './flags.js';
import { startProxy } from './proxy.js';
import { createLineBuffer } from './telemetry/line-buffer.js';

/** What the process wires for telemetry; each part may be absent. */
export interface ProcessTelemetry {
  /** Istio's standard metrics over this proxy's health, served at /stats/prometheus. */
  metrics?(health: ProxyHealthSource): { handler: RequestListener; shutdown(): Promise<void> };
  /** Span export to wherever OTEL_EXPORTER_OTLP_* says; undefined when nothing is configured. */
  tracing?(node: ProxyNode): Promise<{ shutdown(): Promise<void> } | undefined>;
}

export async function runProxyProcess(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  telemetry: ProcessTelemetry = {},
): Promise<void> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let flags;
  let mesh: MeshSettings | undefined;
  try {
    flags = parseProxyFlags(argv, env);
    mesh = flags.meshConfig === undefined ? undefined : loadMeshConfig(flags.meshConfig, log);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message: string };
    if (e.code?.startsWith('commander.')) process.exit(e.exitCode === 0 ? 0 : 2);
    process.stderr.write(`mesh-proxy: ${e.message}\n`);
    process.exit(2);
  }
  const closers: (() => Promise<void>)[] = [];
  try {
    const sink = accessLogSink(mesh, env);
    const lines = sink && createLineBuffer(sink);
    // Lines are written into the batch buffer as bytes where they can be (access-log-bytes.ts).
    const accessLog =
      lines && Object.assign((line: string) => lines.push(line), { append: lines.append });
    // The last lines go out before the process does.
    if (lines) process.once('exit', () => lines.flush());
    const spans = await telemetry.tracing?.(flags.node);
    if (spans) closers.push(() => spans.shutdown());
    const proxy = await startProxy({
      ...flags,
      log,
      ...(accessLog && { accessLog }),
      // Istio's default: tracing on, 1% of new traces sampled; the mesh config may say otherwise.
      ...((mesh?.enableTracing ?? true) && {
        tracing: { samplingPercent: mesh?.samplingPercent ?? 1 },
      }),
      ...(telemetry.metrics && {
        metrics: (health: ProxyHealthSource) => {
          const m = telemetry.metrics!(health);
          closers.push(() => m.shutdown());
          return m.handler;
        },
      }),
    });
    log(
      `mesh-proxy ${flags.node.id} started${flags.node.locality ? ` in ${flags.node.locality}` : ''}: outbound 127.0.0.1:${proxy.outboundPort} admin 127.0.0.1:${proxy.adminPort} health :${proxy.healthPort}${proxy.statsPort !== undefined ? ` metrics :${proxy.statsPort}` : ''}, control plane ${flags.controlPlane}`,
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: draining`);
      void proxy
        .drain()
        // Spans of the last requests are flushed before the process goes.
        .then(() => Promise.allSettled(closers.map((close) => close())))
        .then(() => {
          // The last access-log batch, and whatever stdout still holds, before the process goes.
          lines?.flush();
          return new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
        })
        .then(() => process.exit(0));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    process.stderr.write(`mesh-proxy: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

function loadMeshConfig(path: string, log: (line: string) => void): MeshSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--mesh-config ${path}: cannot read it: ${(err as Error).message}`);
  }
  const parsed = parseMeshConfig(text, path);
  if (!parsed.ok) throw new Error(`invalid mesh config:\n  ${parsed.errors.join('\n  ')}`);
  for (const warning of parsed.warnings) log(warning);
  return parsed.settings;
}

/**
 * Where access-log lines go. Without a mesh config: stdout, unless MESH_ACCESS_LOG=off (a
 * debugging-first default; Istio's is off). With one: its accessLogFile, '' meaning none.
 */
function accessLogSink(
  mesh: MeshSettings | undefined,
  env: NodeJS.ProcessEnv,
): ((chunk: Buffer) => void) | undefined {
  const file = mesh ? mesh.accessLogFile : env['MESH_ACCESS_LOG'] === 'off' ? '' : '/dev/stdout';
  if (file === '') return undefined;
  // A stream may hold on to what it is given: it gets a copy of the reused batch buffer.
  if (file === '/dev/stdout') return (chunk) => process.stdout.write(Buffer.from(chunk));
  if (file === '/dev/stderr') return (chunk) => process.stderr.write(Buffer.from(chunk));
  // Batches are few (line-buffer.ts), so a synchronous write costs little and the last batch
  // is on disk when the process exits.
  const fd = openSync(file, 'a');
  let failed = false;
  return (chunk) => {
    try {
      writeSync(fd, chunk);
    } catch (err) {
      // A full disk loses log lines, never the proxy; said once.
      if (!failed)
        process.stderr.write(`mesh-proxy: access log ${file}: ${(err as Error).message}\n`);
      failed = true;
    }
  };
}
