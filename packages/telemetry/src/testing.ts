// Test helpers other packages' tests (e2e) import as `@mesh/telemetry/testing`.
export {
  startOtlpReceiver,
  type OtlpAttributes,
  type OtlpReceiver,
  type OtlpSpanKind,
  type OtlpStatusCode,
  type OtlpValue,
  type ReceivedMetricPoint,
  type ReceivedRequest,
  type ReceivedSpan,
} from './test-support/otlp-receiver.js';
