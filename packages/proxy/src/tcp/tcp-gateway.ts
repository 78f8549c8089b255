// A Gateway server port with protocol TCP (Istio's TCP ingress, e.g. the tcp-echo gateway task):
// each connection is routed by the `tcp` routes of the VirtualServices bound to that Gateway
// (their `port` match is the Gateway port), then spliced to an endpoint of the chosen cluster.
// There is no request to read a host from, so the routes are looked up under the server's hosts
// (`*` for most TCP gateways), as Istio builds one filter chain per server.
import { connect, createServer, type Server } from 'node:net';
import type { GatewayListener } from '@mesh/proto';
import { routeL4, type L4RouteDecision } from '@mesh/rules';
import type { ProxyTable } from '../config/types.js';
import type { ActiveRequests } from '../upstream/active-requests.js';
import { connectTimeoutOf, splice, splitId, tcpLogEntry, type TcpLogEntry } from './tcp-proxy.js';

export interface TcpGatewayOptions {
  readonly table: () => ProxyTable;
  readonly node: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  readonly active: ActiveRequests;
  readonly log: (entry: TcpLogEntry) => void;
  /** Istio's default connect timeout (10 s) unless the DestinationRule sets one. */
  readonly connectTimeoutMs?: number;
}

export function createTcpGatewayServer(
  listener: GatewayListener,
  options: TcpGatewayOptions,
): Server {
  return createServer((client) => {
    client.on('error', () => undefined);
    const started = Date.now();
    const entry = tcpLogEntry(started, 'gateway', `:${listener.port}`);
    const finish = (flag?: string, reason?: string) => {
      if (flag) entry.response_flags = flag;
      if (reason) entry.reason = reason;
      entry.duration = Date.now() - started;
      options.log(entry);
    };
    const table = options.table();
    const decision = routeFor(listener, table, options.node);
    if (typeof decision === 'string') {
      client.destroy();
      return finish('NR', decision);
    }
    const clusterName = decision.destination.cluster;
    entry.upstream_cluster = clusterName;
    const cluster = table.clusters.get(clusterName);
    if (!cluster) {
      client.destroy();
      return finish('NC', `no cluster ${clusterName} in the proxy's config`);
    }
    const endpoint = cluster.balancer.pick({
      rng: Math.random,
      activeRequestsOf: options.active.of,
    });
    if (!endpoint) {
      client.destroy();
      const ready = cluster.endpoints.filter((e) => e.ready).length;
      return finish(
        'UH',
        `no healthy upstream for ${decision.destination.host}: ${cluster.endpoints.length} endpoints, ${ready} ready`,
      );
    }
    entry.upstream_host = endpoint.id;
    const [address, port] = splitId(endpoint.id);
    const timeoutMs =
      connectTimeoutOf(cluster.body.trafficPolicy) ?? options.connectTimeoutMs ?? 10_000;
    // Nothing from the client is lost while connecting: it stays in the socket until spliced.
    client.pause();
    options.active.acquire(endpoint.id);
    const upstream = connect({ host: address, port });
    const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), timeoutMs);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      splice(client, upstream, entry);
      client.resume();
    });
    upstream.once('error', (err) => {
      if (connected) return;
      client.destroy();
      finish('UF', `upstream connect error to ${endpoint.id} (${clusterName}): ${err.message}`);
    });
    upstream.once('close', () => {
      clearTimeout(timer);
      options.active.release(endpoint.id);
      if (connected) finish();
    });
  });
}

/** The first server on the port whose hosts have a tcp route bound to its Gateway, or why none. */
function routeFor(
  listener: GatewayListener,
  table: ProxyTable,
  node: TcpGatewayOptions['node'],
): L4RouteDecision | string {
  let why = `no VirtualService with a tcp route for port ${listener.port} is bound to ${listener.servers.map((s) => s.gateway).join(', ')}`;
  for (const server of listener.servers) {
    for (const host of server.hosts) {
      // Gateway server hosts may be namespace-qualified (`ns/host`); routes see the host.
      const name = host.includes('/') ? host.slice(host.indexOf('/') + 1) : host;
      const decision = routeL4(
        table.compiled,
        {
          host: name,
          port: listener.port,
          protocol: 'tcp',
          gateway: server.gateway,
          sourceLabels: node.labels,
          sourceNamespace: node.namespace,
        },
        Math.random,
      );
      if (decision.action === 'forward') return decision;
      why = decision.message;
    }
  }
  return why;
}
