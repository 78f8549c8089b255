// A simulated proxy over the real discovery stream: it subscribes to every type, holds what it
// was sent (applying incremental responses as a real proxy must: changes on top of the ACKed
// set, removals dropped), and ACKs or NACKs as told. Every instance is tracked so a failed test
// cannot leave a stream open.
import {
  openDiscoveryStream,
  TYPE_URLS,
  type DiscoveryResponse,
  type DiscoveryStream,
  type DiscoveryStreamOptions,
  type NackDetail,
  type ProxyNode,
  type TypeUrl,
  type WorkloadPort,
} from '@mesh/proto';

export type StreamStatus = Parameters<NonNullable<DiscoveryStreamOptions['onEnd']>>[0];

export const ALL_TYPES: readonly TypeUrl[] = [
  TYPE_URLS.listeners,
  TYPE_URLS.routes,
  TYPE_URLS.clusters,
  TYPE_URLS.endpoints,
];

/** The HTTP port every Bookinfo service serves. */
export const BOOKINFO_PORT: WorkloadPort = {
  name: 'http',
  number: 9080,
  protocol: 'HTTP',
  targetPort: 0,
  endpointPort: 0,
};

/** A Bookinfo-like sidecar: `reviews-v1-1.default` is workload reviews-v1, app reviews, v1. */
export function bookinfoNode(id: string, overrides: Partial<ProxyNode> = {}): ProxyNode {
  const workloadName = id.split('.')[0]!.replace(/-\d+$/, '');
  const namespace = id.split('.')[1] ?? 'default';
  const [app = workloadName, version = 'v1'] = /^(.*)-(v\d+)$/.exec(workloadName)?.slice(1) ?? [];
  return {
    id,
    workloadName,
    namespace,
    labels: { app, version },
    serviceAccount: `bookinfo-${app}`,
    addresses: ['127.0.0.1'],
    ports: [BOOKINFO_PORT],
    proxyVersion: '0.1.0',
    ready: true,
    locality: '',
    ...overrides,
  };
}

const open = new Set<SimProxy>();

export class SimProxy {
  /** Every response received, in order, with when it arrived. */
  readonly responses: { at: number; response: DiscoveryResponse }[] = [];
  /** type -> name -> body: the config the proxy runs after every accepted response. */
  readonly held = new Map<TypeUrl, Map<string, unknown>>();
  ended: StreamStatus | undefined;
  private readonly stream: DiscoveryStream;
  private waiters: (() => void)[] = [];

  constructor(
    readonly address: string,
    readonly node: ProxyNode,
    private readonly reject: (res: DiscoveryResponse) => NackDetail | undefined = () => undefined,
  ) {
    open.add(this);
    this.stream = openDiscoveryStream({
      address,
      node,
      types: ALL_TYPES,
      onResponse: (response) => {
        this.responses.push({ at: Date.now(), response });
        const error = this.reject(response);
        if (!error) this.apply(response);
        this.wake();
        return error;
      },
      onEnd: (status) => {
        this.ended = status;
        open.delete(this);
        this.wake();
      },
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private apply(res: DiscoveryResponse): void {
    const next = res.incremental ? new Map(this.held.get(res.typeUrl)) : new Map<string, unknown>();
    for (const name of res.removedResources) next.delete(name);
    for (const r of res.resources) next.set(r.name, r.body);
    this.held.set(res.typeUrl, next);
  }

  /** Names of the resources held of a type, sorted. */
  names(type: TypeUrl): string[] {
    return [...(this.held.get(type)?.keys() ?? [])].sort();
  }

  body<T>(type: TypeUrl, name: string): T | undefined {
    return this.held.get(type)?.get(name) as T | undefined;
  }

  /** The version last ACKed for a type ('' before any). */
  applied(type: TypeUrl): string {
    return this.stream.applied(type);
  }

  /** Responses of a type received since index `from` of `responses`. */
  responsesOf(type: TypeUrl, from = 0): DiscoveryResponse[] {
    return this.responses
      .slice(from)
      .map((r) => r.response)
      .filter((r) => r.typeUrl === type);
  }

  /** A deep copy of what the proxy holds, for comparing later. */
  heldCopy(): Record<string, Record<string, unknown>> {
    return JSON.parse(
      JSON.stringify(
        Object.fromEntries([...this.held].map(([type, m]) => [type, Object.fromEntries(m)])),
      ),
    ) as Record<string, Record<string, unknown>>;
  }

  /** Waits until `check` holds, re-checking after every response and every 100 ms. */
  async until(check: () => boolean, what: string, ms = 5000): Promise<number> {
    const started = Date.now();
    const deadline = started + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out after ${ms} ms waiting for ${what} on proxy ${this.node.id}; it holds ${JSON.stringify(
            Object.fromEntries(ALL_TYPES.map((t) => [t, this.names(t)])),
          )}; stream ${this.ended ? `ended: ${this.ended.code} ${this.ended.details}` : 'open'}`,
        );
      }
      await new Promise<void>((resolveWait) => {
        const t = setTimeout(resolveWait, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolveWait();
        });
      });
    }
    return Date.now() - started;
  }

  /** Waits until no response arrived for `quietMs`, bounded by `ms`. */
  async settle(quietMs = 300, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const last = this.responses.at(-1)?.at ?? 0;
      const quietFor = Date.now() - last;
      if (quietFor >= quietMs) return;
      if (Date.now() > deadline)
        throw new Error(`proxy ${this.node.id} still receiving responses after ${ms} ms`);
      await new Promise((r) => setTimeout(r, quietMs - quietFor));
    }
  }

  close(): void {
    open.delete(this);
    this.stream.close();
  }
}

/** Closes every simulated proxy still open (afterEach/afterAll). */
export function closeAllProxies(): void {
  for (const p of [...open]) p.close();
}
