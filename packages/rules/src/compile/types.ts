// Shapes of the compiled, immutable configuration that route() and destinationPolicy() read.
import type { CorsPolicy, DestinationRule, Port } from '../api/index.js';
import type { MatchEntry, PathIndex } from './path-index.js';

/** A service the registry knows (Kubernetes Service or ServiceEntry host) and its ports. */
export interface ServiceInfo {
  host: string;
  ports: readonly Port[];
  /** Namespace the service lives in; with exportTo it decides who can see it. */
  namespace?: string;
  exportTo?: readonly string[];
}

export interface CompileOptions {
  /** Services from the control plane's registry, in addition to the ServiceEntries in the set. */
  services?: readonly ServiceInfo[];
  /** Istio's EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY flag: true (the default since Istio 1.24). */
  exclude503FromDefaultRetries?: boolean;
  /** Cluster DNS suffix for short names; Istio's default is svc.cluster.local. */
  domain?: string;
}

export interface RetryPolicy {
  /** Retries after the first try (Envoy num_retries). */
  attempts: number;
  perTryTimeoutMs: number | undefined;
  /** Envoy retry_on conditions, status codes moved out to retriableStatusCodes. */
  retryOn: readonly string[];
  retriableStatusCodes: readonly number[];
  retryRemoteLocalities: boolean;
  retryIgnorePreviousHosts: boolean;
  backoffMs: number | undefined;
}

export interface FaultPolicy {
  delay?: { fixedDelayMs: number; percentage: number };
  abort?: { httpStatus: number; percentage: number } | { grpcStatus: string; percentage: number };
}

export interface ClusterRef {
  /** Fully qualified host of the destination. */
  host: string;
  subset: string | undefined;
  port: number;
  /** Istio's cluster name: `outbound|<port>|<subset>|<host>`. */
  cluster: string;
}

export interface MirrorTarget {
  destination: ClusterRef;
  /** 0-100; Istio mirrors 100% when no percentage is given. */
  percentage: number;
}

/** Applied as Envoy does within one level: remove, then set (overwrite), then add (append). */
export interface HeaderOps {
  set: Readonly<Record<string, string>>;
  add: readonly (readonly [name: string, value: string])[];
  remove: readonly string[];
}

export interface RouteHeaderOps {
  request: HeaderOps;
  response: HeaderOps;
}

export interface RedirectAction {
  uri: string | undefined;
  authority: string | undefined;
  port: number | undefined;
  derivePort: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT' | undefined;
  scheme: string | undefined;
  code: number;
}

export interface DirectResponseAction {
  status: number;
  body: string | undefined;
}

/** The request as the matchers see it, prepared once per request. */
export interface PreparedRequest {
  readonly host: string;
  readonly authority: string;
  readonly port: number;
  readonly method: string;
  readonly scheme: string;
  /** Path without the query string: what Envoy's path matchers compare. */
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly sourceLabels: Readonly<Record<string, string | undefined>>;
  readonly sourceNamespace: string;
  /** "mesh" for sidecars, else "ns/name" of the gateway. */
  readonly gateway: string;
  lowerPath(): string;
  queryParam(name: string): string | undefined;
}

export type RequestPredicate = (req: PreparedRequest) => boolean;

export interface CompiledDestination {
  /** Destination host resolved to an FQDN (or kept as written when it has dots). */
  host: string;
  subset: string | undefined;
  /** Known at compile time when the route names it or the service has one port; else the request's. */
  port: number | undefined;
  /** Precomputed cluster name when the port is known. */
  cluster: string | undefined;
  weight: number;
  /** Route-level header operations merged with this destination's, as Envoy applies them. */
  headers: RouteHeaderOps;
  /**
   * Host rewrite Envoy applies when this destination is picked: rewrite.authority, else a `host`
   * or `:authority` set/add in the route's headers, else in the destination's (Istio route.go).
   */
  authority?: string | undefined;
}

