// The discovery stream: one per proxy. Registers the proxy's workload, answers subscriptions,
// pushes each type in make-before-break order (clusters, endpoints, listeners, routes) whenever
// its content changes, and records ACKs and NACKs for proxy-status.
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  decodeDiscoveryRequest,
  encodeDiscoveryResponse,
  requestKind,
  TYPE_URLS,
  WireDecodeError,
  type DiscoveryRequest,
  type DiscoveryServiceHandlers,
  type ProxyNode,
  type ProxyStatusRow,
  type TypeUrl,
} from '@mesh/proto';
import type { ConfigStore } from '@mesh/store';
import type { Metrics } from './metrics.js';
import type { ProxySnapshot, TypeSnapshot } from './model.js';
import { registerWorkload, workloadRecord, type Registration } from './registry.js';
import {
  newTypeSync,
  planResponse,
  recordReply,
  recordSent,
  awaitingReply,
  retryRejected,
  syncState,
  type TypeSync,
} from './type-sync.js';

/** Clusters before the endpoints that fill them, listeners before the routes they name. */
export const PUSH_ORDER: readonly TypeUrl[] = [
  TYPE_URLS.clusters,
  TYPE_URLS.endpoints,
  TYPE_URLS.listeners,
  TYPE_URLS.routes,
];

const SUBSCRIBE_WINDOW_MS = 50;

type WireRequest = Parameters<typeof decodeDiscoveryRequest>[0];
type DiscoveryStreamCall = Parameters<DiscoveryServiceHandlers['Stream']>[0];

export interface DiscoveryOptions {
  store: ConfigStore;
  metrics: Metrics;
  /** This replica's name, shown in proxy-status and written into registry records. */
  name: string;
  /**
   * The snapshot for a proxy from the current world (pure; may be cached by the caller), or
   * undefined while the replica has no world to answer from: nothing is sent then.
   */
  snapshotFor(node: ProxyNode): ProxySnapshot | undefined;
  /** Registry lease TTL: how long a record outlives a replica that died. */
  registryTtlSeconds: number;
  /**
   * Proxies being pushed at once. Each push takes its own event-loop turn, so a round over
   * thousands of proxies lets their ACKs in between instead of starving them.
   */
  maxConcurrentPushes: number;
  /** How long one write may take before the proxy is set aside as not reading. */
  writeTimeoutMs: number;
  log(message: string): void;
}

interface Connection {
  readonly streamId: number;
  readonly call: DiscoveryStreamCall;
  node: ProxyNode;
  readonly subscribed: Set<TypeUrl>;
  readonly syncs: Map<TypeUrl, TypeSync>;
  readonly pending: Map<TypeUrl, Map<string, TypeSnapshot>>;
  nonceSeq: number;
  registration: Registration | undefined;
  registering: boolean;
  registrationLost: boolean;
  closed: boolean;
  readonly connectedAt: number;
  /** A push skipped a type waiting for a reply; the next reply triggers another push. */
  heldForReply: boolean;
  /** A write did not complete in time; no pushes until it does. */
  stalled: boolean;
  /**
   * The convergence clock. Changes this proxy has not converged on yet, oldest first: a push
   * round's generation and when its first change was seen. At most two (the oldest, and the
   * rest merged into one with the latest generation and the earliest time, as istiod merges
   * push requests), so a proxy that never answers costs nothing more.
   */
  readonly waiting: { gen: number; seenAt: number }[];
  /** Per type: the generation up to which nothing is left to deliver (ACKed, refused, unchanged). */
  readonly settledGen: Map<TypeUrl, number>;
  /** Per type: the generation of the response awaiting its reply. */
  readonly sentGen: Map<TypeUrl, number>;
  /** Highest generation of a response the proxy ACKed, and of one it NACKed. */
  ackedGen: number;
  rejectedGen: number;
}

export class DiscoveryServer {
  private readonly connections = new Map<number, Connection>();
  private nextStreamId = 1;
  private readonly queue = new Set<Connection>();
  private readonly running = new Set<Connection>();
  private readonly again = new Set<Connection>();
  private pumpScheduled = false;
  /** Push rounds so far: a snapshot built now holds every change of every round up to this. */
  private generation = 0;

  constructor(private readonly options: DiscoveryOptions) {
    options.metrics.gaugeFrom('pilot_xds', () => {
      const byVersion = new Map<string, number>();
      for (const conn of this.connections.values()) {
        const version = conn.node.proxyVersion;
        byVersion.set(version, (byVersion.get(version) ?? 0) + 1);
      }
      return [...byVersion].map(([version, n]) => [{ version }, n] as const);
    });
  }

  readonly handlers: DiscoveryServiceHandlers = {
    Stream: (call) => this.onStream(call),
  };

  get connectedCount(): number {
    return this.connections.size;
  }

