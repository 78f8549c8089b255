// What happened to one request, filled in by the layers as it goes and read once by the access
// log: Envoy's StreamInfo. The only mutable object a request carries, so that layers report
// (flags, attempts, upstream host) without threading return values through each other.
import { performance } from 'node:perf_hooks';
import type { SpanIds } from '@mesh/telemetry/trace-context';
import type { PeerInfo } from '../telemetry/peer-header.js';
import type { ResponseFlag } from './types.js';

// The order Envoy prints %RESPONSE_FLAGS% in (its ResponseFlag enum order), so multi-flag values
// read the same as in Envoy's logs.
const FLAG_ORDER: readonly ResponseFlag[] = [
  'UH',
  'UT',
  'UF',
  'UC',
  'UO',
  'NR',
  'DI',
  'FI',
  'DC',
  'URX',
  'DPE',
  'UPE',
  'NC',
];

export interface StreamInfo {
  readonly direction: 'outbound' | 'inbound';
  /** Wall-clock start, epoch ms. */
  readonly startTime: number;
  /** Monotonic start (performance.now()), for the duration. */
  readonly startedAt: number;
  readonly flags: Set<ResponseFlag>;
  method: string;
  authority: string;
  path: string;
  requestId: string;
  /** The client's address (the app, for outbound traffic). */
  downstreamAddress: string | undefined;
  protocol: string;
  /** Generation of the config table the request ran on (outbound only). */
  generation: number | undefined;
  routeName: string | undefined;
  upstreamCluster: string | undefined;
  upstreamHost: string | undefined;
  /** Upstream attempts made (0 when the request never left the proxy). */
  attempts: number;
  status: number;
  /** For local replies: the reason sent in x-mesh-error. */
  details: string | undefined;
  bytesReceived: number;
  bytesSent: number;
  /** `https` when the request came over TLS (a gateway's HTTPS port). */
  scheme: 'http' | 'https';
  /** True when the request's content-type is application/grpc*. */
  grpc: boolean;
  /** The grpc-status sent downstream (headers of a trailers-only reply, or trailers). */
  grpcStatus: string | undefined;
  /** The workload at the other end, as its sidecar said in the peer header. */
  peer: PeerInfo | undefined;
  /** FQDN of the service the request was routed to (outbound) or addressed to (inbound). */
  destinationService: string | undefined;
  destinationPort: number | undefined;
  /** Labels of the endpoint picked last (outbound): metric labels when the peer never answered. */
  upstreamLabels: Readonly<Record<string, string>> | undefined;
  /** This hop's trace span ids, when tracing is on. */
  span: SpanIds | undefined;
  /** Monotonic time the last upstream attempt's response headers arrived. */
  upstreamResponseAt: number | undefined;
}

export function createStreamInfo(direction: 'outbound' | 'inbound'): StreamInfo {
  return {
    direction,
    startTime: Date.now(),
    startedAt: performance.now(),
    flags: new Set(),
    method: '',
    authority: '',
    path: '',
    requestId: '',
    downstreamAddress: undefined,
    protocol: 'HTTP/1.1',
    generation: undefined,
    routeName: undefined,
    upstreamCluster: undefined,
    upstreamHost: undefined,
    attempts: 0,
    status: 0,
    details: undefined,
    bytesReceived: 0,
    bytesSent: 0,
    scheme: 'http',
    grpc: false,
    grpcStatus: undefined,
    peer: undefined,
    destinationService: undefined,
    destinationPort: undefined,
    upstreamLabels: undefined,
    span: undefined,
    upstreamResponseAt: undefined,
  };
}

/** `-` when there are none, as Envoy prints it. */
export function formatFlags(flags: ReadonlySet<ResponseFlag>): string {
  if (flags.size === 0) return '-';
  return FLAG_ORDER.filter((f) => flags.has(f)).join(',');
}
