// createMeshTracing: the proxy process's span exporter. The proxy library decides sampling and
// propagates ids itself (trace-context.ts) and publishes each sampled request's HTTP event, span
// included, on SPAN_CHANNEL; this subscribes to those events and ships them as OTLP over HTTP, batched, to whatever
// the standard OTEL_EXPORTER_OTLP_* variables name. Load it only when tracingConfigured() says
// there is a collector: it pulls in the trace SDK and both OTLP exporters.
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpHttpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { meshChannels, SPAN_CHANNEL, type HttpRequestEvent } from './events.js';
import { otlpProtocol, otlpSettingsFromEnv, type Env } from './tracing-config.js';
import {
  canonicalService,
  nodeAttributes,
  spanProblem,
  toReadableSpan,
  type TracingNode,
} from './tracing-span.js';

export { tracingConfigured } from './tracing-config.js';
export type { TracingNode } from './tracing-span.js';

export interface MeshTracingOptions {
  /** The sidecar the spans come from: the resource and the `istio.*` / `node_id` tags. */
  readonly node: TracingNode;
  /**
   * Where the OTEL_* variables come from. Omitted, the exporter reads process.env itself (all of
   * the OTLP exporter variables, certificates included); given, its endpoint, headers, timeout
   * and compression are passed to the exporter explicitly.
   */
  readonly env?: Env;
  /** Replaces the OTLP exporter (tests, or another protocol). */
  readonly exporter?: SpanExporter;
  /** Told about dropped events, failed exports and settings that cannot be honoured. */
  readonly onError?: (err: Error) => void;
}

export interface MeshTracing {
  /** Exports every span received so far. Never rejects: failures go to onError. */
  flush(): Promise<void>;
  /** Unsubscribes, exports what is pending and stops the exporter. Idempotent, never rejects. */
  shutdown(): Promise<void>;
}

type ExporterConfig = NonNullable<ConstructorParameters<typeof OtlpHttpProtobufExporter>[0]>;

// ExportResultCode.SUCCESS in @opentelemetry/core.
const EXPORT_SUCCESS = 0;

export function createMeshTracing(options: MeshTracingOptions): MeshTracing {
  const report = options.onError ?? (() => {});
  // Failed exports reach onError from the exporter; flush() rejecting with the same error must not
  // report it twice.
  const reported = new WeakSet<Error>();
  const onError = (err: Error) => {
    if (reported.has(err)) return;
    reported.add(err);
    try {
      report(err);
    } catch {
      // It may run inside the publisher's call; a throwing callback must not reach the sidecar.
    }
  };
  const exporter = reportingFailures(
    options.exporter ?? otlpExporter(options.env, onError),
    onError,
  );
  const processor = new BatchSpanProcessor(exporter, batchSettings(options.env ?? process.env));
  const { node } = options;

  const common = {
    // Istio names a sidecar's service `<app>.<namespace>` (APP_LABEL_AND_NAMESPACE).
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.name': `${canonicalService(node)}.${node.namespace}`,
        'service.namespace': node.namespace,
        'service.instance.id': node.id,
        'k8s.namespace.name': node.namespace,
      }),
    ),
    scope: { name: 'mesh-proxy' },
    nodeAttributes: nodeAttributes(node),
  };

  // A subscriber that throws would surface as an uncaught exception in the publishing sidecar.
  const onHttp = (message: unknown): void => {
    try {
      if (typeof message !== 'object' || message === null) return;
      const event = message as HttpRequestEvent;
      if (event.span === undefined) return;
      const problem = spanProblem(event);
      if (problem) {
        onError(new Error(`dropped a span on ${SPAN_CHANNEL}: ${problem}`));
        return;
      }
      processor.onEnd(toReadableSpan(event, event.span, common));
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  meshChannels.span.subscribe(onHttp);

  let closed: Promise<void> | undefined;
  const settle = (p: Promise<void>) =>
    p.catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  return {
    flush: () => settle(processor.forceFlush()),
    shutdown() {
      closed ??= (() => {
        meshChannels.span.unsubscribe(onHttp);
        return settle(processor.shutdown());
      })();
      return closed;
    },
  };
}

/**
 * Spans per export when OTEL_BSP_MAX_EXPORT_BATCH_SIZE does not say. Serializing a batch runs on
 * the sidecar's event loop, ~13 µs a span: the SDK's 512 held every request for ~7 ms (p99 at
 * 1,000 req/s went from ~1 to 15-20 ms when a full batch went out). At 64 the pause stays under
 * 1 ms; a backlog goes out batch after batch, with requests served in between.
 */
export const DEFAULT_EXPORT_BATCH_SIZE = 64;

/** The batch size unless the environment sets it; the SDK reads the other OTEL_BSP_* itself. */
function batchSettings(env: Env): { maxExportBatchSize?: number } {
  const configured = Number(env['OTEL_BSP_MAX_EXPORT_BATCH_SIZE']);
  if (Number.isInteger(configured) && configured > 0) return { maxExportBatchSize: configured };
  return { maxExportBatchSize: DEFAULT_EXPORT_BATCH_SIZE };
}

function otlpExporter(env: Env | undefined, onError: (err: Error) => void): SpanExporter {
  const { protocol, unsupported } = otlpProtocol(env ?? process.env);
  if (unsupported) {
    onError(new Error(`OTLP protocol ${unsupported} is not supported; using ${protocol}`));
  }
  // The exporter types compression as its own string enum, whose values are these strings.
  const settings = (env ? otlpSettingsFromEnv(env) : {}) as ExporterConfig;
  return protocol === 'http/json'
    ? new OtlpHttpJsonExporter(settings)
    : new OtlpHttpProtobufExporter(settings);
}

/** Passes failed exports to onError too; the SDK would only log them through its diag logger. */
function reportingFailures(exporter: SpanExporter, onError: (err: Error) => void): SpanExporter {
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code === EXPORT_SUCCESS) return done(result);
        const cause = result.error;
        const status = (cause as { code?: unknown } | undefined)?.code;
        const error = new Error(
          `exporting ${spans.length} spans failed: ${cause?.message ?? 'unknown error'}` +
            (typeof status === 'number' ? ` (HTTP ${status})` : ''),
          { cause },
        );
        onError(error);
        done({ ...result, error });
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
