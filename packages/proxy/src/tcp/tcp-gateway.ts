// A Gateway server port with protocol TCP (Istio's TCP ingress, e.g. the tcp-echo gateway task):
// each connection is routed by the `tcp` routes of the VirtualServices bound to that Gateway
// (their `port` match is the Gateway port), then spliced to an endpoint of the chosen cluster.
// There is no request to read a host from, so the routes are looked up under the server's hosts
// (`*` for most TCP gateways), as Istio builds one filter chain per server.
// A port with protocol TLS (tls.mode PASSTHROUGH) is the same, except that the client's
// ClientHello is read first (Envoy's tls_inspector): its SNI picks the servers whose hosts match
// it and the `tls` route whose sniHosts match it; the encrypted bytes then go to the upstream
// untouched (Istio's "Ingress Gateway without TLS Termination" task).
import { createServer, type Server, type Socket } from 'node:net';
import type { GatewayListener } from '@mesh/proto';
import { gatewayServerHost, hostMatches, routeL4, type L4RouteDecision } from '@mesh/rules';
import { readClientHello } from '../tls/client-hello.js';
import type { ProxyTable } from '../config/types.js';
import type { ActiveRequests } from '../upstream/active-requests.js';
import {
  connectTimeoutOf,
  dialEndpoint,
  splice,
  tcpLogEntry,
  type TcpLogger,
} from './tcp-proxy.js';

export interface TcpGatewayOptions {
  readonly table: () => ProxyTable;
  readonly node: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  readonly active: ActiveRequests;
  readonly log: TcpLogger;
  /** Istio's default connect timeout (10 s) unless the DestinationRule sets one. */
  readonly connectTimeoutMs?: number;
  /** How long a PASSTHROUGH port waits for a whole ClientHello (Envoy's tls_inspector: 15 s). */
  readonly sniffTimeoutMs?: number;
}

export function createTcpGatewayServer(
  listener: GatewayListener,
  options: TcpGatewayOptions,
): Server {
  const passthrough = listener.protocol === 'TLS';
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
    if (!passthrough) {
      forward(client, routeFor(listener, options.table(), options.node), undefined);
      return;
    }
    void sniffClientHello(client, options.sniffTimeoutMs ?? 10_000).then((hello) => {
      if ('error' in hello) {
        client.destroy();
        return finish('NR', hello.error);
      }
      entry.requested_server_name = hello.sni ?? '';
      forward(client, routeTls(listener, options.table(), options.node, hello.sni), hello.head);
    });

    function forward(
      client: Socket,
      decision: L4RouteDecision | string,
      head: Buffer | undefined,
    ): void {
      const table = options.table();
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
      const timeoutMs =
        connectTimeoutOf(cluster.body.trafficPolicy) ?? options.connectTimeoutMs ?? 10_000;
      // Nothing from the client is lost while connecting: it stays in the socket until spliced.
      client.pause();
      dialEndpoint(endpoint.id, cluster, timeoutMs, options.active, {
        onConnected: (upstream) => {
          // The ClientHello read for its SNI goes first, as the client sent it.
          if (head) {
            upstream.write(head);
            entry.bytes_received += head.length;
          }
          splice(client, upstream, entry);
          options.log.opened?.(entry);
          client.resume();
        },
        onFailed: (reason) => {
          client.destroy();
          finish('UF', reason);
        },
        onClosed: (connected) => {
          if (connected) finish();
        },
      });
    }
  });
}

/** Does every server on this TLS port ask for PASSTHROUGH (the only TLS mode served on one)? */
export function passesTlsThrough(listener: GatewayListener): boolean {
  return (
    listener.servers.length > 0 &&
    listener.servers.every((s) => (s.tls?.mode ?? '').toUpperCase() === 'PASSTHROUGH')
  );
}

/** Reads the client's ClientHello (kept, to be sent on), or says why there is none. */
function sniffClientHello(
  client: Socket,
  timeoutMs: number,
): Promise<{ sni: string | undefined; head: Buffer } | { error: string }> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    const done = (result: { sni: string | undefined; head: Buffer } | { error: string }) => {
      clearTimeout(timer);
      client.off('data', onData);
      client.off('end', onEnd);
      client.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const hello = readClientHello(data);
      if (hello.kind === 'hello') done({ sni: hello.sni, head: data });
      else if (hello.kind === 'not-tls')
        done({ error: `not a TLS ClientHello on a PASSTHROUGH port: ${hello.reason}` });
    };
    const onEnd = () => done({ error: 'the client closed before its ClientHello was complete' });
    const timer = setTimeout(
      () => done({ error: `no complete ClientHello within ${timeoutMs} ms` }),
      timeoutMs,
    );
    client.on('data', onData);
    client.once('end', onEnd);
  });
}

/** The `tls` route for `sni` among the servers whose hosts match it, or why there is none. */
function routeTls(
  listener: GatewayListener,
  table: ProxyTable,
  node: TcpGatewayOptions['node'],
  sni: string | undefined,
): L4RouteDecision | string {
  if (sni === undefined)
    return `the client sent no SNI, which a PASSTHROUGH port on ${listener.port} routes by`;
  const servers = listener.servers.filter((s) =>
    s.hosts.some((h) => hostMatches(gatewayServerHost(h), sni)),
  );
  if (servers.length === 0)
    return `no server on port ${listener.port} has a host matching SNI ${sni}`;
  return firstRoute(
    servers.map((server) => ({ server, host: sni })),
    { port: listener.port, protocol: 'tls', sni, table, node },
    `no VirtualService tls route for SNI ${sni} on port ${listener.port}`,
  );
}

/** The first server on the port whose hosts have a tcp route bound to its Gateway, or why none. */
function routeFor(
  listener: GatewayListener,
  table: ProxyTable,
  node: TcpGatewayOptions['node'],
): L4RouteDecision | string {
  return firstRoute(
    // Gateway server hosts may be namespace-qualified (`ns/host`); routes see the host.
    listener.servers.flatMap((server) =>
      server.hosts.map((h) => ({ server, host: gatewayServerHost(h) })),
    ),
    { port: listener.port, protocol: 'tcp', table, node },
    `no VirtualService with a tcp route for port ${listener.port} is bound to ${listener.servers.map((s) => s.gateway).join(', ')}`,
  );
}

/** routeL4 for each (server, host) in turn: the first forward, else the last reason. */
function firstRoute(
  candidates: readonly { server: GatewayListener['servers'][number]; host: string }[],
  request: {
    port: number;
    protocol: 'tcp' | 'tls';
    sni?: string;
    table: ProxyTable;
    node: TcpGatewayOptions['node'];
  },
  noneFound: string,
): L4RouteDecision | string {
  let why = noneFound;
  for (const { server, host } of candidates) {
    const decision = routeL4(
      request.table.compiled,
      {
        host,
        port: request.port,
        protocol: request.protocol,
        ...(request.sni !== undefined && { sni: request.sni }),
        gateway: server.gateway,
        sourceLabels: request.node.labels,
        sourceNamespace: request.node.namespace,
      },
      Math.random,
    );
    if (decision.action === 'forward') return decision;
    why = decision.message;
  }
  return why;
}
