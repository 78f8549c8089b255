// Plain TCP through the mesh, and what else rides in CONNECT tunnels. Outbound, an app opens a
// `CONNECT host:port` tunnel on the forward proxy (what HTTP_PROXY clients do for non-HTTP
// traffic, and what gRPC clients do with grpc_proxy / http_proxy). Once the tunnel is up the
// proxy looks at the first bytes the client sends: the HTTP/2 preface goes to the in-process h2c
// server and an HTTP/1.x request line to the outbound HTTP server, both routed per request at L7;
// anything else is spliced as TCP to an endpoint picked by the VirtualService's tcp routes.
// Inbound, a TCP listener splices mesh connections to the app's port.
//
// Order of decisions, so that plain TCP keeps its CONNECT replies (404 NR, 503 UF):
// - the target has a tcp route (or is a service without a VirtualService) on a port not declared
//   HTTP/2: the upstream is connected first and the tunnel answered 200 only then; an upstream
//   that speaks first (MySQL, SMTP) is spliced at once; an HTTP client's unused upstream
//   connection is dropped;
// - the same on a port declared HTTP2, GRPC or GRPC-WEB: 200 at once and sniff; only a client
//   that turns out not to speak HTTP gets an upstream connection (a failure closes the tunnel);
// - the target is only routable at L7 (a VirtualService with http routes only): 200 at once,
//   and a client that turns out not to speak HTTP is closed (NR);
// - neither: 404 NR.
// A client silent for sniffTimeoutMs is spliced as TCP (it waits for the server to speak).
import type { RequestTelemetry } from '../telemetry/propagation.js';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { InboundListener } from '@mesh/proto';
import { isPassthroughLb, parseDuration, route, routeL4 } from '@mesh/rules';
import type { ProxyTable, RuntimeCluster } from '../config/types.js';
import { createH2Outbound, type H2Outbound } from '../h2/outbound.js';
import type { H2Limits } from '../h2/server.js';
import type { AccessLogger } from '../http/access-log.js';
import { servesHttp1 } from '../http/server.js';
import type { ActiveRequests } from '../upstream/active-requests.js';
import type { UpstreamPools } from '../upstream/pools.js';
import { originalDestinationOf } from '../upstream/original-destination.js';
import { sniff, type SniffResult } from './sniff.js';
import { dialUpstream, upstreamTlsOf } from '../upstream/tls-origination.js';

/** What the tunnel handler reads of a CONNECT request (node:http's IncomingMessage or ours). */
export interface ConnectRequest {
  readonly url?: string | undefined;
  readonly socket: Socket;
}

/** One line per TCP connection, like Envoy's TCP access log. */
export interface TcpLogEntry {
  start_time: string;
  direction: 'outbound' | 'inbound' | 'gateway';
  authority: string;
  /**
   * What the tunnel carried: `tcp` (spliced), `http/1.1` or `h2c` (served at L7; each request
   * has its own access-log line).
   */
  protocol: 'tcp' | 'http/1.1' | 'h2c';
  upstream_host: string | null;
  upstream_cluster: string | null;
  response_flags: string;
  reason: string | null;
  bytes_received: number;
  bytes_sent: number;
  duration: number;
  /** The SNI a PASSTHROUGH gateway port routed by (Istio's field name); absent elsewhere. */
  requested_server_name?: string;
}

/**
 * Gets each TCP connection's log entry when the connection ends; `opened`, when present, gets it
 * when the connection is spliced to its upstream (for telemetry's periodic TCP reports).
 */
export type TcpLogger = ((entry: TcpLogEntry) => void) & {
  readonly opened?: (entry: TcpLogEntry) => void;
};

export interface TunnelOptions {
  table: () => ProxyTable;
  node: { namespace: string; labels: Readonly<Record<string, string>> };
  active: ActiveRequests;
  log: TcpLogger;
  rng?: () => number;
  /** Connect timeout when the cluster sets none (Istio's default is 10 s). */
  connectTimeoutMs?: number;
  /** How long to wait for the client's first bytes before splicing as TCP (default 1 s). */
  sniffTimeoutMs?: number;
  /**
   * Serves an HTTP/1.1 connection found in a tunnel. Default: the HTTP server that accepted the
   * CONNECT (the outbound forward proxy), which routes origin-form requests by Host.
   */
  http1?: (socket: Duplex) => void;
  /** Access log for the HTTP/2 requests tunnels carry (one line per stream). */
  httpLog?: AccessLogger;
  /** For the h2c requests tunnels carry: peer header and trace spans. */
  telemetry?: RequestTelemetry;
  /** Shared HTTP/1.1 pools for h2 requests forwarded to HTTP/1.1 ports. */
  pools?: UpstreamPools;
  h2Limits?: Partial<H2Limits>;
}

