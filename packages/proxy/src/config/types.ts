// The proxy's view of its config: what the control plane sent, per type, and the immutable table
// compiled from it that requests are routed with. A new table replaces the old one atomically;
// a request keeps the table it started with.
import type {
  ClusterBody,
  EndpointBody,
  EndpointsBody,
  ListenerBody,
  RouteTableBody,
  TypeUrl,
} from '@mesh/proto';
import type { CompiledConfig, EndpointLoadBalancer } from '@mesh/rules';

/** One type's resources as held: name -> body, with the versions the control plane gave. */
export interface TypeState<T> {
  /** version_info of the set as a whole ('' before the first response). */
  readonly version: string;
  readonly resources: ReadonlyMap<string, { readonly version: string; readonly body: T }>;
}

export interface HeldConfig {
  readonly listeners: TypeState<ListenerBody>;
  readonly routes: TypeState<RouteTableBody>;
  readonly clusters: TypeState<ClusterBody>;
  readonly endpoints: TypeState<EndpointsBody>;
}

/** A cluster ready for traffic: its policy, endpoints and a picker over them. */
export interface RuntimeCluster {
  readonly name: string;
  readonly body: ClusterBody;
  /** The endpoints as sent (ready and not). */
  readonly endpoints: readonly EndpointBody[];
  /** Picker over the ready endpoints; ids are `address:port`. */
  readonly balancer: EndpointLoadBalancer;
  /**
   * The proxy locality the balancer ranked endpoints against (locality failover), so rebuilds
   * after an ejection rank them the same way; absent is ''.
   */
  readonly proxyLocality?: string;
  /** The proxy labels it ranked them with (failoverPriority), for the same reason. */
  readonly proxyLabels?: Readonly<Record<string, string>>;
}

/** Everything a request needs, compiled once per config change and never mutated. */
export interface ProxyTable {
  /** Monotonic per proxy process: which table a request ran on (logs, /config_dump). */
  readonly generation: number;
  readonly held: HeldConfig;
  /** Route tables compiled with @mesh/rules, for route() and routeL4(). */
  readonly compiled: CompiledConfig;
  readonly clusters: ReadonlyMap<string, RuntimeCluster>;
  /** version_info per type URL, as ACKed. */
  readonly versions: Readonly<Record<TypeUrl, string>>;
}