  /**
   * Something changed in the world, first seen (store watch event applied) at `seenAt`: every
   * proxy gets what changed for it.
   */
  pushAll(seenAt: number): void {
    const gen = ++this.generation;
    for (const conn of this.connections.values()) {
      // A proxy that connected after the change gets it with its first push: its clock starts then.
      const since = Math.max(seenAt, conn.connectedAt);
      const [first, rest] = conn.waiting;
      if (!first) conn.waiting.push({ gen, seenAt: since });
      else if (!rest) conn.waiting.push({ gen, seenAt: Math.max(since, first.seenAt) });
      else conn.waiting[1] = { gen, seenAt: rest.seenAt };
      this.schedule(conn);
    }
  }

  status(): ProxyStatusRow[] {
    const rows: ProxyStatusRow[] = [];
    for (const conn of this.connections.values()) {
      rows.push({
        proxyId: conn.node.id,
        workload: conn.node.workloadName,
        namespace: conn.node.namespace,
        controlPlane: this.options.name,
        types: Object.values(TYPE_URLS)
          .sort()
          .map((typeUrl) => {
            const sync = conn.syncs.get(typeUrl) ?? newTypeSync();
            return {
              typeUrl,
              state: syncState(sync),
              sentVersion: sync.sentVersion,
              sentNonce: sync.sentNonce,
              ackedVersion: sync.ackedVersion,
              lastError: sync.lastError?.message ?? '',
            };
          }),
      });
    }
    return rows.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.proxyId, b.proxyId));
  }

  /** The node of a connected proxy, by Node.id. */
  nodeOf(proxyId: string): ProxyNode | undefined {
    for (const conn of this.connections.values()) if (conn.node.id === proxyId) return conn.node;
    return undefined;
  }

  /** Ends every stream (proxies reconnect elsewhere) and removes their records. */
  async close(): Promise<void> {
    const all = [...this.connections.values()];
    for (const conn of all) conn.call.end();
    await Promise.all(all.map((conn) => this.disconnect(conn)));
  }

  private onStream(call: DiscoveryStreamCall): void {
    let conn: Connection | undefined;
    call.on('data', (wire: WireRequest) => {
      let req: DiscoveryRequest;
      try {
        req = decodeDiscoveryRequest(wire);
      } catch (err) {
        const message =
          err instanceof WireDecodeError ? err.message : `cannot read request: ${String(err)}`;
        this.fail(call, grpcStatus.INVALID_ARGUMENT, message);
        return;
      }
      if (!conn) {
        conn = this.connect(call, req.node);
      } else if (req.node.id !== conn.node.id) {
        this.fail(
          call,
          grpcStatus.INVALID_ARGUMENT,
          `node.id changed on one stream from "${conn.node.id}" to "${req.node.id}"`,
        );
        return;
      }
      this.onRequest(conn, req);
    });
    const end = () => {
      if (conn) void this.disconnect(conn);
    };
    call.on('end', () => {
      call.end();
      end();
    });
    call.on('error', end);
    call.on('cancelled', end);
    call.on('close', end);
  }

  private fail(call: DiscoveryStreamCall, code: grpcStatus, details: string): void {
    call.emit('error', { code, details });
  }

  private connect(call: DiscoveryStreamCall, node: ProxyNode): Connection {
    const conn: Connection = {
      streamId: this.nextStreamId++,
      call,
      node,
      subscribed: new Set(),
      syncs: new Map(),
      pending: new Map(),
      nonceSeq: 0,
      registration: undefined,
      registering: false,
      registrationLost: false,
      closed: false,
      connectedAt: performance.now(),
      heldForReply: false,
      stalled: false,
      waiting: [],
      settledGen: new Map(),
      sentGen: new Map(),
      ackedGen: 0,
      rejectedGen: 0,
    };
    this.connections.set(conn.streamId, conn);
    this.options.log(`proxy ${node.id} (${node.namespace}) connected`);
    void this.register(conn);
    return conn;
  }

  // The store may be down when a proxy connects: it is served from the cache meanwhile and its
  // record is written as soon as the store answers.
  private async register(conn: Connection): Promise<void> {
    if (conn.registering) {
      // A lease lost while the loop is still writing: the loop must try again, not keep it.
      conn.registrationLost = true;
      return;
    }
    conn.registering = true;
    let delayMs = 200;
    while (!conn.closed && !conn.registration) {
      conn.registrationLost = false;
      try {
        const registration = await registerWorkload(
          this.options.store,
          workloadRecord(conn.node, this.options.name),
          {
            ttlSeconds: this.options.registryTtlSeconds,
            onLost: () => {
              conn.registration = undefined;
              void this.register(conn);
            },
          },
        );
        if (conn.closed || conn.registrationLost) {
          await registration.close().catch(() => undefined);
        } else conn.registration = registration;
      } catch (err) {
        this.options.log(`cannot register proxy ${conn.node.id} yet: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5000);
      }
    }
    conn.registering = false;
    // The node may have changed (readiness) while the first write was in flight.
    await this.updateRegistration(conn);
  }

  // Retried until it lands (or the stream ends): a readiness flip that never reaches the store
  // would keep the workload's endpoints marked not ready for everyone.
  private async updateRegistration(conn: Connection): Promise<void> {
    for (let delayMs = 200; !conn.closed; delayMs = Math.min(delayMs * 2, 5000)) {
      const registration = conn.registration;
      if (!registration) return; // register() writes the current node when it succeeds
      try {
        await registration.update(workloadRecord(conn.node, this.options.name));
        return;
      } catch (err) {
        this.options.log(`cannot update proxy ${conn.node.id} yet: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  private async disconnect(conn: Connection): Promise<void> {
    if (conn.closed) return;
    conn.closed = true;
    this.connections.delete(conn.streamId);
    this.queue.delete(conn);
    this.again.delete(conn);
    this.options.log(`proxy ${conn.node.id} disconnected`);
    try {
      await conn.registration?.close();
    } catch {
      // The store is down: the lease expires by itself after its TTL.
    }
  }

  private onRequest(conn: Connection, req: DiscoveryRequest): void {
    const previous = conn.node;
    conn.node = req.node;
    const record = (n: ProxyNode) => JSON.stringify(workloadRecord(n, this.options.name));
    if (record(previous) !== record(req.node)) void this.updateRegistration(conn);
    const type = req.typeUrl;
    switch (requestKind(req)) {
      case 'subscribe': {
        // A (re)subscription starts the type afresh: the proxy may have lost what it had.
        conn.subscribed.add(type);
        conn.syncs.set(type, newTypeSync());
        conn.pending.set(type, new Map());
        conn.settledGen.delete(type);
        conn.sentGen.delete(type);
        this.schedule(conn);
        return;
      }
      case 'ack':
      case 'nack': {
        const sync = conn.syncs.get(type);
        const pending = conn.pending.get(type);
        if (!sync || !pending) return;
        const ackedBefore = sync.ackedVersion;
        const outcome = recordReply(sync, req.responseNonce, req.errorDetail, pending);
        let again = outcome !== 'stale' && conn.heldForReply;
        conn.heldForReply &&= !again;
        // A type moving on (say, the cluster a route needs arrived) may let a proxy apply what it
        // could not apply before: offer such transiently rejected versions once more.
        if (outcome === 'ack' && sync.ackedVersion !== ackedBefore) {
          for (const [other, otherSync] of conn.syncs) {
            if (other !== type && retryRejected(otherSync)) again = true;
          }
        }
        if (again) this.schedule(conn);
        if (outcome === 'stale') return;
        // The reply settles the response: ACKed, or refused and never sent again as it is.
        const gen = conn.sentGen.get(type) ?? 0;
        conn.settledGen.set(type, Math.max(conn.settledGen.get(type) ?? 0, gen));
        if (outcome === 'ack') {
          conn.ackedGen = Math.max(conn.ackedGen, gen);
        } else {
          conn.rejectedGen = Math.max(conn.rejectedGen, gen);
          this.options.metrics.inc('pilot_total_xds_rejects', { type: metricType(type) });
          this.options.log(
            `proxy ${conn.node.id} rejected ${shortType(type)} ${sync.sentVersion}: ${req.errorDetail?.message ?? ''}`,
          );
        }
        this.converge(conn);
        return;
      }
    }
  }

  /**
   * Ends the convergence clock of the changes every subscribed type has settled on. It is
   * observed (once, from the oldest such change) when the proxy ACKed a response carrying it
   * and refused none: a change no response to this proxy carried, or one it rejected, did not
   * converge here (istiod too records only proxies it pushed, and NACKs as rejects).
   */
  private converge(conn: Connection): void {
    if (conn.waiting.length === 0 || conn.subscribed.size === 0) return;
    let reached = Infinity;
    for (const type of conn.subscribed) reached = Math.min(reached, conn.settledGen.get(type) ?? 0);
    let observed = false;
    while (conn.waiting.length > 0 && conn.waiting[0]!.gen <= reached) {
      const w = conn.waiting.shift()!;
      if (!observed && w.gen > conn.rejectedGen && w.gen <= conn.ackedGen) {
        observed = true;
        this.options.metrics.observe(
          'pilot_proxy_convergence_time',
          (performance.now() - w.seenAt) / 1000,
        );
      }
    }
  }

  private schedule(conn: Connection): void {
    if (conn.closed || conn.stalled) return;
    // A proxy subscribes to its types in separate messages. Answering the first alone could
    // send listeners before the clusters they use, so a new stream gets a short window to
    // finish subscribing before its first push.
    const young = SUBSCRIBE_WINDOW_MS - (performance.now() - conn.connectedAt);
    if (young > 0 && conn.subscribed.size < PUSH_ORDER.length) {
      setTimeout(() => this.schedule(conn), young);
      return;
    }
    if (this.running.has(conn)) this.again.add(conn);
    else this.queue.add(conn);
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      // Let the requests already received (all four subscriptions, say) land first.
      setImmediate(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    while (this.running.size < this.options.maxConcurrentPushes && this.queue.size > 0) {
      const conn = this.queue.values().next().value as Connection;
      this.queue.delete(conn);
      this.running.add(conn);
      void this.push(conn).finally(() => {
        this.running.delete(conn);
        if (this.again.delete(conn)) this.queue.add(conn);
        this.pump();
      });
    }
  }

  private async push(conn: Connection): Promise<void> {
    // One proxy per turn of the event loop, so ACKs keep flowing during a push to thousands.
    await new Promise((resolve) => setImmediate(resolve));
    if (conn.closed) return;
    // Each type sent gets the time since the previous one was handed over (the first, since the
    // push began, its snapshot build included): a push's types add up to the whole push.
    let mark = performance.now();
    const gen = this.generation;
    let snapshot: ProxySnapshot | undefined;
    try {
      snapshot = this.options.snapshotFor(conn.node);
      if (!snapshot) return;
    } catch (err) {
      // A bug in the builder must not take the stream down: the proxy keeps its last config.
      this.options.log(`cannot build config for ${conn.node.id}: ${(err as Error).stack ?? err}`);
      return;
    }
    // Flow control by reply: a type whose last response is unanswered gets nothing new until the
    // proxy answers (then it gets the latest, merged). grpc-js buffers whatever is written to a
    // stream, so without this a proxy that stops reading would hold every push in our memory.
    // Types after a held one wait too, so routes never overtake the clusters they need.
    let held = false;
    for (const type of PUSH_ORDER) {
      if (!conn.subscribed.has(type)) continue;
      const sync = conn.syncs.get(type)!;
      const full = snapshot[type];
      if (held || awaitingReply(sync, conn.pending.get(type)!)) {
        if (full.version !== sync.sentVersion) {
          sync.wantedVersion = full.version;
          conn.heldForReply = true;
          held = true;
        }
        continue;
      }
      const planned = planResponse(sync, full);
      if (!planned) {
        // The proxy has this version, or refused it and is not sent it again.
        conn.settledGen.set(type, gen);
        continue;
      }
      const nonce = `${conn.streamId}-${++conn.nonceSeq}`;
      const wire = encodeDiscoveryResponse({
        typeUrl: type,
        versionInfo: planned.versionInfo,
        nonce,
        resources: planned.resources,
        removedResources: planned.removedResources,
        incremental: planned.incremental,
      });
      recordSent(sync, nonce, planned, full, conn.pending.get(type)!);
      conn.sentGen.set(type, gen);
      this.options.metrics.inc('pilot_xds_pushes', { type: metricType(type) });
      // grpc-js calls back once the message is handed to HTTP/2 (not once the peer has it), so
      // this paces a round: each push's buffers can be freed before the next slot fills. A peer
      // that stopped reading on a live TCP connection would hold the slot until keepalive gives
      // up (~40 s), so after writeTimeoutMs the slot is freed and the proxy waits on the side.
      const written = new Promise<void>((resolve) => conn.call.write(wire, () => resolve()));
      const inTime = await Promise.race([
        written.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), this.options.writeTimeoutMs).unref()),
      ]);
      if (!inTime) {
        this.options.metrics.inc('pilot_xds_write_timeout');
        conn.stalled = true;
        this.options.log(`proxy ${conn.node.id} is not reading its stream; pushes to it wait`);
        void written.then(() => {
          conn.stalled = false;
          this.schedule(conn);
        });
        return;
      }
      if (conn.closed) return;
      const now = performance.now();
      this.options.metrics.observe('pilot_xds_push_time', (now - mark) / 1000, {
        type: metricType(type),
      });
      mark = now;
    }
    // Types this push found unchanged may complete a change an earlier reply left open.
    this.converge(conn);
  }
}

const METRIC_TYPES: Readonly<Record<TypeUrl, string>> = {
  [TYPE_URLS.clusters]: 'cds',
  [TYPE_URLS.endpoints]: 'eds',
  [TYPE_URLS.listeners]: 'lds',
  [TYPE_URLS.routes]: 'rds',
};

/** istiod's `type` label for a type: cds, eds, lds, rds. */
export function metricType(type: TypeUrl): string {
  return METRIC_TYPES[type];
}

/** `type.mesh.dev/mesh.v1.Cluster` -> `Cluster`, for logs. */
export function shortType(type: TypeUrl): string {
  return type.slice(type.lastIndexOf('.') + 1);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
