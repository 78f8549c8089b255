import {
  otlpProtocol,
  otlpSettingsFromEnv,
  tracingConfigured,
  type Env,
  type OtlpHttpSettings,
} from './tracing-config.js';

describe('tracingConfigured', () => {
  it.each<[string, Env, boolean]>([
    ['nothing set: no collector, no SDK', {}, false],
    ['the generic endpoint is enough', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, true],
    [
      'the traces endpoint is enough',
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' },
      true,
    ],
    ['a blank endpoint counts as unset', { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
    [
      'OTEL_TRACES_EXPORTER=none turns it off',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' },
      false,
    ],
    [
      'none anywhere in the exporter list turns it off',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'otlp, None' },
      false,
    ],
    [
      'OTEL_TRACES_EXPORTER=otlp keeps it on',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'otlp' },
      true,
    ],
    ['metrics-only endpoints do not count', { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'x' }, false],
  ])('%s', (_rule, env, expected) => {
    expect(tracingConfigured(env)).toBe(expected);
  });
});

describe('otlpProtocol', () => {
  it.each<[string, Env, ReturnType<typeof otlpProtocol>]>([
    ['http/protobuf is the default', {}, { protocol: 'http/protobuf' }],
    ['http/json', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, { protocol: 'http/json' }],
    [
      'the traces-specific variable wins',
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      },
      { protocol: 'http/protobuf' },
    ],
    [
      'grpc is unsupported and falls back to the default',
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      { protocol: 'http/protobuf', unsupported: 'grpc' },
    ],
  ])('%s', (_rule, env, expected) => {
    expect(otlpProtocol(env)).toEqual(expected);
  });
});

describe('otlpSettingsFromEnv', () => {
  it.each<[string, Env, OtlpHttpSettings]>([
    ['nothing set gives nothing', {}, {}],
    [
      'the generic endpoint gets /v1/traces appended',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
      { url: 'http://c:4318/v1/traces' },
    ],
    [
      'a trailing slash is not doubled',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/base/' },
      { url: 'http://c:4318/base/v1/traces' },
    ],
    [
      'the traces endpoint is used as is, and wins',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:9999/custom',
      },
      { url: 'http://t:9999/custom' },
    ],
    [
      'headers are percent-decoded pairs, traces-specific ones winning',
      {
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b, x-tenant = one,broken',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=two',
      },
      { headers: { 'api-key': 'a b', 'x-tenant': 'two' } },
    ],
    [
      'the traces timeout wins',
      { OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '500' },
      { timeoutMillis: 500 },
    ],
    [
      'an invalid traces timeout falls back to the generic one',
      { OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: 'soon' },
      { timeoutMillis: 2000 },
    ],
    ['a zero or negative timeout is ignored', { OTEL_EXPORTER_OTLP_TIMEOUT: '0' }, {}],
    [
      'an invalid traces compression falls back to the generic one',
      { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'zstd' },
      { compression: 'gzip' },
    ],
    [
      'compression none',
      { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none' },
      { compression: 'none' },
    ],
  ])('%s', (_rule, env, expected) => {
    expect(otlpSettingsFromEnv(env)).toEqual(expected);
  });
});
