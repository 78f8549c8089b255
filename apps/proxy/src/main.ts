// Process entry: argv and env in; everything else is in @mesh/proxy. V8 flags come first. The
// OpenTelemetry SDK is wired here, so the proxy library stays free of it: metrics always (they
// are scraped), span export only when OTEL_EXPORTER_OTLP_* says where to send spans, so a proxy
// with nowhere to send them never loads the trace SDK.
import './v8-flags.js';
import { runProxyProcess, selfPeer } from '@mesh/proxy';
import { createMeshMetrics } from '@mesh/telemetry/mesh-metrics';

const env = process.env;
const warn = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

await runProxyProcess(process.argv.slice(2), env, {
  // MESH_METRICS=off: nobody subscribes, so requests publish nothing (benchmarks measure the cost).
  ...(env['MESH_METRICS'] !== 'off' && {
    metrics: (health) => createMeshMetrics({ health, onError: (err) => warn(err.message) }),
  }),
  async tracing(node) {
    if (!env['OTEL_EXPORTER_OTLP_ENDPOINT'] && !env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])
      return undefined;
    const { createMeshTracing, tracingConfigured } = await import('@mesh/telemetry/tracing');
    if (!tracingConfigured(env)) return undefined;
    return createMeshTracing({
      node: { id: node.id, ...selfPeer(node) },
      env,
      onError: (err) => warn(`tracing: ${err.message}`),
    });
  },
});
