// The request pipeline's vocabulary. A request travels through small layers
// (`type Layer = (next: Handler) => Handler`), each owning one concern (fault, header ops, timeout,
// retry, endpoint pick) and testable alone with a socketless terminal handler; only the terminal
// forward handler touches the network. Like an Envoy filter, a layer can answer locally and cut the
// chain short.
import type { Readable } from 'node:stream';
import type { RequestBody } from './request-body.js';
import type { StreamInfo } from './stream-info.js';
import type { AbortSignalLike } from '../abort.js';

export type HeaderValue = string | readonly string[];
/** Lower-case header names; a repeated header keeps every value, in order. */
export type HeaderMap = Readonly<Record<string, HeaderValue>>;
/** A map its maker still owns: it may be changed until it is handed on as a HeaderMap. */
export type FreshHeaderMap = Record<string, HeaderValue>;

/** Envoy's response flags (the ones this proxy can produce), as they appear in access logs. */
export type ResponseFlag =
  | 'UH' // no healthy upstream
  | 'UT' // upstream request timeout
  | 'UF' // upstream connection failure
  | 'UC' // upstream connection termination
  | 'UO' // upstream overflow (circuit breaking)
  | 'NR' // no route
  | 'DI' // fault delay injected
  | 'FI' // fault abort injected
  | 'DC' // downstream connection termination
  | 'URX' // upstream retry limit exceeded
  | 'DPE' // downstream protocol error
  | 'UPE' // upstream protocol error
  | 'NC'; // no cluster

/** Why an upstream attempt failed without a response: what retry policies are matched against. */
export type UpstreamFailure = 'connect-failure' | 'reset' | 'timeout';

/** Where an attempt goes: one endpoint of one cluster. */
export interface UpstreamTarget {
  /** `address:port`, the balancer's endpoint id. */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly cluster: string;
  readonly connectTimeoutMs?: number | undefined;
  readonly maxRequestsPerConnection?: number | undefined;
  /** The endpoint is a workload with a sidecar: it gets the peer header (telemetry/peer-header.ts). */
  readonly sidecar?: boolean;
  /** The endpoint's labels, as the control plane sent them. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface HttpContext {
  readonly method: string;
  /** The authority (Host) sent upstream. */
  readonly authority: string;
  /** Path with query, as sent upstream. */
  readonly path: string;
  readonly headers: HeaderMap;
  /** Undefined when the request has no body. */
  readonly body: RequestBody | undefined;
  /** Aborted when the downstream goes away or a timeout gives up on the request or attempt. */
  readonly signal: AbortSignalLike;
  /** Mutable record of what happened, for the access log (Envoy's StreamInfo). */
  readonly info: StreamInfo;
  readonly rng: () => number;
  /** Endpoints earlier attempts went to, when the retry policy wants them avoided. */
  readonly previousHosts: readonly string[];
  /** Set by the endpoint layer for the terminal forward handler. */
  readonly upstream: UpstreamTarget | undefined;
  /**
   * Set by the endpoint layer: the forward handlers send it as x-envoy-attempt-count while they
   * copy the headers anyway, rather than the layer copying the whole map for one header.
   */
  readonly attemptCount?: number;
  /** The peer header to send when the endpoint has a sidecar; absent: none is sent. */
  readonly peerHeader?: string;
}

/** A reply the proxy made up itself: status, flag and a plain-words reason. */
export interface LocalReply {
  /** Undefined only for the proxy's own failures (500), which Envoy has no flag for. */
  readonly flag: ResponseFlag | undefined;
  readonly reason: string;
  /** Set when an upstream attempt failed without a response (retriable per policy). */
  readonly failure?: UpstreamFailure;
}

export interface ProxyResponse {
  readonly status: number;
  readonly headers: HeaderMap;
  /** A stream for proxied bodies; bytes for configured ones; undefined for none. */
  readonly body: Readable | Uint8Array | undefined;
  /**
   * Present on local replies. Their body and `x-mesh-error` header are written from it when the
   * response is sent, so layers (retry) can still refine the reason.
   */
  readonly local?: LocalReply;
}

export type Handler = (ctx: HttpContext) => Promise<ProxyResponse>;
export type Layer = (next: Handler) => Handler;

/** The first layer is the outermost; layers given as undefined are skipped. */
export function compose(...layers: readonly (Layer | undefined)[]): (terminal: Handler) => Handler {
  return (terminal) => {
    let handler = terminal;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i];
      if (layer) handler = layer(handler);
    }
    return handler;
  };
}

/** Abort reason when the route timeout or a per-try timeout fires. */
export class UpstreamTimeout extends Error {
  constructor(
    readonly scope: 'route' | 'per-try' | 'grpc-timeout',
    readonly timeoutMs: number,
  ) {
    super(`upstream request timeout (${timeoutLabel(scope)} ${timeoutMs} ms)`);
    this.name = 'UpstreamTimeout';
  }
}

export function timeoutLabel(scope: UpstreamTimeout['scope']): string {
  return scope === 'grpc-timeout' ? "the client's grpc-timeout" : `${scope} timeout`;
}

/** Abort reason when the client closed the connection before the response was complete. */
export class DownstreamDisconnect extends Error {
  constructor() {
    super('downstream connection closed before the response was complete');
    this.name = 'DownstreamDisconnect';
  }
}
