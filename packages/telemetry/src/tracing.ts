// createMeshTracing: the proxy process's span exporter. The proxy library decides sampling and
// propagates ids itself (trace-context.ts) and publishes each sampled request's HTTP event, span
// included, on SPAN_CHANNEL; this subscribes to those events and ships them as OTLP over HTTP,
// batched, to whatever the standard OTEL_EXPORTER_OTLP_* variables name. With http/protobuf (the
// default) spans are encoded 32 at a time and queued as bytes (otlp-span-encoding.ts,
// otlp-span-queue.ts), then sent by the SDK's OTLP/HTTP transport; with http/json, or an exporter
// given in the options, spans go through the SDK's BatchSpanProcessor. Load it only when
// tracingConfigured() says there is a collector: it pulls in the SDK.
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { createOtlpNetworkExportDelegate } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
  createOtlpHttpExporterMetrics,
} from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, type ISerializer } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { meshChannels, SPAN_CHANNEL, type HttpRequestEvent } from './events.js';
import { resourceField, scopeField } from './otlp-span-encoding.js';
import { createPostTransport, type HttpPost } from './otlp-post-transport.js';
import { createSpanQueue, spanQueueSettings, type SendBatch } from './otlp-span-queue.js';
import { otlpProtocol, otlpSettingsFromEnv, type Env } from './tracing-config.js';
import {
  canonicalService,
  nodeAttributes,
  spanProblem,
  toReadableSpan,
  type NodeTags,
  type TracingNode,
} from './tracing-span.js';

export { tracingConfigured } from './tracing-config.js';
export type { HttpPost, PostRequest, PostResponse } from './otlp-post-transport.js';
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
  /**
   * Sends http/protobuf exports to a plain-HTTP, uncompressed endpoint in place of the exporter's
   * node:http client (otlp-post-transport.ts says why); HTTPS or gzip still go through it.
   */
  readonly post?: HttpPost;
  /** Told about dropped events, failed exports and settings that cannot be honoured. */
  readonly onError?: (err: Error) => void;
}

export interface MeshTracing {
  /** Exports every span received so far. Never rejects: failures go to onError. */
  flush(): Promise<void>;
  /** Unsubscribes, exports what is pending and stops the exporter. Idempotent, never rejects. */
  shutdown(): Promise<void>;
}

type ExporterConfig = NonNullable<ConstructorParameters<typeof OtlpHttpJsonExporter>[0]>;

// ExportResultCode.SUCCESS in @opentelemetry/core.
const EXPORT_SUCCESS = 0;

