// Real replicas and simulated proxies for the control plane's tests: replicas listen on port 0,
// proxies speak the real discovery stream and hold the set of resources they were sent,
// applying incremental responses as a real proxy must.
import * as grpc from '@grpc/grpc-js';
import {
  decodeApplyResponse,
  decodeDeleteResponse,
  encodeApplyRequest,
  encodeDeleteRequest,
  encodeProxyStatusRequest,
  decodeProxyStatusResponse,
  type ProxyStatusResponse,
  loadMeshProtos,
  openDiscoveryStream,
  TYPE_URLS,
  type ApplyResponse,
  type ConfigServiceClient,
  type DeleteResponse,
  type DiscoveryResponse,
  type DiscoveryStream,
  type NackDetail,
  type ProxyNode,
  type TypeUrl,
} from '@mesh/proto';
import type { ConfigStore } from '@mesh/store';
import { bearerAuthorizer } from '../auth.js';
import {
  startControlPlane,
  type ControlPlane,
  type ControlPlaneOptions,
} from '../control-plane.js';

export const TEST_TOKEN = 'test-token';
const protos = loadMeshProtos();

export async function startTestPlane(
  store: ConfigStore,
  overrides: Partial<ControlPlaneOptions> = {},
): Promise<ControlPlane> {
  const plane = await startControlPlane({
    store,
    storeDescription: 'test store',
    name: 'control-plane-test',
    grpcHost: '127.0.0.1',
    grpcPort: 0,
    httpHost: '127.0.0.1',
    httpPort: 0,
    authorize: bearerAuthorizer(TEST_TOKEN),
    debounce: { quietMs: 30, maxMs: 1000 },
    registryTtlSeconds: 3,
    ...overrides,
  });
  await plane.loaded();
  return plane;
}

export function node(id: string, overrides: Partial<ProxyNode> = {}): ProxyNode {
  return {
    id,
    workloadName: id.split('.')[0] ?? id,
    namespace: 'default',
    labels: {},
    serviceAccount: 'default',
    addresses: ['127.0.0.1'],
    ports: [],
    proxyVersion: '0.1.0',
    ready: true,
    locality: '',
    ...overrides,
  };
}

export const ALL_TYPES: readonly TypeUrl[] = [
  TYPE_URLS.listeners,
  TYPE_URLS.routes,
  TYPE_URLS.clusters,
  TYPE_URLS.endpoints,
];

/** A proxy that holds what it was sent; `reject` decides NACKs. */
export class SimProxy {
  readonly responses: DiscoveryResponse[] = [];
  /** type -> name -> body, after applying every accepted response. */
  readonly held = new Map<TypeUrl, Map<string, unknown>>();
  readonly stream: DiscoveryStream;
  ended: grpc.StatusObject | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    address: string,
    readonly node: ProxyNode,
    private readonly reject: (res: DiscoveryResponse) => NackDetail | undefined = () => undefined,
    types: readonly TypeUrl[] = ALL_TYPES,
  ) {
    this.stream = openDiscoveryStream({
      address,
      node,
      types,
      onResponse: (res) => {
        this.responses.push(res);
        const error = this.reject(res);
        if (!error) this.apply(res);
        for (const w of this.waiters.splice(0)) w();
        return error;
      },
      onEnd: (status) => {
        this.ended = status;
        for (const w of this.waiters.splice(0)) w();
      },
    });
  }

  private apply(res: DiscoveryResponse): void {
    const next = res.incremental ? new Map(this.held.get(res.typeUrl)) : new Map<string, unknown>();
    for (const name of res.removedResources) next.delete(name);
    for (const r of res.resources) next.set(r.name, r.body);
    this.held.set(res.typeUrl, next);
  }

  names(type: TypeUrl): string[] {
    return [...(this.held.get(type)?.keys() ?? [])].sort();
  }

  body<T>(type: TypeUrl, name: string): T | undefined {
    return this.held.get(type)?.get(name) as T | undefined;
  }

  /** Waits until `check` holds, re-checking after every response; fails after `ms`. */
  async until(check: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${ms} ms waiting for ${what} on ${this.node.id}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until no response arrived for `quietMs` (registrations and their pushes settled). */
  async settle(quietMs = 200): Promise<void> {
    let seen = -1;
    while (seen !== this.responses.length) {
      seen = this.responses.length;
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }

  close(): void {
    this.stream.close();
  }
}

export function configClient(address: string): ConfigServiceClient {
  return new protos.ConfigService(
    address,
    grpc.credentials.createInsecure(),
  ) as unknown as ConfigServiceClient;
}

function bearer(token = TEST_TOKEN): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return md;
}

export function apply(
  client: ConfigServiceClient,
  yamlDocs: readonly { kind: string; name: string; namespace?: string; text: string }[],
  token?: string,
): Promise<ApplyResponse> {
  return new Promise((resolve, reject) => {
    client.Apply(
      encodeApplyRequest({
        documents: yamlDocs.map((d) => ({
          kind: d.kind,
          name: d.name,
          namespace: d.namespace ?? 'default',
          resourceVersion: '',
          text: d.text,
        })),
        dryRun: false,
      }),
      bearer(token),
      (err, res) => (err ? reject(err) : resolve(decodeApplyResponse(res!))),
    );
  });
}

export function remove(
  client: ConfigServiceClient,
  kind: string,
  name: string,
  namespace = 'default',
): Promise<DeleteResponse> {
  return new Promise((resolve, reject) => {
    client.Delete(
      encodeDeleteRequest({ kind, name, namespace, resourceVersion: '' }),
      bearer(),
      (err, res) => (err ? reject(err) : resolve(decodeDeleteResponse(res!))),
    );
  });
}

export function proxyStatus(client: ConfigServiceClient): Promise<ProxyStatusResponse> {
  return new Promise((resolve, reject) => {
    client.ProxyStatus(encodeProxyStatusRequest({ namespace: '', proxyId: '' }), (err, res) =>
      err ? reject(err) : resolve(decodeProxyStatusResponse(res!)),
    );
  });
}

export function vsText(name: string, host: string, subset: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${host}]
  http:
  - route:
    - destination: {host: ${host}, subset: ${subset}}
`;
}

export function drText(name: string, host: string, subsets: readonly string[]): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: default}
spec:
  host: ${host}
  subsets:
${subsets.map((s) => `  - name: ${s}\n    labels: {version: ${s}}`).join('\n')}
`;
}

export async function httpGet(
  port: number,
  path: string,
): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** One sample of a Prometheus exposition: `name{labels} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of an exposition, and each family's TYPE. Throws on a line it cannot read. */
export function parseMetrics(text: string): {
  samples: MetricSample[];
  types: Map<string, string>;
} {
  const samples: MetricSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice('# TYPE '.length).split(' ');
      types.set(name!, type!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k!] = v!;
    }
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return { samples, types };
}

/** The value of the one sample named `name` with exactly `labels`; 0 when there is none. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = parseMetrics(text).samples.filter(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want,
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${want}`);
  return found[0]?.value ?? 0;
}