export type ConnectTunnelHandler = ((req: ConnectRequest, client: Duplex, head: Buffer) => void) & {
  /** Closes the h2c sessions tunnels carry (GOAWAY) and their upstream sessions. */
  close(): Promise<void>;
};

/** Service port protocols that promise HTTP/2 (Istio's protocol selection names). */
const H2_PORT_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP2', 'GRPC', 'GRPC-WEB']);

/** Handler for the HTTP server's 'connect' event. */
export function connectTunnelHandler(options: TunnelOptions): ConnectTunnelHandler {
  const rng = options.rng ?? Math.random;
  const sniffTimeoutMs = options.sniffTimeoutMs ?? 1000;
  let h2: H2Outbound | undefined;
  const h2Outbound = () =>
    (h2 ??= createH2Outbound({
      table: options.table,
      node: options.node,
      active: options.active,
      log: options.httpLog ?? (() => undefined),
      rng,
      ...(options.pools && { pools: options.pools }),
      ...(options.h2Limits && { limits: options.h2Limits }),
      ...(options.telemetry && { telemetry: options.telemetry }),
    }));

  const handler = (req: ConnectRequest, client: Duplex, head: Buffer): void => {
    const started = Date.now();
    const authority = req.url ?? '';
    const entry = tcpLogEntry(started, 'outbound', authority);
    let logged = false;
    const finish = () => {
      if (logged) return;
      logged = true;
      entry.duration = Date.now() - started;
      options.log(entry);
    };
    const refuse = (status: number, flag: string, reason: string) => {
      entry.response_flags = flag;
      entry.reason = reason;
      client.end(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
          `x-mesh-error: ${flag} ${reason}\r\ncontent-type: text/plain\r\n` +
          `content-length: ${Buffer.byteLength(reason) + 1}\r\nconnection: close\r\n\r\n${reason}\n`,
      );
      finish();
    };
    client.on('error', () => undefined);
    const established = () => client.write('HTTP/1.1 200 Connection Established\r\n\r\n');

    const target = parseAuthority(authority);
    if (!target) return refuse(400, 'DPE', `CONNECT target "${authority}" is not host:port`);
    const table = options.table();

    // Hands the tunnel to an L7 server; the log line says so and is written when it closes.
    const serveL7 = (protocol: 'h2c' | 'http1', buffered: number) => {
      entry.protocol = protocol === 'h2c' ? 'h2c' : 'http/1.1';
      entry.upstream_host = null;
      entry.upstream_cluster = null;
      const socket = client as Partial<Socket>;
      const readBase = (socket.bytesRead ?? 0) - buffered;
      const writtenBase = socket.bytesWritten ?? 0;
      client.once('close', () => {
        entry.bytes_received = Math.max(0, (socket.bytesRead ?? 0) - readBase);
        entry.bytes_sent = Math.max(0, (socket.bytesWritten ?? 0) - writtenBase);
        finish();
      });
      if (protocol === 'h2c') {
        h2Outbound().accept(client, target);
        return;
      }
      const http1 = options.http1 ?? defaultHttp1(req);
      if (!http1) {
        entry.response_flags = 'NR';
        entry.reason = 'HTTP/1.1 in a CONNECT tunnel, but no HTTP server to serve it';
        client.destroy();
        return;
      }
      http1(client);
      client.resume();
    };

    const l4 = routeL4(
      table.compiled,
      {
        host: target.host,
        port: target.port,
        protocol: 'tcp',
        sourceLabels: options.node.labels,
        sourceNamespace: options.node.namespace,
      },
      rng,
    );
    if (l4.action !== 'forward') {
      // No tcp route: the tunnel is only of use to HTTP clients, if the host routes at L7.
      const l7 = route(
        table.compiled,
        {
          authority: `${target.host}:${target.port}`,
          port: target.port,
          method: 'GET',
          path: '/',
          scheme: 'http',
          sourceLabels: options.node.labels,
          sourceNamespace: options.node.namespace,
        },
        rng,
      );
      if (
        l7.action === 'no-route' &&
        (l7.reason === 'no-virtual-host' || l7.reason === 'unknown-gateway')
      )
        return refuse(404, 'NR', l4.message);
      established();
      void sniff(client, { head, timeoutMs: sniffTimeoutMs }).then((result) => {
        if (result.protocol !== 'tcp' && !result.ended)
          return serveL7(result.protocol, head.length);
        entry.response_flags = 'NR';
        entry.reason = `${l4.message}; the client did not speak HTTP (${describe(result)})`;
        client.destroy();
        finish();
      });
      return;
    }

    const clusterName = l4.destination.cluster;
    entry.upstream_cluster = clusterName;
    const cluster = table.clusters.get(clusterName);
    if (!cluster) return refuse(503, 'NC', `no cluster ${clusterName} in the proxy's config`);
    /** The rest of the tunnel once its upstream endpoint is known. */
    const forwardTo = (endpointId: string): void => {
      entry.upstream_host = endpointId;
      const timeoutMs =
        connectTimeoutOf(cluster.body.trafficPolicy) ?? options.connectTimeoutMs ?? 10_000;
      /** Connects to the endpoint; `onFailed` gets the reason when it cannot. */
      const connectUpstream = (
        onConnected: (upstream: Socket) => void,
        onFailed: (reason: string) => void,
      ) =>
        dialEndpoint(endpointId, cluster, timeoutMs, options.active, {
          onConnected,
          onFailed,
          onClosed: (connected) => {
            if (connected && entry.protocol === 'tcp') finish();
          },
        });
      const spliceSniffed = (upstream: Socket, result: SniffResult) => {
        if (result.ended) {
          entry.bytes_received += result.ended.length;
          upstream.end(result.ended);
        }
        splice(client, upstream, entry);
        options.log.opened?.(entry);
      };

      if (H2_PORT_PROTOCOLS.has((cluster.body.port.protocol ?? '').toUpperCase())) {
        // A port declared HTTP/2 or gRPC: expect h2c and sniff first; connect only for TCP.
        established();
        void sniff(client, { head, timeoutMs: sniffTimeoutMs }).then((result) => {
          if (result.protocol !== 'tcp' && !result.ended)
            return serveL7(result.protocol, head.length);
          connectUpstream(
            (upstream) => spliceSniffed(upstream, result),
            (reason) => {
              entry.response_flags = 'UF';
              entry.reason = reason;
              client.destroy();
              finish();
            },
          );
        });
        return;
      }
      // Otherwise connect first, so a dead endpoint is a 503 on the CONNECT, as for plain TCP.
      connectUpstream(
        (upstream) => {
          established();
          void sniff(client, { head, timeoutMs: sniffTimeoutMs, upstream }).then((result) => {
            if (upstream.destroyed) {
              // The endpoint went away while the client had not spoken yet.
              client.destroy();
              return;
            }
            if (result.protocol !== 'tcp' && !result.ended) {
              serveL7(result.protocol, head.length);
              upstream.destroy();
              return;
            }
            spliceSniffed(upstream, result);
          });
        },
        (reason) => refuse(503, 'UF', reason),
      );
    };

    if (isPassthroughLb(cluster.balancer)) {
      // PASSTHROUGH: the CONNECT target itself is the original destination.
      void originalDestinationOf(authority, cluster.body.port.number ?? 80).then((original) =>
        'error' in original
          ? refuse(
              503,
              'UH',
              `no healthy upstream for ${l4.destination.host}: PASSTHROUGH load balancer: ${original.error}`,
            )
          : forwardTo(original.id),
      );
      return;
    }
    const endpoint = cluster.balancer.pick({ rng, activeRequestsOf: options.active.of });
    if (!endpoint) {
      const ready = cluster.endpoints.filter((e) => e.ready).length;
      return refuse(
        503,
        'UH',
        `no healthy upstream for ${l4.destination.host}${l4.destination.subset ? ` subset ${l4.destination.subset}` : ''}: ${cluster.endpoints.length} endpoints, ${ready} ready`,
      );
    }
    forwardTo(endpoint.id);
  };
  return Object.assign(handler, {
    close: async () => {
      await h2?.close();
    },
  });
}

