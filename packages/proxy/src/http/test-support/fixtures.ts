// Real sockets for the data-plane tests: upstream apps that record what reaches them, tables
// compiled from VirtualService YAML the way the proxy compiles pushed config, and a client that
// talks to the proxy as an HTTP_PROXY-configured app does (absolute-form request lines).
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { ClusterBody, EndpointBody, InboundListener, RouteTableBody } from '@mesh/proto';
import { outboundClusterName, parseResources, type ResolvedTrafficPolicy } from '@mesh/rules';
import { Pool } from 'undici';
import { compileTable } from '../../config/compile-table.js';
import type { HeldConfig, ProxyTable, TypeState } from '../../config/types.js';
import type { AccessLogEntry } from '../access-log.js';
import { createOutboundServer, type OutboundServerOptions } from '../outbound-server.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Which connection (1, 2, ...) of this upstream carried it. */
  readonly connection: number;
}

export type Respond = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface TestUpstream {
  readonly name: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const connectionIds = new WeakMap<object, number>();

/** An app on 127.0.0.1:0 answering `200 <name>` (or as `respond` says) and recording requests. */
export async function startUpstream(name: string, respond?: Respond): Promise<TestUpstream> {
  const requests: RecordedRequest[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        connection: connectionIds.get(req.socket) ?? 0,
      });
      if (respond) respond(req, res, body);
      else {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name });
        res.end(name);
      }
    });
  });
  server.on('connection', (socket) => connectionIds.set(socket, ++connections));
  const port = await listen(server);
  return {
    name,
    port,
    requests,
    connections: () => connections,
    close: () => closeServer(server),
  };
}

/** A node:http server or the proxy's own (both net.Servers that can drop every connection). */
export type ClosableServer = NetServer & { closeAllConnections(): void };

/** reviews:9080's inbound listener, in front of an app on `targetPort`. */
export function inboundListenerFor(targetPort: number): InboundListener {
  return {
    name: 'inbound|9080',
    direction: 'inbound',
    port: 9080,
    bindPort: 0,
    protocol: 'HTTP',
    targetPort,
    cluster: 'inbound|9080||',
  };
}

export function listen(server: NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function closeServer(server: ClosableServer): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await closeServer(server);
  return port;
}

export interface TestCluster {
  /** Fully qualified host. */
  readonly host: string;
  readonly subset?: string;
  readonly port?: number;
  /** Endpoint ports on 127.0.0.1, or full endpoint bodies. */
  readonly endpoints: readonly (number | EndpointBody)[];
  readonly trafficPolicy?: ResolvedTrafficPolicy;
  /** The service port's protocol (default HTTP). */
  readonly protocol?: string;
}

export function endpointBody(port: number, overrides: Partial<EndpointBody> = {}): EndpointBody {
  return {
    address: '127.0.0.1',
    port,
    labels: {},
    ready: true,
    weight: 1,
    locality: '',
    source: `proxy test-${port}`,
    ...overrides,
  };
}

/**
 * A table as compileTable builds it from pushed config: the VirtualServices of `yaml` (in order)
 * plus the given clusters and endpoints. Include each host's whole-service cluster (no subset):
 * the proxy learns services and their ports from those.
 */
export function buildTable(options: {
  yaml?: string;
  clusters: readonly TestCluster[];
  generation?: number;
  /** The proxy's own locality, as `--locality` gives it (default ''). */
  proxyLocality?: string;
}): ProxyTable {
  const parsed = options.yaml ? parseResources(options.yaml) : undefined;
  const errors = parsed?.diagnostics.filter((d) => d.severity === 'error') ?? [];
  if (errors.length > 0) throw new Error(`test YAML does not parse: ${JSON.stringify(errors)}`);
  const routes: RouteTableBody[] = [];
  for (const r of parsed?.resources ?? []) {
    if (r.kind !== 'VirtualService') continue;
    routes.push({
      name: `${r.metadata.namespace}/${r.metadata.name}`,
      order: routes.length + 1,
      virtualService: r,
    });
  }
  const clusters: ClusterBody[] = [];
  const endpoints: { cluster: string; endpoints: EndpointBody[] }[] = [];
  for (const c of options.clusters) {
    const port = c.port ?? 9080;
    const subset = c.subset ?? '';
    const name = outboundClusterName(port, subset, c.host);
    clusters.push({
      name,
      direction: 'outbound',
      host: c.host,
      port: { number: port, protocol: c.protocol ?? 'HTTP', name: 'http' },
      subset,
      serviceNamespace: c.host.split('.')[1] ?? 'default',
      exportTo: ['*'],
      resolution: 'STATIC',
      trafficPolicy: c.trafficPolicy ?? { loadBalancer: { simple: 'ROUND_ROBIN' } },
      destinationRule: '',
    });
    endpoints.push({
      cluster: name,
      endpoints: c.endpoints.map((e) => (typeof e === 'number' ? endpointBody(e) : e)),
    });
  }
  const held: HeldConfig = {
    listeners: stateOf([], () => ''),
    routes: stateOf(routes, (b) => b.name),
    clusters: stateOf(clusters, (b) => b.name),
    endpoints: stateOf(endpoints, (b) => b.cluster),
  };
  return compileTable(held, options.generation ?? 1, undefined, {
    proxyLocality: options.proxyLocality ?? '',
  });
}

function stateOf<T>(bodies: readonly T[], nameOf: (b: T) => string): TypeState<T> {
  return {
    version: 'test',
    resources: new Map(bodies.map((b) => [nameOf(b), { version: 'test', body: b }])),
  };
}

export interface TestProxy {
  readonly port: number;
  readonly logs: AccessLogEntry[];
  /** Sends through the proxy as an HTTP_PROXY client would (absolute-form). */
  request(url: string, init?: RequestInit): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** An outbound proxy on 127.0.0.1:0 with an access log kept in memory. */
export async function startOutbound(
  table: ProxyTable | (() => ProxyTable),
  options: Partial<OutboundServerOptions> = {},
): Promise<TestProxy> {
  const logs: AccessLogEntry[] = [];
  const server = createOutboundServer({
    table: typeof table === 'function' ? table : () => table,
    node: { namespace: 'default', labels: { app: 'productpage' } },
    log: (entry) => logs.push(entry),
    ...options,
  });
  const port = await listen(server);
  const client = new Pool(`http://127.0.0.1:${port}`, { connections: 16 });
  return {
    port,
    logs,
    request: (url, init) => send(client, url, init),
    async close() {
      await client.close();
      await closeServer(server);
    },
  };
}

export async function send(
  client: Pool,
  url: string,
  init: RequestInit = {},
): Promise<TestResponse> {
  const res = await client.request({
    method: init.method ?? 'GET',
    path: url,
    headers: init.headers ?? {},
    body: init.body ?? null,
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** The access-log entry of the n-th request, once the proxy has written it (it logs on close). */
export async function logEntry(
  logs: readonly AccessLogEntry[],
  n: number,
): Promise<AccessLogEntry> {
  for (let i = 0; i < 200 && logs.length <= n; i++) await new Promise((r) => setTimeout(r, 5));
  const entry = logs[n];
  if (!entry) throw new Error(`no access-log entry ${n} (have ${logs.length})`);
  return entry;
}

/** mulberry32: a small seeded PRNG, so statistical tests are reproducible. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
