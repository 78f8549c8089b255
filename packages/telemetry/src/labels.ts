// Events -> Istio label values. Pure, and cheap: it runs once per request in the sidecar, so it
// fills a caller's array (in HTTP_LABELS / TCP_LABELS order) instead of building an object.
// Missing peer details become 'unknown' (Istio's rule); an event that breaks the contract (a wrong
// reporter, a negative duration) is refused with a reason from a fixed set, so the caller can
// count it without crashing the sidecar or growing a label.
import { UNKNOWN } from './events.js';

export type DropReason =
  | 'not_an_object'
  | 'bad_reporter'
  | 'bad_protocol'
  | 'bad_kind'
  | 'bad_response_code'
  | 'bad_number';

type Loose = Record<string, unknown>;
const NONE: Loose = {};

function isObject(v: unknown): v is Loose {
  return typeof v === 'object' && v !== null;
}

function known(v: unknown): string {
  return typeof v === 'string' && v !== '' ? v : UNKNOWN;
}

/** A finite, non-negative number: durations and byte counts. */
export function isAmount(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v !== Infinity;
}

function flags(v: unknown): string {
  return typeof v === 'string' && v !== '' ? v : '-';
}

function policy(v: unknown): string {
  return v === 'none' || v === 'mutual_tls' ? v : UNKNOWN;
}

/** Fills out[0..11] with PEER_LABELS' values. */
function peerValues(e: Loose, out: string[]): void {
  const s = isObject(e.source) ? e.source : NONE;
  const d = isObject(e.destination) ? e.destination : NONE;
  out[0] = e.reporter as string;
  out[1] = known(s.workload);
  out[2] = known(s.namespace);
  out[3] = known(s.app);
  out[4] = known(s.version);
  out[5] = known(d.workload);
  out[6] = known(d.namespace);
  out[7] = known(d.app);
  out[8] = known(d.version);
  out[9] = known(d.service);
  out[10] = known(d.serviceName);
  out[11] = known(d.serviceNamespace);
}

/** Checks an HTTP event and fills `out` with its HTTP_LABELS values; a reason if refused. */
export function httpValues(e: unknown, out: string[]): DropReason | undefined {
  if (!isObject(e)) return 'not_an_object';
  if (e.reporter !== 'source' && e.reporter !== 'destination') return 'bad_reporter';
  const protocol = e.requestProtocol;
  if (protocol !== 'http' && protocol !== 'grpc') return 'bad_protocol';
  const code = e.responseCode;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 999) {
    return 'bad_response_code';
  }
  if (!isAmount(e.durationMs) || !isAmount(e.requestBytes) || !isAmount(e.responseBytes)) {
    return 'bad_number';
  }
  peerValues(e, out);
  const grpc = e.grpcResponseStatus;
  out[12] = protocol;
  out[13] = String(code);
  // Istio leaves it empty for plain HTTP and for gRPC calls that ended without a status.
  out[14] =
    protocol === 'grpc' && (typeof grpc === 'string' || typeof grpc === 'number')
      ? String(grpc)
      : '';
  out[15] = flags(e.responseFlags);
  out[16] = policy(e.connectionSecurityPolicy);
  return undefined;
}

/** Checks a TCP event and fills `out` with its TCP_LABELS values; a reason if refused. */
export function tcpValues(e: unknown, out: string[]): DropReason | undefined {
  if (!isObject(e)) return 'not_an_object';
  if (e.kind !== 'opened' && e.kind !== 'bytes' && e.kind !== 'closed') return 'bad_kind';
  if (e.reporter !== 'source' && e.reporter !== 'destination') return 'bad_reporter';
  if (!isAmount(e.sentBytes) || !isAmount(e.receivedBytes)) return 'bad_number';
  peerValues(e, out);
  out[12] = 'tcp';
  out[13] = flags(e.responseFlags);
  out[14] = policy(e.connectionSecurityPolicy);
  return undefined;
}