/** The HTTP server that accepted the CONNECT, when it serves requests (the forward proxy). */
function defaultHttp1(req: ConnectRequest): ((socket: Duplex) => void) | undefined {
  const server = (req.socket as Socket & { server?: Server }).server;
  if (!server || !servesHttp1(server)) return undefined;
  return (socket) => server.emit('connection', socket);
}

function describe(result: SniffResult): string {
  switch (result.cause) {
    case 'timeout':
      return 'nothing recognisable within the sniff timeout';
    case 'closed':
      return 'it closed the tunnel';
    default:
      return 'its first bytes are not an HTTP request';
  }
}

/** A TCP inbound listener: mesh connections spliced to the app on 127.0.0.1:targetPort. */
export function createTcpInboundServer(
  listener: InboundListener,
  log: TcpLogger,
  appAddress = '127.0.0.1',
): Server {
  return createServer((client) => {
    const started = Date.now();
    const app = `${appAddress}:${listener.targetPort}`;
    const entry = tcpLogEntry(started, 'inbound', app);
    entry.upstream_host = app;
    entry.upstream_cluster = listener.cluster;
    client.on('error', () => undefined);
    const upstream = connect({ host: appAddress, port: listener.targetPort });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      splice(client, upstream, entry);
      log.opened?.(entry);
    });
    upstream.once('error', (err) => {
      if (connected) return;
      entry.response_flags = 'UF';
      entry.reason = `app not reachable at ${app}: ${err.message}`;
      client.destroy();
    });
    upstream.once('close', () => {
      entry.duration = Date.now() - started;
      log(entry);
    });
  });
}

