// The peers telemetry events name, shared by the HTTP and TCP events. Events reuse frozen peer
// objects: fewer allocations per request, and the aggregator finds a frozen pair's series
// without building its label key (aggregator.ts). Keys are peers and endpoint label objects,
// which live as long as the config that made them.
import { UNKNOWN, type DestinationPeer, type Peer } from '@mesh/telemetry/events';

export const UNKNOWN_PEER: Peer = Object.freeze({
  workload: UNKNOWN,
  namespace: UNKNOWN,
  app: UNKNOWN,
  version: UNKNOWN,
});

const fromLabels = new WeakMap<object, Peer>();
const destinations = new WeakMap<Peer, Map<string, DestinationPeer>>();
const MAX_SERVICES_PER_PEER = 256;

/** Without the peer's own word, the endpoint's labels still say its app and version. */
export function peerFromLabels(labels: Readonly<Record<string, string>> | undefined): Peer {
  if (!labels) return UNKNOWN_PEER;
  let peer = fromLabels.get(labels);
  if (!peer) {
    peer = Object.freeze({
      workload: UNKNOWN,
      namespace: '',
      app: labels['app'] ?? UNKNOWN,
      version: labels['version'] ?? UNKNOWN,
    });
    fromLabels.set(labels, peer);
  }
  return peer;
}

/** The server workload as the destination of `service`; its namespace, if unknown, the service's. */
export function destinationOf(server: Peer, service: string, namespace: string): DestinationPeer {
  let byService = destinations.get(server);
  if (!byService) destinations.set(server, (byService = new Map()));
  let destination = byService.get(service);
  if (!destination) {
    const where = serviceParts(service === UNKNOWN ? undefined : service);
    destination = Object.freeze({
      workload: server.workload,
      namespace: server.namespace || namespace || where.namespace,
      app: server.app,
      version: server.version,
      service,
      serviceName: where.name,
      serviceNamespace: where.namespace,
    });
    // Host headers are the caller's to choose: keep the map bounded.
    if (byService.size >= MAX_SERVICES_PER_PEER) byService.clear();
    byService.set(service, destination);
  }
  return destination;
}

/** `reviews.default.svc.cluster.local` -> reviews, default; other hosts name themselves. */
export function serviceParts(service: string | undefined): { name: string; namespace: string } {
  if (!service) return { name: UNKNOWN, namespace: UNKNOWN };
  const parts = service.split('.');
  if (parts.length >= 3 && parts[2] === 'svc') return { name: parts[0]!, namespace: parts[1]! };
  return { name: service, namespace: UNKNOWN };
}
