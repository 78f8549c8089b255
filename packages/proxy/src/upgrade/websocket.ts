// WebSocket (and other HTTP/1.1 Upgrade) requests. Envoy routes the upgrade request like any
// other (Istio enables websocket upgrades on every route) and then splices the two connections;
// the same here: route() picks the cluster, the upgrade request goes to an endpoint as written
// (after rewrites), and after the 101 the proxy only copies bytes.
import { PEER_HEADER } from '../telemetry/peer-header.js';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { route } from '@mesh/rules';
import type { ProxyTable } from '../config/types.js';
import type { ActiveRequests } from '../upstream/active-requests.js';
import { dialUpstream, upstreamTlsOf } from '../upstream/tls-origination.js';

export interface UpgradeLogEntry {
  start_time: string;
  direction: 'outbound' | 'inbound';
  method: string;
  authority: string;
  path: string;
  upgrade: string;
  response_flags: string;
  reason: string | null;
  upstream_host: string | null;
  upstream_cluster: string | null;
  duration: number;
}

export interface OutboundUpgradeOptions {
  table: () => ProxyTable;
  node: { namespace: string; labels: Readonly<Record<string, string>> };
  active: ActiveRequests;
  log(entry: UpgradeLogEntry): void;
  rng?: () => number;
}

/** Handler for the outbound HTTP server's 'upgrade' event. */
export function outboundUpgradeHandler(options: OutboundUpgradeOptions) {
  const rng = options.rng ?? Math.random;
  return (req: IncomingMessage, client: Duplex, head: Buffer): void => {
    client.on('error', () => undefined);
    const target = targetOf(req);
    const entry = logEntry('outbound', req, target.authority, target.path);
    const refuse = (status: number, flag: string, reason: string) => {
      entry.response_flags = flag;
      entry.reason = reason;
      localReply(client, status, flag, reason);
      finish(entry, options.log);
    };
    const table = options.table();
    const decision = route(
      table.compiled,
      {
        authority: target.authority,
        method: req.method ?? 'GET',
        path: target.path,
        scheme: 'http',
        headers: lowerHeaders(req),
        sourceLabels: options.node.labels,
        sourceNamespace: options.node.namespace,
      },
      rng,
    );
    if (decision.action === 'no-route') return refuse(404, 'NR', decision.message);
    if (decision.action !== 'forward') {
      return refuse(404, 'NR', `route ${decision.action} does not apply to an upgrade request`);
    }
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
        `no healthy upstream for ${decision.destination.host}: ${cluster.endpoints.length} endpoints, ${ready} ready`,
      );
    }
    entry.upstream_host = endpoint.id;
    const i = endpoint.id.lastIndexOf(':');
    let dialed: ReturnType<typeof dialUpstream>;
    try {
      // DestinationRule tls SIMPLE/MUTUAL: wss to the upstream on behalf of a ws client.
      dialed = dialUpstream(
        endpoint.id.slice(0, i).replace(/^\[|\]$/g, ''),
        Number(endpoint.id.slice(i + 1)),
        upstreamTlsOf(cluster.body.trafficPolicy, cluster.body.host),
      );
    } catch (err) {
      return refuse(
        503,
        'UF',
        `upstream connect error to ${endpoint.id} (${clusterName}): ${(err as Error).message}`,
      );
    }
    options.active.acquire(endpoint.id);
    const upstream = dialed.socket;
    let connected = false;
    upstream.once(dialed.connectEvent, () => {
      connected = true;
      upstream.write(requestHead(req, decision.path, decision.authority));
      if (head.length > 0) upstream.write(head);
      splice(client, upstream, () => {
        options.active.release(endpoint.id);
        finish(entry, options.log);
      });
    });
    upstream.once('error', (err) => {
      if (connected) return;
      options.active.release(endpoint.id);
      refuse(
        503,
        'UF',
        `upstream connect error to ${endpoint.id} (${clusterName}): ${err.message}`,
      );
    });
  };
}

/** Handler for an inbound HTTP server's 'upgrade' event: straight to the app. */
export function inboundUpgradeHandler(
  appPort: number,
  log: (entry: UpgradeLogEntry) => void,
  appAddress = '127.0.0.1',
) {
  return (req: IncomingMessage, client: Duplex, head: Buffer): void => {
    client.on('error', () => undefined);
    const entry = logEntry('inbound', req, req.headers.host ?? '', req.url ?? '/');
    entry.upstream_host = `${appAddress}:${appPort}`;
    const app = connect({ host: appAddress, port: appPort });
    let connected = false;
    app.once('connect', () => {
      connected = true;
      app.write(requestHead(req, req.url ?? '/', req.headers.host ?? ''));
      if (head.length > 0) app.write(head);
      splice(client, app, () => finish(entry, log));
    });
    app.once('error', (err) => {
      if (connected) return;
      entry.response_flags = 'UF';
      entry.reason = `app not reachable at ${appAddress}:${appPort}: ${err.message}`;
      localReply(client, 503, 'UF', entry.reason);
      finish(entry, log);
    });
  };
}

function targetOf(req: IncomingMessage): { authority: string; path: string } {
  const url = req.url ?? '/';
  if (/^[a-z]+:\/\//i.test(url)) {
    const u = new URL(url);
    return { authority: u.host, path: `${u.pathname}${u.search}` };
  }
  return { authority: req.headers.host ?? '', path: url };
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The upgrade request as the upstream must see it: origin-form, the routed authority. */
function requestHead(req: IncomingMessage, path: string, authority: string): string {
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (
      lower === 'host' ||
      lower === 'proxy-connection' ||
      lower === 'proxy-authorization' ||
      lower === PEER_HEADER
    )
      continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  lines.push(`Host: ${authority}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function splice(client: Duplex, upstream: Socket, done: () => void): void {
  client.pipe(upstream, { end: false });
  upstream.pipe(client, { end: false });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    client.destroy();
    upstream.destroy();
    done();
  };
  // HTTP server sockets allow half-open connections, so a FIN alone closes nothing: pass it on,
  // and once it is written, the exchange is over.
  client.once('end', () => upstream.end(end));
  upstream.once('end', () => client.end(end));
  client.once('close', end);
  upstream.once('close', end);
  upstream.on('error', end);
}

function localReply(client: Duplex, status: number, flag: string, reason: string): void {
  const text = status === 404 ? 'Not Found' : 'Service Unavailable';
  client.end(
    `HTTP/1.1 ${status} ${text}\r\nx-mesh-error: ${flag} ${reason}\r\ncontent-type: text/plain\r\n` +
      `content-length: ${Buffer.byteLength(reason) + 1}\r\nconnection: close\r\n\r\n${reason}\n`,
  );
}

function logEntry(
  direction: 'outbound' | 'inbound',
  req: IncomingMessage,
  authority: string,
  path: string,
): UpgradeLogEntry & { started: number } {
  return {
    started: Date.now(),
    start_time: new Date().toISOString(),
    direction,
    method: req.method ?? 'GET',
    authority,
    path,
    upgrade: String(req.headers.upgrade ?? ''),
    response_flags: '-',
    reason: null,
    upstream_host: null,
    upstream_cluster: null,
    duration: 0,
  };
}

function finish(
  entry: UpgradeLogEntry & { started?: number },
  log: (e: UpgradeLogEntry) => void,
): void {
  const { started, ...rest } = entry;
  log({ ...rest, duration: Date.now() - (started ?? Date.now()) });
}
