// Simulated Bookinfo sidecars: each one a real discovery stream on its own gRPC channel, which
// ACKs every response at once and records when the watched route change reached it. The fleet
// runs in the bench process or in a worker thread (proxy-fleet-worker.ts) with the same methods.
import * as grpc from '@grpc/grpc-js';
import {
  loadMeshProtos,
  openDiscoveryStream,
  TYPE_URLS,
  type DiscoveryResponse,
  type DiscoveryServiceClient,
  type DiscoveryStream,
  type ProxyNode,
  type RouteTableBody,
  type TypeUrl,
} from '@mesh/proto';

/** The six Bookinfo deployments; proxy i runs workload i mod 6. */
const WORKLOADS = [
  { app: 'productpage', version: 'v1' },
  { app: 'details', version: 'v1' },
  { app: 'reviews', version: 'v1' },
  { app: 'reviews', version: 'v2' },
  { app: 'reviews', version: 'v3' },
  { app: 'ratings', version: 'v1' },
] as const;

const ALL_TYPES: readonly TypeUrl[] = Object.values(TYPE_URLS);

/** The route table the change phase rewrites (`<namespace>/<VirtualService name>`). */
export const WATCHED_ROUTE = 'default/reviews';

/**
 * How proxies differ as endpoints of service port 9080. `ports`: all on 127.0.0.1, each sidecar
 * with its own inbound port (WorkloadPort.endpointPort), as in the local mesh. `pod-ips`: each
 * its own address, all on 9080, as pods with transparent capture in Kubernetes.
 */
export type EndpointMode = 'ports' | 'pod-ips';

export function proxyNode(i: number, mode: EndpointMode): ProxyNode {
  const w = WORKLOADS[i % WORKLOADS.length]!;
  const workloadName = `${w.app}-${w.version}`;
  return {
    id: `${workloadName}-${i}.default`,
    workloadName,
    namespace: 'default',
    labels: { app: w.app, version: w.version },
    serviceAccount: `bookinfo-${w.app}`,
    addresses: [mode === 'ports' ? '127.0.0.1' : `10.1.${i >> 8}.${i & 255}`],
    ports: [
      {
        name: 'http',
        number: 9080,
        protocol: 'HTTP',
        targetPort: 0,
        endpointPort: mode === 'ports' ? 20000 + i : 0,
      },
    ],
    proxyVersion: 'bench',
    ready: true,
    locality: '',
  };
}

/** Milliseconds on a clock that worker threads and the main thread share. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface FleetSpec {
  /** host:port of the control plane's gRPC server. */
  address: string;
  /** Proxy indexes first .. first+count-1. */
  first: number;
  count: number;
  mode: EndpointMode;
  /** Open the streams evenly over this many ms (a rollout), or all at once when 0. */
  spreadMs: number;
}

export interface FleetStatus {
  proxies: number;
  /** Proxies that have received all four types at least once. */
  complete: number;
  /** Streams the control plane ended. */
  ended: number;
  /** Proxies that have received the watched change. */
  arrived: number;
  responses: number;
  /** nowMs() of the last response of any proxy; 0 before the first. */
  lastResponseAt: number;
}

/** What the bench asks of a fleet, wherever it runs. */
export interface Fleet {
  connect(): Promise<void>;
  status(): Promise<FleetStatus>;
  /** Forget earlier arrivals; from now on wait for the watched route to send traffic to `subset`. */
  expect(subset: string): Promise<void>;
  /** nowMs() at which each proxy received the expected change; null where it has not yet. */
  arrivals(): Promise<(number | null)[]>;
  close(): Promise<void>;
}

interface SimulatedProxy {
  readonly received: Set<TypeUrl>;
  arrivedAt: number | null;
  ended: boolean;
  stream?: DiscoveryStream;
  client?: DiscoveryServiceClient;
}

export class ProxyFleet {
  private readonly proxies: SimulatedProxy[] = [];
  private expected: string | undefined;
  private responses = 0;
  private lastResponseAt = 0;

  constructor(private readonly spec: FleetSpec) {}

  async connect(): Promise<void> {
    const { DiscoveryService } = loadMeshProtos();
    const start = performance.now();
    for (let k = 0; k < this.spec.count; k++) {
      const due = start + (k * this.spec.spreadMs) / this.spec.count;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const proxy: SimulatedProxy = { received: new Set(), arrivedAt: null, ended: false };
      // A sidecar has its own connection. grpc-js shares one subchannel (one HTTP/2 connection)
      // among channels with the same target and options unless each keeps a local pool.
      proxy.client = new DiscoveryService(this.spec.address, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
      });
      proxy.stream = openDiscoveryStream({
        address: this.spec.address,
        client: proxy.client,
        node: proxyNode(this.spec.first + k, this.spec.mode),
        types: ALL_TYPES,
        onResponse: (res) => this.onResponse(proxy, res),
        onEnd: () => (proxy.ended = true),
      });
      this.proxies.push(proxy);
    }
  }

  private onResponse(proxy: SimulatedProxy, res: DiscoveryResponse): undefined {
    const at = nowMs();
    this.responses++;
    this.lastResponseAt = at;
    proxy.received.add(res.typeUrl);
    if (
      this.expected !== undefined &&
      proxy.arrivedAt === null &&
      res.typeUrl === TYPE_URLS.routes &&
      res.resources.some(
        (r) => r.name === WATCHED_ROUTE && routeSubset(r.body as RouteTableBody) === this.expected,
      )
    ) {
      proxy.arrivedAt = at;
    }
    // Returning undefined ACKs: the ACK is written right after this returns.
    return undefined;
  }

  status(): FleetStatus {
    let complete = 0;
    let ended = 0;
    let arrived = 0;
    for (const p of this.proxies) {
      if (p.received.size === ALL_TYPES.length) complete++;
      if (p.ended) ended++;
      if (p.arrivedAt !== null) arrived++;
    }
    return {
      proxies: this.proxies.length,
      complete,
      ended,
      arrived,
      responses: this.responses,
      lastResponseAt: this.lastResponseAt,
    };
  }

  expect(subset: string): void {
    this.expected = subset;
    for (const p of this.proxies) p.arrivedAt = null;
  }

  arrivals(): (number | null)[] {
    return this.proxies.map((p) => p.arrivedAt);
  }

  close(): void {
    for (const p of this.proxies) {
      p.stream?.close();
      p.client?.close();
    }
  }
}

/** Subset of the first destination of the first HTTP route: what the change phase flips. */
function routeSubset(body: RouteTableBody): string | undefined {
  return body.virtualService.spec.http?.[0]?.route?.[0]?.destination?.subset;
}

/** A fleet in this thread, behind the same async interface as one in a worker. */
export function localFleet(spec: FleetSpec): Fleet {
  const fleet = new ProxyFleet(spec);
  return {
    connect: () => fleet.connect(),
    status: async () => fleet.status(),
    expect: async (subset) => fleet.expect(subset),
    arrivals: async () => fleet.arrivals(),
    close: async () => fleet.close(),
  };
}
