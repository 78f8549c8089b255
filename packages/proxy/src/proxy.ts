// One sidecar, wired: discovery -> config state -> immutable tables -> listeners, plus the admin
// and health ports. Inbound listeners follow the config (the control plane says which ports this
// workload serves); the outbound listener is always there.
import type { Server as HttpServer, RequestListener } from 'node:http';
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { GatewayListener, InboundListener, ProxyNode } from '@mesh/proto';
import type { ProxyHealthSource } from '@mesh/telemetry/events';
import {
  createAdminServer,
  createHealthServer,
  createStatsServer,
  type LogLevel,
} from './admin/admin-server.js';
import { proxyHealthSource, trackConnections } from './telemetry/health-source.js';
import { selfPeer } from './telemetry/peer-header.js';
import { requestTelemetry, type TracingSettings } from './telemetry/propagation.js';
import { createRequestRecorder, type AccessLogSink } from './telemetry/request-recorder.js';
import { createTcpReporter } from './telemetry/tcp-events.js';
import { ConfigState } from './config/config-state.js';
import type { ProxyTable } from './config/types.js';
import { startDiscovery, type Discovery } from './discovery/discovery-client.js';
import { createH2InboundServer } from './h2/index.js';
import { clusterHealthView } from './upstream/index.js';
import {
  inboundUpgradeHandler,
  outboundUpgradeHandler,
  type UpgradeLogEntry,
} from './upgrade/websocket.js';
import { createTcpGatewayServer, passesTlsThrough } from './tcp/tcp-gateway.js';
import { createHttpsGatewayServer, httpsRedirectOf, terminatesTls } from './tls/https-gateway.js';
import {
  connectTunnelHandler,
  createTcpInboundServer,
  type TcpLogEntry,
  type TcpLogger,
} from './tcp/tcp-proxy.js';
import {
  ActiveRequests,
  createInboundServer,
  createOutboundServer,
  createUpstreamPools,
  MirrorStats,
  originOf,
} from './http/index.js';

export interface ProxyOptions {
  controlPlane: string;
  node: ProxyNode;
  bindAddress: string;
  outboundPort: number;
  adminPort: number;
  healthPort: number;
  drainSeconds: number;
  /** Gateway server port -> the port to bind for it (Gateways say 80; a user may not bind it). */
  gatewayPorts?: ReadonlyMap<number, number>;
  /**
   * One JSON access-log line per request (no trailing newline), or written into the log's batch
   * buffer when the sink has `append`; absent: no access log.
   */
  accessLog?: AccessLogSink;
  /** Trace spans and propagation; absent: tracing is off and trace headers pass untouched. */
  tracing?: TracingSettings;
  /**
   * The process's metrics (it owns the SDK): given this proxy's health, the handler that answers
   * `/stats/prometheus` on the admin port and on `statsPort`. Absent: no metrics.
   */
  metrics?: (health: ProxyHealthSource) => RequestListener;
  /** Envoy's Prometheus port (15090); absent: metrics only on the admin port. */
  statsPort?: number;
  log(line: string): void;
}

