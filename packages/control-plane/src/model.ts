// The control plane's view of the world, as plain data: the config it stores, the workloads it
// knows, and what one proxy is to be sent. The snapshot builder is a pure function of these.
import type { Resource } from '@mesh/rules';
import type { DiscoveryResource, ProxyNode, TypeUrl, WorkloadPort } from '@mesh/proto';

/** One stored Istio resource with the store's bookkeeping. */
export interface StoredResource {
  readonly resource: Resource;
  /** The store's modRevision as text: what clients send back as their precondition. */
  readonly resourceVersion: string;
  /** Revision that created it: the creation order Istio's "oldest wins" rules use. */
  readonly createRevision: number;
}

/** All stored config, ordered by createRevision (oldest first). */
export interface ConfigView {
  readonly resources: readonly StoredResource[];
}

/**
 * A workload a proxy registered on connect (stored under a lease bound to its stream, so it
 * vanishes with the proxy or with the control-plane replica that holds the stream).
 */
export interface WorkloadRecord {
  /** Node.id of the proxy. */
  readonly proxyId: string;
  readonly workloadName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly addresses: readonly string[];
  readonly ports: readonly WorkloadPort[];
  readonly proxyVersion: string;
  /** The proxy's own readiness; endpoints of an unready proxy are sent as not ready. */
  readonly ready: boolean;
  /** "region/zone/subzone" the proxy said it runs in ('' unknown); its endpoints carry it. */
  readonly locality: string;
  /** Replica holding the proxy's stream, e.g. "control-plane-0". */
  readonly controlPlane: string;
}

export interface RegistryView {
  /** Ordered by namespace, proxyId. */
  readonly workloads: readonly WorkloadRecord[];
}

/** One type's resources for one proxy, with the version of the set as a whole. */
export interface TypeSnapshot {
  /** Hash over the (name, version) pairs: equal versions mean equal sets. */
  readonly version: string;
  /** Sorted by name. */
  readonly resources: readonly DiscoveryResource[];
}

export type ProxySnapshot = Readonly<Record<TypeUrl, TypeSnapshot>>;

export interface SnapshotOptions {
  /** Cluster DNS suffix; default svc.cluster.local. */
  readonly domain?: string;
  /** Istio's root namespace for mesh-wide Sidecars and DestinationRules; default istio-system. */
  readonly rootNamespace?: string;
}

export type { ProxyNode };
