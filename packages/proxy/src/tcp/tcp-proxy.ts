// Plain TCP through the mesh. Outbound, an app opens a `CONNECT host:port` tunnel on the forward
// proxy (what HTTP_PROXY clients do for non-HTTP traffic); the proxy routes it with the
// VirtualService's tcp routes (weights, port matches) and splices the bytes to an endpoint.
// Inbound, a TCP listener splices mesh connections to the app's port.
import type { IncomingMessage } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { InboundListener } from '@mesh/proto';
import { parseDuration, routeL4 } from '@mesh/rules';
import type { ProxyTable } from '../config/types.js';
import type { ActiveRequests } from '../upstream/active-requests.js';

/** One line per TCP connection, like Envoy's TCP access log. */
export interface TcpLogEntry {
  start_time: string;
  direction: 'outbound' | 'inbound';
  authority: string;
  upstream_host: string | null;
  upstream_cluster: string | null;
  response_flags: string;
  reason: string | null;
  bytes_received: number;
  bytes_sent: number;
  duration: number;
}

export interface TunnelOptions {
  table: () => ProxyTable;
  node: { namespace: string; labels: Readonly<Record<string, string>> };
  active: ActiveRequests;
  log(entry: TcpLogEntry): void;
  rng?: () => number;
  /** Connect timeout when the cluster sets none (Istio's default is 10 s). */
  connectTimeoutMs?: number;
}

/** Handler for the HTTP server's 'connect' event. */
export function connectTunnelHandler(options: TunnelOptions) {
  const rng = options.rng ?? Math.random;
  return (req: IncomingMessage, client: Duplex, head: Buffer): void => {
    const started = Date.now();
    const authority = req.url ?? '';
    const entry: TcpLogEntry = {
      start_time: new Date(started).toISOString(),
      direction: 'outbound',
      authority,
      upstream_host: null,
      upstream_cluster: null,
      response_flags: '-',
      reason: null,
      bytes_received: 0,
      bytes_sent: 0,
      duration: 0,
    };
    const finish = () => {
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

    const target = parseAuthority(authority);
    if (!target) return refuse(400, 'DPE', `CONNECT target "${authority}" is not host:port`);
    const table = options.table();
    const decision = routeL4(
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
    if (decision.action !== 'forward') return refuse(404, 'NR', decision.message);
    const clusterName = decision.destination.cluster;
    entry.upstream_cluster = clusterName;
    const cluster = table.clusters.get(clusterName);
    if (!cluster) return refuse(503, 'NC', `no cluster ${clusterName} in the proxy's config`);
    const endpoint = cluster.balancer.pick({ rng, activeRequestsOf: options.active.of });
    if (!endpoint) {
      const ready = cluster.endpoints.filter((e) => e.ready).length;
      return refuse(
        503,
        'UH',
        `no healthy upstream for ${decision.destination.host}${decision.destination.subset ? ` subset ${decision.destination.subset}` : ''}: ${cluster.endpoints.length} endpoints, ${ready} ready`,
      );
    }
    entry.upstream_host = endpoint.id;
    const [address, port] = splitId(endpoint.id);
    const timeoutMs =
      connectTimeoutOf(cluster.body.trafficPolicy) ?? options.connectTimeoutMs ?? 10_000;
    options.active.acquire(endpoint.id);
    const upstream = connect({ host: address, port });
    const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), timeoutMs);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      splice(client, upstream, entry);
    });
    upstream.once('close', () => {
      clearTimeout(timer);
      options.active.release(endpoint.id);
      if (connected) finish();
    });
    upstream.once('error', (err) => {
      if (connected) return;
      refuse(
        503,
        'UF',
        `upstream connect error to ${endpoint.id} (${clusterName}): ${err.message}`,
      );
    });
  };
}

/** A TCP inbound listener: mesh connections spliced to the app on 127.0.0.1:targetPort. */
export function createTcpInboundServer(
  listener: InboundListener,
  log: (entry: TcpLogEntry) => void,
  appAddress = '127.0.0.1',
): Server {
  return createServer((client) => {
    const started = Date.now();
    const entry: TcpLogEntry = {
      start_time: new Date(started).toISOString(),
      direction: 'inbound',
      authority: `${appAddress}:${listener.targetPort}`,
      upstream_host: `${appAddress}:${listener.targetPort}`,
      upstream_cluster: listener.cluster,
      response_flags: '-',
      reason: null,
      bytes_received: 0,
      bytes_sent: 0,
      duration: 0,
    };
    client.on('error', () => undefined);
    const app = connect({ host: appAddress, port: listener.targetPort });
    let connected = false;
    app.once('connect', () => {
      connected = true;
      splice(client, app, entry);
    });
    app.once('error', (err) => {
      if (connected) return;
      entry.response_flags = 'UF';
      entry.reason = `app not reachable at ${appAddress}:${listener.targetPort}: ${err.message}`;
      client.destroy();
    });
    app.once('close', () => {
      entry.duration = Date.now() - started;
      log(entry);
    });
  });
}

function splice(client: Duplex, upstream: Socket, entry: TcpLogEntry): void {
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

function splitId(id: string): [string, number] {
  const i = id.lastIndexOf(':');
  return [id.slice(0, i).replace(/^\[|\]$/g, ''), Number(id.slice(i + 1))];
}

function connectTimeoutOf(policy: {
  connectionPool?: { tcp?: { connectTimeout?: string } };
}): number | undefined {
  const text = policy.connectionPool?.tcp?.connectTimeout;
  return text ? parseDuration(text) : undefined;
}
