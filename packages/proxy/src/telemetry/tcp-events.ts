// TCP connections as telemetry events, from the connection's log entry when it closes: Istio's
// opened/closed counts and byte totals land in the same series. Reported at close only, so a
// connection that is still open shows in neither count yet (Envoy reports opens at once and
// bytes every 15 s); bounded work per connection was worth that here.
import {
  meshChannels,
  UNKNOWN,
  type DestinationPeer,
  type Peer,
  type TcpConnectionEvent,
} from '@mesh/telemetry/events';
import { destinationOf, peerFromLabels, UNKNOWN_PEER } from './peers.js';
import type { ProxyTable } from '../config/types.js';
import type { TcpLogEntry } from '../tcp/tcp-proxy.js';

const tcpChannel = meshChannels.tcp;

/** Publishes the opened and closed events of one finished connection, when anyone listens. */
export function publishTcpConnection(entry: TcpLogEntry, self: Peer, table: ProxyTable): void {
  // Tunnels served at L7 are counted per request on the HTTP channel instead.
  if (!tcpChannel.hasSubscribers || entry.protocol !== 'tcp') return;
  const inbound = entry.direction === 'inbound';
  const base = {
    reporter: inbound ? ('destination' as const) : ('source' as const),
    source: inbound ? UNKNOWN_PEER : self,
    // The inbound cluster names no service, and TCP carries no peer header to say which.
    destination: inbound
      ? destinationOf(self, UNKNOWN, self.namespace)
      : outboundDestination(entry, table),
    responseFlags: entry.response_flags,
    connectionSecurityPolicy: inbound ? ('none' as const) : ('unknown' as const),
  };
  const opened: TcpConnectionEvent = { ...base, kind: 'opened', sentBytes: 0, receivedBytes: 0 };
  const closed: TcpConnectionEvent = {
    ...base,
    kind: 'closed',
    sentBytes: entry.bytes_sent,
    receivedBytes: entry.bytes_received,
  };
  tcpChannel.publish(opened);
  tcpChannel.publish(closed);
}

/** From the cluster name (`outbound|9000|v1|tcp-echo.default.svc.cluster.local`) and endpoint. */
function outboundDestination(entry: TcpLogEntry, table: ProxyTable): DestinationPeer {
  const cluster = entry.upstream_cluster ?? '';
  const host = cluster.split('|')[3] ?? '';
  const endpoint = table.clusters
    .get(cluster)
    ?.endpoints.find((e) => `${e.address}:${e.port}` === entry.upstream_host);
  // No endpoint found: an unknown app and version, the namespace still the service's.
  return destinationOf(peerFromLabels(endpoint?.labels ?? NO_LABELS), host || UNKNOWN, '');
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