/** A log line for a connection that started at `started` (epoch ms), nothing known yet. */
export function tcpLogEntry(
  started: number,
  direction: TcpLogEntry['direction'],
  authority: string,
): TcpLogEntry {
  return {
    start_time: new Date(started).toISOString(),
    direction,
    authority,
    protocol: 'tcp',
    upstream_host: null,
    upstream_cluster: null,
    response_flags: '-',
    reason: null,
    bytes_received: 0,
    bytes_sent: 0,
    duration: 0,
  };
}

export function splice(client: Duplex, upstream: Socket, entry: TcpLogEntry): void {
  client.on('data', (d: Buffer) => (entry.bytes_received += d.length));
  upstream.on('data', (d: Buffer) => (entry.bytes_sent += d.length));
  client.pipe(upstream);
  upstream.pipe(client);
  // Half-close is forwarded by pipe (end); a reset on either side tears down both.
  client.once('close', () => upstream.destroy());
  upstream.once('close', () => client.destroy());
  upstream.on('error', () => client.destroy());
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  503: 'Service Unavailable',
};

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(authority);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

export function splitId(id: string): [string, number] {
  const i = id.lastIndexOf(':');
  return [id.slice(0, i).replace(/^\[|\]$/g, ''), Number(id.slice(i + 1))];
}

export function connectTimeoutOf(policy: {
  connectionPool?: { tcp?: { connectTimeout?: string } };
}): number | undefined {
  const text = policy.connectionPool?.tcp?.connectTimeout;
  return text ? parseDuration(text) : undefined;
}

/**
 * Connects to one endpoint of `cluster`, with TLS when its DestinationRule asks for it
 * (dialUpstream), giving up after `timeoutMs`, and counts the connection in flight until it
 * closes. Exactly one of onConnected / onFailed (the reason, for the log and the reply) is called;
 * onClosed when the socket closes, saying whether it had connected.
 */
export function dialEndpoint(
  endpointId: string,
  cluster: RuntimeCluster,
  timeoutMs: number,
  active: ActiveRequests,
  handlers: {
    onConnected(upstream: Socket): void;
    onFailed(reason: string): void;
    onClosed?(connected: boolean): void;
  },
): void {
  const failed = (message: string) =>
    handlers.onFailed(`upstream connect error to ${endpointId} (${cluster.name}): ${message}`);
  const [address, port] = splitId(endpointId);
  let dialed: ReturnType<typeof dialUpstream>;
  try {
    dialed = dialUpstream(
      address,
      port,
      upstreamTlsOf(cluster.body.trafficPolicy, cluster.body.host),
    );
  } catch (err) {
    failed((err as Error).message);
    return;
  }
  active.acquire(endpointId);
  const upstream = dialed.socket;
  const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), timeoutMs);
  let connected = false;
  upstream.once(dialed.connectEvent, () => {
    connected = true;
    clearTimeout(timer);
    handlers.onConnected(upstream);
  });
  upstream.once('close', () => {
    clearTimeout(timer);
    active.release(endpointId);
    handlers.onClosed?.(connected);
  });
  upstream.once('error', (err) => {
    if (!connected) failed(err.message);
  });
}