export interface RunningProxy {
  readonly outboundPort: number;
  readonly adminPort: number;
  readonly healthPort: number;
  /** The Prometheus port, when one is bound. */
  readonly statsPort: number | undefined;
  readonly state: ConfigState;
  /** Bound inbound listeners: service port -> local bind port. */
  inboundPorts(): ReadonlyMap<number, number>;
  /** Stop accepting, let in-flight requests finish within the drain period, then close. */
  drain(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  let logLevel: LogLevel = 'info';
  const log = (line: string) => options.log(line);
  const state = new ConfigState({
    log,
    proxyLocality: options.node.locality,
    proxyLabels: options.node.labels,
  });
  const pools = createUpstreamPools();
  const active = new ActiveRequests();
  const write = options.accessLog;
  const self = selfPeer(options.node);
  // The access log when on, and the metrics and spans of whoever subscribed, per request.
  const accessLog = createRequestRecorder({ self, accessLog: write });
  const telemetry = requestTelemetry(self, options.tracing);
  let node: ProxyNode = options.node;
  let draining = false;

  const mirrorStats = new MirrorStats();
  const outbound = createOutboundServer({
    table: () => state.current(),
    node: { namespace: node.namespace, labels: node.labels },
    log: accessLog,
    pools,
    active,
    mirrorStats,
    warn: log,
    telemetry,
  });
  const tcpReporter = createTcpReporter(self, () => state.current());
  const tcpLog: TcpLogger = Object.assign(
    (entry: TcpLogEntry) => {
      write?.(JSON.stringify(entry));
      tcpReporter.closed(entry);
    },
    { opened: (entry: TcpLogEntry) => tcpReporter.opened(entry) },
  );
  // CONNECT tunnels: HTTP/1.1 and h2c (gRPC clients with grpc_proxy) inside are routed at L7,
  // anything else by the VirtualService's tcp routes.
  const tunnels = connectTunnelHandler({
    table: () => state.current(),
    node: { namespace: node.namespace, labels: node.labels },
    active,
    log: tcpLog,
    httpLog: accessLog,
    pools,
    telemetry,
  });
  outbound.on('connect', tunnels);
  const upgradeLog = (entry: UpgradeLogEntry) => write?.(JSON.stringify(entry));
  // WebSocket and other Upgrade requests: routed like any request, then spliced.
  outbound.on(
    'upgrade',
    outboundUpgradeHandler({
      table: () => state.current(),
      node: { namespace: node.namespace, labels: node.labels },
      active,
      log: upgradeLog,
    }),
  );
  trackConnections(outbound);
  const outboundPort = await listen(outbound, options.outboundPort, options.bindAddress);

  // Inbound listeners by name; replaced when the listener body changes.
  const inbound = new Map<
    string,
    { body: InboundListener | GatewayListener; server: Server; port: number }
  >();
  const unservedGateways = new Set<string>();
  const syncInbound = async (table: ProxyTable) => {
    const wanted = new Map<string, InboundListener | GatewayListener>();
    for (const [name, { body }] of table.held.listeners.resources) {
      if (body.direction === 'inbound') wanted.set(name, body);
      else if (body.direction === 'gateway') {
        if (
          body.protocol === 'HTTP' ||
          body.protocol === 'HTTP2' ||
          body.protocol === 'TCP' ||
          (body.protocol === 'HTTPS' && terminatesTls(body)) ||
          (body.protocol === 'TLS' && passesTlsThrough(body))
        )
          wanted.set(name, body);
        else if (!unservedGateways.has(name)) {
          // Serving plaintext on a port a Gateway declares TLS would mislead every client.
          unservedGateways.add(name);
          log(
            `gateway listener ${name}: protocol ${body.protocol} is served only with tls.mode PASSTHROUGH (TLS ports) or SIMPLE/MUTUAL with certificate files (HTTPS ports)`,
          );
        }
      }
    }
    for (const [name, l] of inbound) {
      const next = wanted.get(name);
      if (next && JSON.stringify(next) === JSON.stringify(l.body)) continue;
      inbound.delete(name);
      l.server.close();
    }
    for (const [name, body] of wanted) {
      if (inbound.has(name)) continue;
      if (body.direction === 'gateway') {
        // A gateway port routes with its Gateway's VirtualServices (HTTP) or their tcp routes
        // (TCP); in the local mesh Gateway ports (80) are mapped to unprivileged ones
        // (--gateway-ports 80:8080).
        const routing = {
          table: () => state.current(),
          node: {
            namespace: node.namespace,
            labels: node.labels,
            gateway: body.servers[0]?.gateway ?? '',
          },
        };
        let server: Server | undefined;
        // TLS (PASSTHROUGH) ports route by SNI and splice, as TCP ports route and splice.
        if (body.protocol === 'TCP' || body.protocol === 'TLS')
          server = createTcpGatewayServer(body, { ...routing, active, log: tcpLog });
        else {
          const http = createOutboundServer({
            ...routing,
            log: accessLog,
            pools,
            active,
            mirrorStats,
            warn: log,
            telemetry,
            ...(body.protocol === 'HTTP' && { httpsRedirect: httpsRedirectOf(body) }),
          });
          // HTTPS: TLS is terminated in front of the same HTTP routing.
          server =
            body.protocol === 'HTTPS'
              ? createHttpsGatewayServer(body, http, (m) => log(`${name}: ${m}`))
              : http;
        }
        if (!server) {
          log(`${name}: no server on port ${body.port} can be served; not listening`);
          continue;
        }
        const bindPort = options.gatewayPorts?.get(body.port) ?? body.port;
        try {
          trackConnections(server);
          const port = await listen(server, bindPort, options.bindAddress);
          inbound.set(name, { body, server, port });
          log(
            `${name} (${body.servers.map((s) => s.gateway).join(', ')}) listening on ${options.bindAddress}:${port}`,
          );
        } catch (err) {
          log(
            `cannot listen for ${name} on ${options.bindAddress}:${bindPort}: ${(err as Error).message}`,
          );
        }
        continue;
      }
      const server =
        body.protocol === 'TCP'
          ? createTcpInboundServer(body, tcpLog)
          : body.protocol === 'HTTP2' || body.protocol === 'GRPC'
            ? createH2InboundServer(body, accessLog, { pools, telemetry })
            : createInboundServer({ listener: body, log: accessLog, pools, telemetry }).on(
                'upgrade',
                inboundUpgradeHandler(body.targetPort, upgradeLog),
              );
      try {
        trackConnections(server);
        const port = await listen(server, body.bindPort, options.bindAddress);
        inbound.set(name, { body, server, port });
      } catch (err) {
        log(
          `cannot listen for ${name} on ${options.bindAddress}:${body.bindPort}: ${(err as Error).message}`,
        );
      }
    }
  };

  let discovery: Discovery | undefined = undefined;
  const readiness = () => {
    if (draining) return { ready: false, reason: 'draining' };
    if (!state.ready) return { ready: false, reason: state.readinessReason() };
    return { ready: true, reason: state.readinessReason() };
  };
  state.onTable((table) => {
    // Endpoints that left the config: close their pools once their requests are done.
    const origins = new Set<string>();
    for (const c of table.clusters.values()) {
      for (const e of c.endpoints) origins.add(originOf(e.address, e.port));
    }
    pools.retain(origins);
    // Circuit breakers and outlier detectors of clusters that left the config go with them.
    active.retainClusters(new Set(table.clusters.keys()));
    void syncInbound(table).then(() => {
      // Ready once the first complete config is in and the inbound ports accept traffic.
      if (state.ready && !node.ready && !draining) {
        node = { ...node, ready: true };
        discovery?.setNode(node);
        log(
          `ready: config generation ${table.generation}, inbound ports ${[...inbound.values()].map((l) => l.port).join(', ') || 'none'}`,
        );
      }
    });
  });

  const prometheus = options.metrics?.(
    proxyHealthSource({
      listeners: () => [
        { host: options.bindAddress, port: outboundPort, server: outbound },
        ...[...inbound.values()].map((l) => ({
          host: options.bindAddress,
          port: l.port,
          server: l.server,
        })),
      ],
      table: () => state.current(),
      active,
      pools,
      connected: () => discovery?.connected ?? false,
      rejections: () => discovery?.rejections ?? new Map(),
    }),
  );
  const admin = createAdminServer({
    configDump: () => configDump(state.current()),
    clusters: () => clusterHealthView(state.current(), active, pools),
    stats: () => ({
      'server.config_generation': state.current().generation,
      'server.ready': state.ready ? 1 : 0,
      'control_plane.connected_state': discovery?.connected ? 1 : 0,
      'listener.inbound.count': inbound.size,
      ...mirrorStats.counters(),
    }),
    readiness,
    drain: () => void running.drain(),
    logLevel: () => logLevel,
    setLogLevel: (level) => {
      logLevel = level;
    },
    ...(prometheus && { prometheus }),
  });
  // The admin port shows everything the proxy holds: loopback only, whatever --bind says.
  const adminPort = await listen(admin, options.adminPort, '127.0.0.1');
  const health = createHealthServer(readiness);
  const healthPort = await listen(health, options.healthPort, options.bindAddress);
  const stats =
    prometheus && options.statsPort !== undefined ? createStatsServer(prometheus) : undefined;
  let statsPort: number | undefined;
  if (stats) {
    try {
      statsPort = await listen(stats, options.statsPort!, options.bindAddress);
    } catch (err) {
      // The admin port serves the same page: a taken 15090 costs a scrape target, not the proxy.
      log(
        `cannot listen for metrics on ${options.bindAddress}:${options.statsPort}: ${(err as Error).message}; /stats/prometheus stays on the admin port`,
      );
    }
  }

  discovery = startDiscovery({ address: options.controlPlane, node: () => node, state, log });

  const running: RunningProxy = {
    outboundPort,
    adminPort,
    healthPort,
    statsPort,
    state,
    inboundPorts: () => new Map([...inbound.values()].map((l) => [l.body.port, l.port])),
    async drain() {
      if (draining) return;
      draining = true;
      log(`draining: finishing in-flight requests for up to ${options.drainSeconds} s`);
      node = { ...node, ready: false };
      discovery?.setNode(node);
      const servers = [outbound, ...[...inbound.values()].map((l) => l.server)];
      const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      // HTTP servers can drop idle keep-alive connections now; TCP ones wait for their peers.
      const http = servers.filter((s): s is HttpServer => 'closeIdleConnections' in s);
      for (const s of http) s.closeIdleConnections();
      await Promise.race([closed, new Promise((r) => setTimeout(r, options.drainSeconds * 1000))]);
      for (const s of http) s.closeAllConnections();
      discovery?.close();
      await tunnels.close();
      await pools.close();
      admin.close();
      health.close();
      stats?.close();
      tcpReporter.stop();
      admin.closeAllConnections();
      health.closeAllConnections();
      stats?.closeAllConnections();
    },
  };
  return running;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function configDump(table: ProxyTable): unknown {
  const dump = <T>(s: {
    version: string;
    resources: ReadonlyMap<string, { version: string; body: T }>;
  }) => ({
    version: s.version,
    resources: [...s.resources].map(([name, r]) => ({ name, version: r.version, body: r.body })),
  });
  return {
    generation: table.generation,
    listeners: dump(table.held.listeners),
    routes: dump(table.held.routes),
    clusters: dump(table.held.clusters),
    endpoints: dump(table.held.endpoints),
  };
}