export interface CompiledHttpRoute {
  virtualService: { namespace: string; name: string };
  /** Index in the VirtualService's http list (after delegate expansion: the root route's index). */
  index: number;
  name: string | undefined;
  /** Index of the delegate's route when this route came from a delegate VirtualService. */
  delegate: { namespace: string; name: string; index: number } | undefined;
  /** Any one of these (OR); an empty list matches everything. */
  matches: readonly RequestPredicate[];
  /** Where each match sits in the virtual host's path index (see path-index.ts). */
  indexEntries: readonly MatchEntry[];
  /** Per-match prefix/exact info needed to apply `rewrite.uri` the way Envoy does. */
  matchKinds: readonly UriMatchKind[];
  destinations: readonly CompiledDestination[];
  weights: readonly number[];
  redirect: RedirectAction | undefined;
  directResponse: DirectResponseAction | undefined;
  rewrite:
    | {
        uri: string | undefined;
        authority: string | undefined;
        regex: { apply(path: string): string } | undefined;
      }
    | undefined;
  timeoutMs: number | undefined;
  retry: RetryPolicy | undefined;
  fault: FaultPolicy | undefined;
  mirrors: readonly { destination: CompiledDestination; percentage: number }[];
  cors: CorsPolicy | undefined;
  /**
   * Is the route in the table Istio builds for this proxy and listener port (translateRoute drops
   * matches for another port, other source labels or source namespace)? undefined: always.
   */
  forProxy: RequestPredicate | undefined;
}

export type UriMatchKind =
  | { kind: 'prefix'; prefix: string; ignoreCase: boolean }
  | { kind: 'exact' }
  | { kind: 'regex' }
  | { kind: 'none' };

export interface CompiledL4Route {
  virtualService: { namespace: string; name: string };
  index: number;
  protocol: 'tcp' | 'tls';
  matches: readonly L4Predicate[];
  destinations: readonly CompiledDestination[];
  weights: readonly number[];
}

export interface L4Request {
  host: string;
  port: number;
  sni: string | undefined;
  destinationIp: string | undefined;
  sourceLabels: Readonly<Record<string, string | undefined>>;
  sourceNamespace: string;
  gateway: string;
}

export type L4Predicate = (req: L4Request) => boolean;

/** Everything one VirtualService contributes to one host. */
export interface VirtualHostEntry {
  virtualService: { namespace: string; name: string };
  /** Namespaces that can see the VirtualService; null = every namespace. */
  visibleTo: readonly string[] | null;
  http: readonly CompiledHttpRoute[];
  httpIndex: PathIndex;
  tcp: readonly CompiledL4Route[];
  tls: readonly CompiledL4Route[];
  /**
   * Does Istio build any http route of this VirtualService for the calling proxy and port? When
   * none, the sidecar drops the whole VirtualService (route.go buildSidecarVirtualHostsForVirtualService)
   * and the next one for the host, or the service's default route, applies. undefined: always.
   */
  forProxy: RequestPredicate | undefined;
}

/** Route table for one proxy kind: the sidecars ("mesh") or one gateway. */
export interface RouteTable {
  /** "mesh" or "ns/name" of the gateway. */
  scope: string;
  /** Exact host -> candidate entries, oldest first. */
  exact: Readonly<Record<string, readonly VirtualHostEntry[]>>;
  /** "*.suffix" or "*" -> candidate entries, oldest first. */
  wildcard: Readonly<Record<string, readonly VirtualHostEntry[]>>;
  /** Gateways merge every VirtualService for a host; sidecars take the oldest visible one. */
  mergeHosts: boolean;
}

export interface CompiledServices {
  exact: Readonly<Record<string, ServiceInfo>>;
  wildcard: Readonly<Record<string, ServiceInfo>>;
}

export interface CompileNote {
  kind: string;
  namespace: string;
  name: string;
  message: string;
}

export interface CompiledConfig {
  mesh: RouteTable;
  gateways: Readonly<Record<string, RouteTable>>;
  services: CompiledServices;
  /** DestinationRules by resolved host (exact) and by wildcard pattern, oldest first. */
  destinationRules: {
    exact: Readonly<Record<string, readonly DestinationRule[]>>;
    wildcard: Readonly<Record<string, readonly DestinationRule[]>>;
  };
  defaultRetry: RetryPolicy;
  domain: string;
  /** What compile had to drop (unknown delegate, conflicting delegate match, ...). */
  notes: readonly CompileNote[];
}
