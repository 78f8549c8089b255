// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/discovery.proto

/**
 * A port the workload listens on.
 */
export interface WorkloadPort {
  /**
   * Port name as in the Kubernetes Service, e.g. "http" or "grpc-web".
   */
  name?: string;
  /**
   * Service port number, 1-65535. Required.
   */
  number?: number;
  /**
   * Protocol: "HTTP", "HTTP2", "GRPC", "TCP" (Istio's protocol selection names). Empty means
   * "derive from the port name" as Istio does.
   */
  protocol?: string;
  /**
   * Port the workload process actually binds; 0 means the same as number.
   */
  targetPort?: number;
  /**
   * Port other proxies connect to for this service port: the sidecar's inbound listener. With
   * transparent capture it is the service port itself (0, the default, means number); in the
   * local mesh many sidecars share one address, so each gets its own.
   */
  endpointPort?: number;
}

/**
 * A port the workload listens on.
 */
export interface WorkloadPort__Output {
  /**
   * Port name as in the Kubernetes Service, e.g. "http" or "grpc-web".
   */
  name: string;
  /**
   * Service port number, 1-65535. Required.
   */
  number: number;
  /**
   * Protocol: "HTTP", "HTTP2", "GRPC", "TCP" (Istio's protocol selection names). Empty means
   * "derive from the port name" as Istio does.
   */
  protocol: string;
  /**
   * Port the workload process actually binds; 0 means the same as number.
   */
  targetPort: number;
  /**
   * Port other proxies connect to for this service port: the sidecar's inbound listener. With
   * transparent capture it is the service port itself (0, the default, means number); in the
   * local mesh many sidecars share one address, so each gets its own.
   */
  endpointPort: number;
}
