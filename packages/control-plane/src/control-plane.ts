// One control-plane replica: the world cache, the debounced pushes, the discovery and config
// services on one gRPC port, and health/metrics/debug on an HTTP port. Several replicas can
// share one etcd: each follows the store, so a change written through one reaches them all.
import type { Server as HttpServer } from 'node:http';
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { loadMeshProtos, type ProxyNode } from '@mesh/proto';
import { CONFIG_PREFIX, MESH_CONFIG_KEY, type ConfigStore } from '@mesh/store';
import type { bearerAuthorizer } from './auth.js';
import { createConfigServiceHandlers } from './config-api/index.js';
import { createDebouncer, DEFAULT_DEBOUNCE, type DebounceOptions } from './debounce.js';
import { DiscoveryServer } from './discovery.js';
import { createHttpServer, type Readiness } from './http-server.js';
import { Metrics } from './metrics.js';
import { peerStatus, replicaKey, type ReplicaRecord } from './peers.js';
import { PROXY_REGISTRY_PREFIX, registerLeased, type Registration } from './registry.js';
import type { ProxySnapshot, SnapshotOptions } from './model.js';
import { createSnapshotCache } from './snapshot-cache.js';
import { servicesOf } from './snapshot/index.js';
import { WatchLag } from './watch-lag.js';
import { World, type WorldChange } from './world.js';

export interface ControlPlaneOptions {
  store: ConfigStore;
  /** How the store is described in messages, e.g. "embedded store" or "etcd at http://...". */
  storeDescription: string;
  /** Replica name, e.g. "control-plane-0". */
  name: string;
  /** gRPC listen host and port (0 picks a free one). */
  grpcHost: string;
  grpcPort: number;
  httpHost: string;
  httpPort: number;
  /** The bearer token mutating config calls must carry. */
  authorize: ReturnType<typeof bearerAuthorizer>;
  debounce?: DebounceOptions;
  registryTtlSeconds?: number;
  maxConcurrentPushes?: number;
  /** How long one push write may take before that proxy is set aside (default 5 s). */
  writeTimeoutMs?: number;
  snapshot?: SnapshotOptions;
  /** How often the store is probed for /readyz while nothing else talks to it. */
  storeProbeMs?: number;
  log?(line: string): void;
}

