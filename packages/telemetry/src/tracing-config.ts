// The standard OTEL_* variables tracing reads, without loading the SDK: an app asks
// tracingConfigured() first and imports `@mesh/telemetry/tracing` (the SDK, ~100 ms) only when
// spans have somewhere to go.

export type Env = Readonly<Record<string, string | undefined>>;

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** The spec's default protocol for OTLP exporters. */
export const DEFAULT_OTLP_PROTOCOL: OtlpProtocol = 'http/protobuf';

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/**
 * True when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_TRACES_EXPORTER` does not say `none`.
 */
export function tracingConfigured(env: Env): boolean {
  return otlpConfigured(env, 'TRACES');
}

/**
 * True when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`) and `OTEL_METRICS_EXPORTER` does not say `none`.
 */
export function metricsExportConfigured(env: Env): boolean {
  return otlpConfigured(env, 'METRICS');
}

/** An endpoint for the signal (its own or the generic one), and its exporter not `none`. */
function otlpConfigured(env: Env, signal: 'TRACES' | 'METRICS'): boolean {
  const exporters = value(env, `OTEL_${signal}_EXPORTER`)?.toLowerCase().split(',');
  if (exporters?.some((e) => e.trim() === 'none')) return false;
  return (
    value(env, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`) !== undefined ||
    value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined
  );
}

/**
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else http/protobuf.
 * `unsupported` names a value we cannot honour (`grpc`: no gRPC exporter is bundled).
 */
export function otlpProtocol(env: Env): { protocol: OtlpProtocol; unsupported?: string } {
  const raw =
    value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (raw === undefined || raw === 'http/protobuf') return { protocol: 'http/protobuf' };
  if (raw === 'http/json') return { protocol: 'http/json' };
  return { protocol: DEFAULT_OTLP_PROTOCOL, unsupported: raw };
}

export interface OtlpHttpSettings {
  url?: string;
  headers?: Record<string, string>;
  timeoutMillis?: number;
  compression?: 'gzip' | 'none';
}

/**
 * The exporter settings an explicit env record gives, by the OTLP exporter spec's rules (the
 * exporter applies the same ones to process.env itself): the traces endpoint is used as is, the
 * generic one gets `/v1/traces` appended; headers are `k=v` pairs, percent-decoded, the
 * traces-specific ones winning; timeouts in milliseconds. An invalid traces-specific value falls back
 * to the generic one, as in the exporter.
 */
export function otlpSettingsFromEnv(env: Env): OtlpHttpSettings {
  const settings: OtlpHttpSettings = {};
  const specific = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const generic = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (specific) settings.url = specific;
  else if (generic) settings.url = `${generic.endsWith('/') ? generic : `${generic}/`}v1/traces`;

  const headers = {
    ...parseHeaders(value(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
    ...parseHeaders(value(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS')),
  };
  if (Object.keys(headers).length > 0) settings.headers = headers;

  const timeout =
    positive(value(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT')) ??
    positive(value(env, 'OTEL_EXPORTER_OTLP_TIMEOUT'));
  if (timeout !== undefined) settings.timeoutMillis = timeout;

  const compression =
    compressionOf(value(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION')) ??
    compressionOf(value(env, 'OTEL_EXPORTER_OTLP_COMPRESSION'));
  if (compression) settings.compression = compression;
  return settings;
}

function compressionOf(raw: string | undefined): 'gzip' | 'none' | undefined {
  return raw === 'gzip' || raw === 'none' ? raw : undefined;
}

function positive(raw: string | undefined): number | undefined {
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

function parseHeaders(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw?.split(',') ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = decode(pair.slice(0, eq).trim());
    const val = decode(pair.slice(eq + 1).trim());
    if (key) out[key] = val;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
