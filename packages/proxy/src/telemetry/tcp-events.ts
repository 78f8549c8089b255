// TCP connections as telemetry events, as Envoy's Istio stats filter reports them: `opened` when
// the connection is spliced to its upstream, the bytes moved so far every 15 s while it stays open
// (Istio's tcp_reporting_duration), and `closed` with the rest when it ends. A connection that
// never reached an upstream (UF, NR, ...) is counted opened and closed at once when it ends, so
// failures show in both counts as before. Nothing is tracked while nobody subscribes.
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

/** Istio's default `tcp_reporting_duration`. */
export const TCP_REPORTING_INTERVAL_MS = 15_000;

export interface TcpReporter {
  /** The connection is spliced to its upstream: counted as opened now, its bytes reported on. */
  opened(entry: TcpLogEntry): void;
  /** The connection ended: what was not reported yet (opened too, if it never was). */
  closed(entry: TcpLogEntry): void;
  /** Stops the periodic reports (open connections are then reported only when they close). */
  stop(): void;
}

interface Open {
  /** Labels fixed when the connection opened (the endpoint it reached, who it came from). */
  readonly base: Omit<TcpConnectionEvent, 'kind' | 'sentBytes' | 'receivedBytes'>;
  sent: number;
  received: number;
}

export function createTcpReporter(
  self: Peer,
  table: () => ProxyTable,
  intervalMs: number = TCP_REPORTING_INTERVAL_MS,
): TcpReporter {
  const open = new Map<TcpLogEntry, Open>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  const report = () => {
    if (!tcpChannel.hasSubscribers) return;
    for (const [entry, o] of open) {
      const sent = entry.bytes_sent - o.sent;
      const received = entry.bytes_received - o.received;
      if (sent === 0 && received === 0) continue;
      o.sent = entry.bytes_sent;
      o.received = entry.bytes_received;
      tcpChannel.publish({ ...o.base, kind: 'bytes', sentBytes: sent, receivedBytes: received });
    }
  };

  return {
    opened(entry) {
      // Tunnels served at L7 are counted per request on the HTTP channel instead.
      if (!tcpChannel.hasSubscribers || entry.protocol !== 'tcp' || open.has(entry)) return;
      const o: Open = { base: baseEvent(entry, self, table()), sent: 0, received: 0 };
      open.set(entry, o);
      tcpChannel.publish({ ...o.base, kind: 'opened', sentBytes: 0, receivedBytes: 0 });
      if (timer === undefined && !stopped) {
        // Unref'd: an open connection's next report never keeps the process alive.
        timer = setInterval(report, intervalMs).unref();
      }
    },
    closed(entry) {
      const o = open.get(entry);
      open.delete(entry);
      if (open.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
      if (!tcpChannel.hasSubscribers || entry.protocol !== 'tcp') return;
      const base = o?.base ?? baseEvent(entry, self, table());
      if (!o) tcpChannel.publish({ ...base, kind: 'opened', sentBytes: 0, receivedBytes: 0 });
      // The labels of its opening (events.ts: one series per connection); a spliced
      // connection's flags do not change after it opened.
      tcpChannel.publish({
        ...base,
        kind: 'closed',
        sentBytes: Math.max(0, entry.bytes_sent - (o?.sent ?? 0)),
        receivedBytes: Math.max(0, entry.bytes_received - (o?.received ?? 0)),
      });
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

function baseEvent(entry: TcpLogEntry, self: Peer, table: ProxyTable): Open['base'] {
  const inbound = entry.direction === 'inbound';
  return {
    reporter: inbound ? 'destination' : 'source',
    source: inbound ? UNKNOWN_PEER : self,
    // The inbound cluster names no service, and TCP carries no peer header to say which.
    destination: inbound
      ? destinationOf(self, UNKNOWN, self.namespace)
      : outboundDestination(entry, table),
    responseFlags: entry.response_flags,
    connectionSecurityPolicy: inbound ? 'none' : 'unknown',
  };
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