export interface ControlPlane {
  readonly name: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly metrics: Metrics;
  readonly discovery: DiscoveryServer;
  readonly world: World;
  readiness(): Readiness;
  /** Resolves once the world has been loaded from the store. */
  loaded(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_REGISTRY_TTL_SECONDS = 15;
export const DEFAULT_MAX_CONCURRENT_PUSHES = 8;

/** istiod's push trigger reasons: config changes, and workload (endpoint) changes. */
const TRIGGER_REASON = { config: 'config', registry: 'endpoint' } as const;

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const log = options.log ?? (() => undefined);
  const metrics = new Metrics({ onError: (err) => log(`metrics: ${err.message}`) });
  let storeAvailable = true;
  let storeError = '';
  metrics.gaugeFrom('mesh_store_available', () => (storeAvailable ? 1 : 0));

  const snapshots = createSnapshotCache(options.snapshot ?? {});
  const debouncer = createDebouncer<WorldChange>(options.debounce ?? DEFAULT_DEBOUNCE, (burst) => {
    metrics.observe('pilot_debounce_time', burst.waitedMs / 1000);
    // As istiod: each change merged into the push counts, under its reason.
    const byArea = { config: 0, registry: 0 };
    // A loop, not Math.min(...events): a burst of 100k+ events would overflow the call stack.
    let firstSeen = Infinity;
    for (const e of burst.events) {
      byArea[e.area]++;
      firstSeen = Math.min(firstSeen, e.seenAt);
    }
    for (const area of ['config', 'registry'] as const) {
      if (byArea[area] > 0) {
        metrics.inc('pilot_push_triggers', { type: TRIGGER_REASON[area] }, byArea[area]);
      }
    }
    snapshots.invalidate();
    discovery.pushAll(firstSeen);
  });
  // This replica's own writes are timed until its watch applies them (watch-lag.ts).
  const watchLag: WatchLag = new WatchLag({
    areaOf: (key) =>
      key.startsWith(CONFIG_PREFIX)
        ? 'config'
        : key.startsWith(PROXY_REGISTRY_PREFIX)
          ? 'registry'
          : undefined,
    applied: (area) => world.appliedRevision(area),
    observe: (area, seconds) => metrics.observe('mesh_store_watch_lag_seconds', seconds, { area }),
  });
  const store = watchLag.wrap(options.store);
  const world: World = new World(store, {
    onChange: (change) => {
      watchLag.onApplied(change.area);
      debouncer.add(change);
    },
    onBadValue: (key, err) => log(`skipping unreadable value at ${key}: ${String(err)}`),
  });
  metrics.gaugeFrom('mesh_config_revision', () => world.revision);
  metrics.gaugeFrom('mesh_store_watch_revisions_behind', () => watchLag.revisionsBehind());

  const discovery: DiscoveryServer = new DiscoveryServer({
    store,
    metrics,
    name: options.name,
    // Before the first load the replica knows nothing; answering would wipe proxies' config.
    snapshotFor: (node: ProxyNode): ProxySnapshot | undefined =>
      world.loaded ? snapshots.get(world.configView(), world.registry(), node) : undefined,
    registryTtlSeconds: options.registryTtlSeconds ?? DEFAULT_REGISTRY_TTL_SECONDS,
    maxConcurrentPushes: options.maxConcurrentPushes ?? DEFAULT_MAX_CONCURRENT_PUSHES,
    writeTimeoutMs: options.writeTimeoutMs ?? 5000,
    log,
  });

  const protos = loadMeshProtos();
  const grpcServer = new grpc.Server({
    // Proxies hold their stream for hours; keepalives find dead peers behind NATs and crashes.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // Apply batches of a large config dir exceed gRPC's 4 MiB default.
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  grpcServer.addService(protos.DiscoveryService.service, discovery.handlers);
  grpcServer.addService(
    protos.ConfigService.service,
    createConfigServiceHandlers({
      store,
      authorize: options.authorize,
      proxyStatus: async () => [
        ...discovery.status(),
        ...(await peerStatus({ store, self: options.name, timeoutMs: 2000, log })),
      ],
      // Registry services are hosts too: routes to them are not "host not found".
      knownHosts: () => servicesOf(world.configView(), world.registry()).map((s) => s.host),
    }),
  );
  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpcServer.bindAsync(
      `${options.grpcHost}:${options.grpcPort}`,
      grpc.ServerCredentials.createInsecure(),
      (err, port) => (err ? reject(err) : resolve(port)),
    );
  });

  const readiness = (): Readiness => {
    const reasons: string[] = [];
    if (!world.loaded) reasons.push(`config not loaded yet from the ${options.storeDescription}`);
    if (!storeAvailable) {
      reasons.push(
        `the ${options.storeDescription} is unreachable (${storeError}): proxies are served the last known config, writes are refused until it is back`,
      );
    }
    return { ready: reasons.length === 0, reasons };
  };

  const http: HttpServer = createHttpServer({
    name: options.name,
    readiness,
    metrics: () => metrics.render(),
    debug: {
      syncz: () => discovery.status(),
      configz: () => world.configView().resources,
      registryz: () => world.registry().workloads,
      snapshotz: (q) => {
        const id = q.get('proxy') ?? '';
        const row = discovery.nodeOf(id);
        if (!row) return { error: `no proxy "${id}" is connected to ${options.name}` };
        return snapshots.get(world.configView(), world.registry(), row);
      },
    },
  });
  const httpPort = await new Promise<number>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort, options.httpHost, () => {
      const address = http.address();
      resolve(typeof address === 'object' && address ? address.port : options.httpPort);
    });
  });

  // Probing the store keeps /readyz honest while no write is failing to tell us.
  const probe = async () => {
    try {
      await store.get(MESH_CONFIG_KEY);
      if (!storeAvailable) log(`the ${options.storeDescription} is reachable again`);
      storeAvailable = true;
      storeError = '';
    } catch (err) {
      if (storeAvailable)
        log(`the ${options.storeDescription} is unreachable: ${(err as Error).message}`);
      storeAvailable = false;
      storeError = (err as Error).message;
    }
  };
  let probing = false;
  const probeTimer = setInterval(() => {
    if (probing) return;
    probing = true;
    void probe().finally(() => (probing = false));
  }, options.storeProbeMs ?? 2000);

  // Peers find this replica (for proxy-status) through a leased record, re-written if lost.
  const advertise =
    options.grpcHost === '0.0.0.0' || options.grpcHost === '::' ? hostname() : options.grpcHost;
  const replica: ReplicaRecord = {
    name: options.name,
    grpc: `${advertise}:${grpcPort}`,
    http: `${advertise}:${httpPort}`,
  };
  let replicaRegistration: Registration<ReplicaRecord> | undefined;
  let stopped = false;
  let registering: Promise<void> = Promise.resolve();
  const registerReplica = async (): Promise<void> => {
    for (let delay = 500; !stopped && !replicaRegistration; delay = Math.min(delay * 2, 5000)) {
      try {
        const registration = await registerLeased(store, replicaKey(options.name), replica, {
          ttlSeconds: options.registryTtlSeconds ?? DEFAULT_REGISTRY_TTL_SECONDS,
          onLost: () => {
            replicaRegistration = undefined;
            if (!stopped) registering = registering.then(registerReplica);
          },
        });
        // close() may have run while the lease was being granted: leave nothing behind.
        if (stopped) await registration.close().catch(() => undefined);
        else replicaRegistration = registration;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };
  registering = registerReplica();

  const loading = world.start().then(() => {
    if (world.loaded) {
      // Writes made while loading are in the list the world was loaded from.
      watchLag.onApplied('config');
      watchLag.onApplied('registry');
      log(`loaded ${world.configView().resources.length} resources at revision ${world.revision}`);
      discovery.pushAll(performance.now());
    }
  });

  let closing: Promise<void> | undefined;
  return {
    name: options.name,
    grpcPort,
    httpPort,
    metrics,
    discovery,
    world,
    readiness,
    loaded: () => loading,
    close: () =>
      (closing ??= (async () => {
        stopped = true;
        clearInterval(probeTimer);
        await registering;
        await replicaRegistration?.close().catch(() => undefined);
        debouncer.close();
        world.close();
        await discovery.close();
        await new Promise<void>((resolve) => {
          grpcServer.tryShutdown(() => resolve());
          setTimeout(() => {
            grpcServer.forceShutdown();
            resolve();
          }, 2000).unref();
        });
        await new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeAllConnections();
        await metrics.close();
      })()),
  };
}
