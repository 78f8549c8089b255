// The bodies of the four discovery resource types. Each travels as JSON inside Resource.body
// (see proto/README.md); the control plane builds them, the proxy compiles them. They name
// @mesh/rules types rather than repeating them, so both sides share one definition.
import type { Port, ResolvedTrafficPolicy, ServerTLSSettings, VirtualService } from '@mesh/rules';

/** How a listener's traffic is treated: Istio's protocol selection names. */
export type ListenerProtocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'TCP' | 'TLS' | 'HTTPS';

/**
 * `type.mesh.dev/mesh.v1.Listener`. Names: `outbound` (the forward-proxy port every app calls
 * through), `inbound|<port>` (mesh traffic for this workload, forwarded to its app) and
 * `gateway|<port>` (a Gateway server port on a gateway proxy).
 */
export type ListenerBody = OutboundListener | InboundListener | GatewayListener;

export interface OutboundListener {
  readonly name: 'outbound';
  readonly direction: 'outbound';
}

export interface InboundListener {
  readonly name: string;
  readonly direction: 'inbound';
  /** Service port the mesh sends to (WorkloadPort.number). */
  readonly port: number;
  /** Port the sidecar listens on for it (WorkloadPort.endpointPort, else port). */
  readonly bindPort: number;
  readonly protocol: ListenerProtocol;
  /** Port the app binds (WorkloadPort.targetPort, or port when 0). */
  readonly targetPort: number;
  /** The inbound cluster: `inbound|<port>||`. */
  readonly cluster: string;
}

export interface GatewayListener {
  readonly name: string;
  readonly direction: 'gateway';
  readonly port: number;
  readonly protocol: ListenerProtocol;
  /** Servers on this port, each with the Gateway (`ns/name`) it came from. */
  readonly servers: readonly {
    readonly gateway: string;
    readonly hosts: readonly string[];
    readonly tls?: ServerTLSSettings;
  }[];
}

/**
 * `type.mesh.dev/mesh.v1.RouteTable`: one per VirtualService the proxy can see, named
 * `<namespace>/<name>`. The proxy compiles them all with @mesh/rules, in `order`.
 */
export interface RouteTableBody {
  readonly name: string;
  /**
   * Creation order (the store's create revision): when several VirtualServices claim one host,
   * sidecars use the oldest, as Istio does.
   */
  readonly order: number;
  readonly virtualService: VirtualService;
}

/**
 * `type.mesh.dev/mesh.v1.Cluster`: a destination with its merged DestinationRule policy. Names
 * follow Istio: `outbound|<port>|<subset>|<host>` and `inbound|<port>||`.
 */
export interface ClusterBody {
  readonly name: string;
  readonly direction: 'outbound' | 'inbound';
  /** Fully qualified service host; for inbound clusters the workload's own address. */
  readonly host: string;
  readonly port: Port;
  /** '' for the whole service. */
  readonly subset: string;
  /** Namespace the service lives in, and who may see it (Istio exportTo). */
  readonly serviceNamespace: string;
  readonly exportTo: readonly string[];
  /** ServiceEntry resolution; registry services are STATIC. */
  readonly resolution: 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'NONE';
  /** DestinationRule policy merged for this port and subset, Istio defaults filled in. */
  readonly trafficPolicy: ResolvedTrafficPolicy;
  /** The DestinationRule used (`ns/name`), '' when none applies. */
  readonly destinationRule: string;
}

/** `type.mesh.dev/mesh.v1.Endpoints`: the endpoints of one cluster, named like the cluster. */
export interface EndpointsBody {
  readonly cluster: string;
  readonly endpoints: readonly EndpointBody[];
}

export interface EndpointBody {
  /** IP or hostname to connect to. */
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  /** False while the workload is starting or draining; pickers skip it. */
  readonly ready: boolean;
  /** Load-balancing weight (WorkloadEntry weight), 1 by default. */
  readonly weight: number;
  /** `region/zone/subzone`, '' when unknown. */
  readonly locality: string;
  /** Who serves it, for error messages: `proxy <id>`, `WorkloadEntry ns/name`, `ServiceEntry ns/name`. */
  readonly source: string;
}