/** Where checked spans go: our encoder and queue, or the SDK's processor. */
interface SpanSink {
  add(event: HttpRequestEvent): void;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface Common {
  readonly resource: Resource;
  readonly scope: { readonly name: string };
  readonly nodeAttributes: NodeTags;
}

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
  const { node } = options;
  const common: Common = {
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
  const env = options.env ?? process.env;
  let sink: SpanSink;
  if (options.exporter) {
    sink = sdkSink(options.exporter, env, common, onError);
  } else {
    const { protocol, unsupported } = otlpProtocol(env);
    if (unsupported) {
      onError(new Error(`OTLP protocol ${unsupported} is not supported; using ${protocol}`));
    }
    // The exporter types compression as its own string enum, whose values are these strings.
    const settings = (options.env ? otlpSettingsFromEnv(options.env) : {}) as ExporterConfig;
    sink =
      protocol === 'http/json'
        ? sdkSink(new OtlpHttpJsonExporter(settings), env, common, onError)
        : encodedSink(settings, env, common, onError, options.post);
  }

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
      sink.add(event);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  meshChannels.span.subscribe(onHttp);

  let closed: Promise<void> | undefined;
  const settle = (p: Promise<void>) =>
    p.catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  return {
    flush: () => settle(sink.flush()),
    shutdown() {
      closed ??= (() => {
        meshChannels.span.unsubscribe(onHttp);
        return settle(sink.shutdown());
      })();
      return closed;
    },
  };
}

/** http/protobuf: spans encoded by us in batches, sent by the SDK's OTLP/HTTP transport. */
function encodedSink(
  config: ExporterConfig,
  env: Env,
  common: Common,
  onError: (err: Error) => void,
  post: HttpPost | undefined,
): SpanSink {
  const http = convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', {
    'Content-Type': 'application/x-protobuf',
  });
  const counted = { name: 'span' as const, countItems: (batch: EncodedBatch) => batch.count };
  const url = new URL(http.url);
  const delegate =
    post && url.protocol === 'http:' && http.compression === 'none'
      ? createOtlpNetworkExportDelegate(
          http,
          ENCODED_SERIALIZER,
          createOtlpHttpExporterMetrics('otlp_http_span_exporter', counted, http.url, undefined),
          createPostTransport(post, {
            url,
            headers: http.headers,
            userAgent: http.userAgent ? `${http.userAgent} mesh-proxy` : 'mesh-proxy',
          }),
        )
      : createOtlpHttpExportDelegate(
          http,
          ENCODED_SERIALIZER,
          'otlp_http_span_exporter',
          counted,
          undefined,
        );
  const resource = resourceField(common.resource.attributes);
  const scope = scopeField(common.scope);
  const settings = spanQueueSettings(env);
  const send: SendBatch = (request, count, done) => {
    delegate.export({ bytes: request, count }, (result) => {
      const dropped = queue.takeDropped();
      if (dropped > 0) {
        onError(
          new Error(
            `dropped ${dropped} spans: ${settings.maxQueueSize} (OTEL_BSP_MAX_QUEUE_SIZE) were waiting to be exported`,
          ),
        );
      }
      if (result.code === EXPORT_SUCCESS) return done();
      const error = exportFailure(count, result.error);
      onError(error);
      done(error);
    });
  };
  const queue = createSpanQueue(
    { node: common.nodeAttributes, resource, scope },
    settings,
    send,
    onError,
  );
  return {
    add: (event) => queue.add(event, event.span!),
    flush: () => queue.flush(),
    shutdown: () => queue.flush().then(() => delegate.shutdown()),
  };
}

interface EncodedBatch {
  /** A whole ExportTraceServiceRequest. */
  readonly bytes: Uint8Array;
  readonly count: number;
}

const ENCODED_SERIALIZER: ISerializer<EncodedBatch, unknown> = {
  serializeRequest: (batch) => batch.bytes,
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

/** http/json, or an exporter from the options: the SDK's processor and the exporter's serializer. */
function sdkSink(
  exporter: SpanExporter,
  env: Env,
  common: Common,
  onError: (err: Error) => void,
): SpanSink {
  const processor = new BatchSpanProcessor(
    reportingFailures(exporter, onError),
    batchSettings(env),
  );
  return {
    add: (event) => processor.onEnd(toReadableSpan(event, event.span!, common)),
    flush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}

function exportFailure(count: number, cause: Error | undefined): Error {
  const status = (cause as { code?: unknown } | undefined)?.code;
  return new Error(
    `exporting ${count} spans failed: ${cause?.message ?? 'unknown error'}` +
      (typeof status === 'number' ? ` (HTTP ${status})` : ''),
    { cause },
  );
}

/**
 * Spans per export through the SDK's processor (http/json) when OTEL_BSP_MAX_EXPORT_BATCH_SIZE
 * does not say. Serializing a batch runs on the sidecar's event loop, ~13 µs a span: the SDK's
 * 512 held every request for ~7 ms (p99 at 1,000 req/s went from ~1 to 15-20 ms when a full batch
 * went out). At 64 the pause stays under 1 ms. Encoded spans (http/protobuf) are serialized 32 at
 * a time before export, so their batches keep the SDK's 512.
 */
export const DEFAULT_EXPORT_BATCH_SIZE = 64;

/** The batch size unless the environment sets it; the SDK reads the other OTEL_BSP_* itself. */
function batchSettings(env: Env): { maxExportBatchSize?: number } {
  const configured = Number(env['OTEL_BSP_MAX_EXPORT_BATCH_SIZE']);
  if (Number.isInteger(configured) && configured > 0) return { maxExportBatchSize: configured };
  return { maxExportBatchSize: DEFAULT_EXPORT_BATCH_SIZE };
}

/** Passes failed exports to onError too; the SDK would only log them through its diag logger. */
function reportingFailures(exporter: SpanExporter, onError: (err: Error) => void): SpanExporter {
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code === EXPORT_SUCCESS) return done(result);
        const error = exportFailure(spans.length, result.error);
        onError(error);
        done({ ...result, error });
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
