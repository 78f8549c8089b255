// What a proxy asks route() and what it gets back.
import type { CorsPolicy } from '../api/index.js';
import type { ClusterRef, FaultPolicy, RetryPolicy, RouteHeaderOps } from '../compile/types.js';

export interface RouteRequest {
  /** Host or authority (`host:port`); the port part is ignored for host lookup. */
  authority: string;
  /** Destination port; defaults to the authority's port, else 80/443 by scheme. */
  port?: number;
  method?: string;
  /** Path with query string, as on the request line. Defaults to "/". */
  path?: string;
  scheme?: string;
  /** Header names must be lower-case (HTTP/2 style). */
  headers?: Readonly<Record<string, string | undefined>>;
  sourceLabels?: Readonly<Record<string, string | undefined>>;
  /** Namespace of the caller; decides exportTo visibility and short-name resolution. */
  sourceNamespace?: string;
  /** `ns/name` of the gateway handling the request; absent for a sidecar. */
  gateway?: string;
}

export interface RouteRef {
  /** Null for Istio's default route (a known service without a VirtualService). */
  virtualService: { namespace: string; name: string } | null;
  /** Index in the VirtualService's http (or tcp/tls) list. */
  routeIndex: number;
  routeName: string | undefined;
  /** Set when the route came from a delegate VirtualService. */
  delegate: { namespace: string; name: string; index: number } | undefined;
}

export interface MirrorDecision {
  destination: ClusterRef;
  percentage: number;
}

export interface ForwardDecision extends RouteRef {
  action: 'forward';
  destination: ClusterRef;
  /** Path (with query) to send upstream, after any rewrite. */
  path: string;
  authority: string;
  timeoutMs: number | undefined;
  /** Undefined when retries are disabled (`attempts: 0`). */
  retry: RetryPolicy | undefined;
  fault: FaultPolicy | undefined;
  mirrors: readonly MirrorDecision[];
  cors: CorsPolicy | undefined;
  headers: RouteHeaderOps;
}

export interface RedirectDecision extends RouteRef {
  action: 'redirect';
  status: number;
  location: string;
  headers: RouteHeaderOps;
}

export interface DirectResponseDecision extends RouteRef {
  action: 'direct-response';
  status: number;
  body: string | undefined;
  headers: RouteHeaderOps;
}

export type RouteDecision = ForwardDecision | RedirectDecision | DirectResponseDecision;

export type NoRouteReason =
  'unknown-gateway' | 'no-virtual-host' | 'no-route-matched' | 'no-destination';

/** Envoy's NR: the proxy answers 404 (or closes a TCP connection) and logs `message`. */
export interface NoRoute {
  action: 'no-route';
  reason: NoRouteReason;
  message: string;
}

export type RouteResult = RouteDecision | NoRoute;

export interface L4RouteRequest {
  /** Destination service host (or the SNI for TLS passthrough when not known). */
  host: string;
  port: number;
  protocol: 'tcp' | 'tls';
  sni?: string;
  destinationIp?: string;
  sourceLabels?: Readonly<Record<string, string | undefined>>;
  sourceNamespace?: string;
  gateway?: string;
}

export interface L4RouteDecision extends RouteRef {
  action: 'forward';
  destination: ClusterRef;
}

export type L4RouteResult = L4RouteDecision | NoRoute;
