// Clusters and their endpoints: per service port the whole service plus one per DestinationRule
// subset, and for a sidecar one inbound cluster per port of its own workload.
import type { ClusterBody, EndpointBody, EndpointsBody } from '@mesh/proto';
import { outboundClusterName, portProtocol, selects } from '@mesh/rules';
import type { ProxyNode } from '../model.js';
import { sortedLabels } from './labels.js';
import { compareText } from './order.js';
import { inboundClusterName, uniqueNodePorts } from './listeners.js';
import {
  clusterPolicy,
  DEFAULT_CLUSTER_POLICY,
  type ClusterPolicy,
  type PolicyIndex,
} from './policy.js';
import { DEFAULT_WORKLOAD_ADDRESS, type MeshService, type ServicePort } from './services.js';

export interface ClusterSet {
  readonly clusters: ClusterBody[];
  /** One per cluster, named as the cluster. */
  readonly endpoints: EndpointsBody[];
}

/** Where a sidecar reaches its own app. */
export const LOCAL_APP_ADDRESS = '127.0.0.1';

export function outboundClusters(
  service: MeshService,
  policies: PolicyIndex,
  consumerNamespace: string,
): ClusterSet {
  const out: ClusterSet = { clusters: [], endpoints: [] };
  for (const port of service.ports) {
    let entries: [string, ClusterPolicy][];
    try {
      const whole = clusterPolicy(policies, {
        host: service.host,
        port: port.number,
        subset: '',
        consumerNamespace,
      });
      entries = [['', whole ?? DEFAULT_CLUSTER_POLICY]];
      for (const subset of policies.candidateSubsets(service.host)) {
        const policy = clusterPolicy(policies, {
          host: service.host,
          port: port.number,
          subset,
          consumerNamespace,
        });
        if (policy) entries.push([subset, policy]);
      }
    } catch {
      // A rule that breaks the policy lookup costs its subsets, not the service.
      entries = [['', DEFAULT_CLUSTER_POLICY]];
    }
    for (const [subset, policy] of entries) {
      const name = outboundClusterName(port.number, subset, service.host);
      out.clusters.push({
        name,
        direction: 'outbound',
        host: service.host,
        port: { ...port },
        subset,
        serviceNamespace: service.namespace,
        exportTo: [...service.exportTo],
        resolution: service.resolution,
        trafficPolicy: policy.trafficPolicy,
        destinationRule: policy.destinationRule,
      });
      out.endpoints.push({
        cluster: name,
        endpoints: endpointsFor(service, port, policy.subsetLabels),
      });
    }
  }
  return out;
}

function endpointsFor(
  service: MeshService,
  port: ServicePort,
  subsetLabels: Readonly<Record<string, string>>,
): EndpointBody[] {
  return service.endpoints
    .flatMap((e): EndpointBody[] => {
      const endpointPort = e.ports[port.number];
      if (endpointPort === undefined || !selects(subsetLabels, e.labels)) return [];
      return [
        {
          address: e.address,
          port: endpointPort,
          labels: e.labels,
          ready: e.ready,
          weight: e.weight,
          locality: e.locality,
          source: e.source,
        },
      ];
    })
    .sort(compareEndpoints);
}

function compareEndpoints(a: EndpointBody, b: EndpointBody): number {
  return compareText(a.address, b.address) || a.port - b.port || compareText(a.source, b.source);
}

/**
 * Inbound clusters of a sidecar: mesh traffic arriving on a port goes to the app on its target
 * port. No DestinationRule applies on the inbound side, so the policy is empty, and the app is
 * always sent as ready: the proxy's own readiness is what keeps callers away.
 */
export function inboundClusters(node: ProxyNode): ClusterSet {
  const out: ClusterSet = { clusters: [], endpoints: [] };
  for (const p of uniqueNodePorts(node)) {
    const name = inboundClusterName(p.number);
    const appPort = p.targetPort || p.number;
    out.clusters.push({
      name,
      direction: 'inbound',
      host: node.addresses[0] ?? DEFAULT_WORKLOAD_ADDRESS,
      port: { number: appPort, protocol: portProtocol(p), ...(p.name ? { name: p.name } : {}) },
      subset: '',
      serviceNamespace: node.namespace,
      // Only this workload's proxy uses it.
      exportTo: ['.'],
      resolution: 'STATIC',
      trafficPolicy: {},
      destinationRule: '',
    });
    out.endpoints.push({
      cluster: name,
      endpoints: [
        {
          address: LOCAL_APP_ADDRESS,
          port: appPort,
          labels: sortedLabels(node.labels),
          ready: true,
          weight: 1,
          locality: '',
          // Not the proxy id: the builder reads a node only through its namespace, workload name,
          // labels, addresses and ports, so proxies alike in those can share one snapshot.
          source: `workload ${node.namespace}/${node.workloadName}`,
        },
      ],
    });
  }
  return out;
}
