// Process entry: argv and env in; everything else is in @mesh/proxy. V8 flags come first. The
// OpenTelemetry SDK is wired here, so the proxy library stays free of it: metrics always (they
// are scraped), span export only when OTEL_EXPORTER_OTLP_* says where to send spans, so a proxy
// with nowhere to send them never loads the trace SDK.
import './v8-flags.js';
import { createHttpPost, runProxyProcess, selfPeer } from '@mesh/proxy';
// nx's rule assumes a bundler splitting whole projects; here the lazy imports below are separate
// subpath entries (the trace SDK, the OTLP exporters) and these two are small and always needed.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createMeshMetrics } from '@mesh/telemetry/mesh-metrics';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { metricsExportConfigured } from '@mesh/telemetry/tracing-config';

const env = process.env;
const warn = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

await runProxyProcess(process.argv.slice(2), env, {
  // MESH_METRICS=off: nobody subscribes, so requests publish nothing (benchmarks measure the cost).
  ...(env['MESH_METRICS'] !== 'off' && {
    metrics(health) {
      const metrics = createMeshMetrics({ health, onError: (err) => warn(err.message) });
      if (!metricsExportConfigured(env)) return metrics;
      // Pushed over OTLP too; the exporters load only when an endpoint is set.
      const push = import('@mesh/telemetry/otlp-metrics').then(({ startOtlpMetricExport }) =>
        startOtlpMetricExport({
          producers: metrics.producers,
          onError: (err) => warn(`metrics: ${err.message}`),
        }),
      );
      return {
        handler: metrics.handler,
        async shutdown() {
          await (await push).shutdown();
          await metrics.shutdown();
        },
      };
    },
  }),
  async tracing(node) {
    if (!env['OTEL_EXPORTER_OTLP_ENDPOINT'] && !env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])
      return undefined;
    const { createMeshTracing, tracingConfigured } = await import('@mesh/telemetry/tracing');
    if (!tracingConfigured(env)) return undefined;
    // Exports go over the proxy's own HTTP/1.1 pool, not node:http (http-post.ts says why).
    const post = createHttpPost();
    const tracing = createMeshTracing({
      node: { id: node.id, ...selfPeer(node) },
      env,
      post,
      onError: (err) => warn(`tracing: ${err.message}`),
    });
    return { shutdown: () => tracing.shutdown().then(() => post.close()) };
  },
});
