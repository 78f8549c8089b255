// The proxy's side of ProxyHealthSource: what telemetry reads at each scrape (open connections
// per listener, each cluster's connections, requests, queue and ejections, the control-plane
// link, the config generation and NACKs). Read from the same views the admin pages show, so a
// metric and /clusters never disagree.
import type { Server } from 'node:net';
import type { ClusterHealth, ListenerHealth, ProxyHealthSource } from '@mesh/telemetry/events';
import type { ProxyTable } from '../config/types.js';
import { clusterHealthView } from '../upstream/index.js';
import type { ActiveRequests } from '../upstream/active-requests.js';
import type { UpstreamPools } from '../upstream/pools.js';

const openConnections = new WeakMap<Server, { count: number }>();

/** Counts the server's open downstream connections from now on. */
export function trackConnections(server: Server): void {
  if (openConnections.has(server)) return;
  const counter = { count: 0 };
  openConnections.set(server, counter);
  server.on('connection', (socket) => {
    counter.count++;
    socket.once('close', () => counter.count--);
  });
}

export interface HealthSourceDeps {
  /** Listening servers with the address they are bound to. */
  readonly listeners: () => Iterable<{
    readonly host: string;
    readonly port: number;
    readonly server: Server;
  }>;
  readonly table: () => ProxyTable;
  readonly active: ActiveRequests;
  readonly pools: UpstreamPools;
  readonly connected: () => boolean;
  readonly rejections: () => ReadonlyMap<string, number>;
}

export function proxyHealthSource(deps: HealthSourceDeps): ProxyHealthSource {
  return {
    *listeners(): Iterable<ListenerHealth> {
      for (const l of deps.listeners()) {
        yield {
          address: `${l.host}_${l.port}`,
          activeConnections: openConnections.get(l.server)?.count ?? 0,
        };
      }
    },
    *clusters(): Iterable<ClusterHealth> {
      for (const c of clusterHealthView(deps.table(), deps.active, deps.pools)) {
        let connections = 0;
        for (const e of c.endpoints) connections += e.openConnections ?? 0;
        yield {
          name: c.name,
          activeConnections: connections,
          activeRequests: c.circuitBreakers.activeRequests,
          pendingRequests: c.circuitBreakers.pendingRequests,
          ejectedEndpoints: c.outlierDetection?.ejectedEndpoints ?? 0,
        };
      }
    },
    controlPlaneConnected: deps.connected,
    configGeneration: () => deps.table().generation,
    *configRejections() {
      for (const [type, count] of deps.rejections()) yield { type, count };
    },
  };
}
