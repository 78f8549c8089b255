// Events -> Istio label values. Pure, and cheap: it runs once per request in the sidecar, so it
// fills a caller's array (in HTTP_LABELS / TCP_LABELS order) instead of building an object.
// Missing peer details become 'unknown' (Istio's rule); an event that breaks the contract (a wrong
// reporter, a negative duration) is refused with a reason from a fixed set, so the caller can
// count it without crashing the sidecar or growing a label.
import { UNKNOWN, type HttpRequestEvent } from './events.js';

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

/** Why an HTTP event breaks the contract, or undefined when it is fine. */
export function httpRefusal(e: unknown): DropReason | undefined {
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
  return undefined;
}

/** Checks an HTTP event and fills `out` with its HTTP_LABELS values; a reason if refused. */
export function httpValues(e: unknown, out: string[]): DropReason | undefined {
  const refused = httpRefusal(e);
  if (refused) return refused;
  checkedHttpValues(e as HttpRequestEvent, out);
  return undefined;
}

/** httpValues for an event httpRefusal already passed. */
export function checkedHttpValues(e: HttpRequestEvent, out: string[]): void {
  const event = e as unknown as Loose;
  peerValues(event, out);
  const protocol = event.requestProtocol as string;
  out[12] = protocol;
  out[13] = String(event.responseCode);
  out[14] = grpcLabel(event);
  out[15] = flags(event.responseFlags);
  out[16] = policy(event.connectionSecurityPolicy);
}

// Istio leaves grpc_response_status empty for plain HTTP and for gRPC calls that ended without
// a status.
function grpcLabel(e: Loose): string {
  const grpc = e.grpcResponseStatus;
  return e.requestProtocol === 'grpc' && (typeof grpc === 'string' || typeof grpc === 'number')
    ? String(grpc)
    : '';
}

// What tells apart the series of one (source, destination) pair are the HTTP labels that are
// not peer labels: reporter, protocol, response code, gRPC status, flags and security policy.
// requestCode and requestRest give them as a number and a string, so a request finds its series
// without building a key string: two checked events get equal pairs exactly when those six
// labels are equal (NUL separates flags from the gRPC status, as in the full key).

/** Reporter, protocol, response code and security policy of a checked event, as one number. */
export function requestCode(e: HttpRequestEvent): number {
  const p = e.connectionSecurityPolicy;
  return (
    e.responseCode * 12 +
    (e.reporter === 'source' ? 0 : 6) +
    (e.requestProtocol === 'http' ? 0 : 3) +
    (p === 'none' ? 0 : p === 'mutual_tls' ? 1 : 2)
  );
}

/** Response flags and gRPC status labels of a checked event. */
export function requestRest(e: HttpRequestEvent): string {
  const grpc = grpcLabel(e as unknown as Loose);
  const flagsLabel = flags(e.responseFlags);
  return grpc === '' ? flagsLabel : `${flagsLabel}\u0000${grpc}`;
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
