// Listeners: the outbound port every proxy has, inbound ports of a sidecar's own workload, and
// Gateway server ports of a gateway proxy.
import type {
  GatewayListener,
  InboundListener,
  ListenerProtocol,
  OutboundListener,
  WorkloadPort,
} from '@mesh/proto';
import { portProtocol, type Gateway } from '@mesh/rules';
import type { ProxyNode } from '../model.js';
import { attempt, qualifiedName, type Stored } from './stored.js';

export const OUTBOUND_LISTENER: OutboundListener = { name: 'outbound', direction: 'outbound' };

/** `inbound|<port>||`: Istio's inbound cluster name. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** A proxy's ports, one per number (the first wins), in the order it registered them. */
export function uniqueNodePorts(node: ProxyNode): WorkloadPort[] {
  const byNumber = new Map<number, WorkloadPort>();
  for (const p of node.ports) if (!byNumber.has(p.number)) byNumber.set(p.number, p);
  return [...byNumber.values()];
}

export function inboundListeners(node: ProxyNode): InboundListener[] {
  return uniqueNodePorts(node).map((p) => ({
    name: `inbound|${p.number}`,
    direction: 'inbound',
    port: p.number,
    bindPort: p.endpointPort || p.number,
    protocol: portProtocol(p),
    targetPort: p.targetPort || p.number,
    cluster: inboundClusterName(p.number),
  }));
}

/**
 * One listener per server port across the proxy's Gateways, servers in Gateway age then spec
 * order. Servers disagreeing on a port's protocol is an Istio conflict: the oldest server decides
 * the protocol and the conflicting servers are left out, so an HTTPS server's hosts are never
 * served in plaintext on an HTTP port (or the other way round).
 */
export function gatewayListeners(gateways: readonly Stored<Gateway>[]): GatewayListener[] {
  const byPort = new Map<number, { protocol: ListenerProtocol; servers: GatewayServer[] }>();
  for (const g of gateways) {
    const servers = attempt(() => serversOf(g.resource), []);
    for (const { port, protocol, server } of servers) {
      const entry = byPort.get(port);
      if (!entry) byPort.set(port, { protocol, servers: [server] });
      else if (entry.protocol === protocol) entry.servers.push(server);
    }
  }
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, { protocol, servers }]) => ({
      name: `gateway|${port}`,
      direction: 'gateway',
      port,
      protocol,
      servers,
    }));
}

type GatewayServer = GatewayListener['servers'][number];

function serversOf(
  gateway: Gateway,
): { port: number; protocol: ListenerProtocol; server: GatewayServer }[] {
  return (gateway.spec.servers ?? []).flatMap((s) => {
    const port = s.port?.number;
    if (!port) return [];
    return [
      {
        port,
        protocol: portProtocol(s.port ?? {}),
        server: {
          gateway: qualifiedName(gateway),
          hosts: [...(s.hosts ?? [])],
          ...(s.tls ? { tls: s.tls } : {}),
        },
      },
    ];
  });
}
