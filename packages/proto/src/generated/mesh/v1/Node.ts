// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/discovery.proto

import type {
  WorkloadPort as _mesh_v1_WorkloadPort,
  WorkloadPort__Output as _mesh_v1_WorkloadPort__Output,
} from '../../mesh/v1/WorkloadPort.js';

/**
 * Who the proxy is. Sent on every request (not only the first, unlike Envoy's option), so each
 * request is self-describing and the control plane keeps no identity state per stream.
 */
export interface Node {
  /**
   * Unique id of this proxy instance, e.g. "reviews-v1-7f9c.default". Required.
   */
  id?: string;
  /**
   * Name of the workload the proxy fronts (the Deployment-like name), e.g. "reviews-v1".
   */
  workloadName?: string;
  /**
   * Namespace of the workload; decides which config is visible (exportTo). Required.
   */
  namespace?: string;
  /**
   * Workload labels; matched against DestinationRule subsets and VirtualService sourceLabels.
   */
  labels?: { [key: string]: string };
  /**
   * Service account the workload runs as (for future authorization policy).
   */
  serviceAccount?: string;
  /**
   * IP addresses of the workload, as text ("10.0.0.7", "fd00::7").
   */
  addresses?: string[];
  /**
   * Ports the workload serves; the inbound listeners are built from these.
   */
  ports?: _mesh_v1_WorkloadPort[];
  /**
   * Version of the proxy build, e.g. "0.1.0"; lets the control plane hold back fields an old
   * proxy does not understand.
   */
  proxyVersion?: string;
  /**
   * True once the proxy's inbound ports accept traffic; endpoints of a proxy that is not ready
   * are sent to other proxies marked not ready, and their pickers skip them.
   */
  ready?: boolean;
  /**
   * Where the workload runs, "region/zone/subzone" (trailing parts may be left out, e.g.
   * "us-east1/us-east1-b"). Its endpoints carry it, and the proxy ranks endpoints against it for
   * Istio's locality failover. Empty means unknown: it matches only endpoints without a locality.
   */
  locality?: string;
}

/**
 * Who the proxy is. Sent on every request (not only the first, unlike Envoy's option), so each
 * request is self-describing and the control plane keeps no identity state per stream.
 */
export interface Node__Output {
  /**
   * Unique id of this proxy instance, e.g. "reviews-v1-7f9c.default". Required.
   */
  id: string;
  /**
   * Name of the workload the proxy fronts (the Deployment-like name), e.g. "reviews-v1".
   */
  workloadName: string;
  /**
   * Namespace of the workload; decides which config is visible (exportTo). Required.
   */
  namespace: string;
  /**
   * Workload labels; matched against DestinationRule subsets and VirtualService sourceLabels.
   */
  labels: { [key: string]: string };
  /**
   * Service account the workload runs as (for future authorization policy).
   */
  serviceAccount: string;
  /**
   * IP addresses of the workload, as text ("10.0.0.7", "fd00::7").
   */
  addresses: string[];
  /**
   * Ports the workload serves; the inbound listeners are built from these.
   */
  ports: _mesh_v1_WorkloadPort__Output[];
  /**
   * Version of the proxy build, e.g. "0.1.0"; lets the control plane hold back fields an old
   * proxy does not understand.
   */
  proxyVersion: string;
  /**
   * True once the proxy's inbound ports accept traffic; endpoints of a proxy that is not ready
   * are sent to other proxies marked not ready, and their pickers skip them.
   */
  ready: boolean;
  /**
   * Where the workload runs, "region/zone/subzone" (trailing parts may be left out, e.g.
   * "us-east1/us-east1-b"). Its endpoints carry it, and the proxy ranks endpoints against it for
   * Istio's locality failover. Empty means unknown: it matches only endpoints without a locality.
   */
  locality: string;
}
