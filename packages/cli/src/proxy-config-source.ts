// Where `meshctl proxy-config` reads a proxy's config from, as one shape whatever the source:
// the proxy's own admin port (/config_dump, what it HOLDS, plus /clusters for live endpoint
// health) or the control plane's debug page (/debug/snapshotz, what it WANTS the proxy to hold).
// The bodies are @mesh/proto's (types only: a value import would load grpc).
import type {
  ClusterBody,
  EndpointsBody,
  ListenerBody,
  RouteTableBody,
  TypeUrl,
} from '@mesh/proto';
import { InputError } from './inputs.js';
import { getJson, UnexpectedAnswerError, type HttpGet } from './proxy-config-http.js';

export const DEFAULT_ADMIN_PORT = 15000;
export const DEFAULT_CONTROL_PLANE_HTTP = 'localhost:15014';
const DEFAULT_CONTROL_PLANE_HTTP_PORT = 15014;

/** The four config types, in the order istioctl's `proxy-config all` prints them. */
export const CONFIG_TYPES = ['clusters', 'listeners', 'routes', 'endpoints'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

/** Type URLs of the snapshotz page (spelled out to keep grpc unloaded; a test checks them). */
export const TYPE_URL_OF = {
  listeners: 'type.mesh.dev/mesh.v1.Listener',
  routes: 'type.mesh.dev/mesh.v1.RouteTable',
  clusters: 'type.mesh.dev/mesh.v1.Cluster',
  endpoints: 'type.mesh.dev/mesh.v1.Endpoints',
} as const satisfies Record<ConfigType, TypeUrl>;

export interface ConfigResource<T> {
  name: string;
  version: string;
  body: T;
}

/** One type's resources: the set's version and the resources, sorted by name. */
export interface TypeSection<T> {
  version: string;
  resources: ConfigResource<T>[];
}

export interface BodyOf {
  listeners: ListenerBody;
  routes: RouteTableBody;
  clusters: ClusterBody;
  endpoints: EndpointsBody;
}

/** One endpoint as the proxy's `/clusters` reports it. */
export interface LiveEndpoint {
  /** `address:port` (the proxy's `id`). */
  address: string;
  ready: boolean;
  /** Ejected by outlier detection right now. */
  ejected: boolean;
  weight?: number;
  source?: string;
  activeRequests?: number;
  locality?: string;
  /** Locality failover level (0 first), when the cluster fails over by locality. */
  priority?: number;
  /** Locality weight, when the cluster's DestinationRule has `distribute`. */
  localityWeight?: number;
}

/** One cluster of the proxy's `/clusters`. */
export interface LiveCluster {
  name: string;
  loadBalancer?: string;
  endpoints: LiveEndpoint[];
}

export interface ProxyConfig {
  /** For messages: `the proxy at 127.0.0.1:15000`, `the control plane's snapshot for x`. */
  source: string;
  listeners: TypeSection<ListenerBody>;
  routes: TypeSection<RouteTableBody>;
  clusters: TypeSection<ClusterBody>;
  endpoints: TypeSection<EndpointsBody>;
  /** The proxy's compiled clusters with live endpoint health; absent from the control plane. */
  live?: LiveCluster[];
}

/**
 * `host:port` as the user gave it, with defaults: a bare port is on localhost, a bare host gets
 * `defaultPort`. `[::1]:15000` for IPv6. Returns the `host:port` to put in a URL.
 */
export function parseHostPort(flag: string, value: string, defaultPort: number): string {
  const text = value
    .trim()
    .replace(/^http:\/\//, '')
    .replace(/\/+$/, '');
  if (/^\d+$/.test(text)) return `localhost:${checkPort(flag, value, text)}`;
  const m = /^(\[[0-9a-fA-F:.]+\]|[\w.-]+)(?::(\d+))?$/.exec(text);
  if (!m)
    throw new InputError(
      `${flag}: "${value}" is not an address; use HOST:PORT, e.g. 127.0.0.1:${defaultPort}`,
    );
  return `${m[1]}:${m[2] === undefined ? defaultPort : checkPort(flag, value, m[2])}`;
}

function checkPort(flag: string, value: string, port: string): number {
  const n = Number(port);
  if (n < 1 || n > 65535)
    throw new InputError(`${flag}: "${value}": port ${port} is not between 1 and 65535`);
  return n;
}

export function adminAddress(value: string): string {
  return parseHostPort('--admin', value, DEFAULT_ADMIN_PORT);
}

export function controlPlaneHttpAddress(value: string | undefined): string {
  return parseHostPort(
    '--control-plane-http',
    value ?? DEFAULT_CONTROL_PLANE_HTTP,
    DEFAULT_CONTROL_PLANE_HTTP_PORT,
  );
}

/** What a proxy holds: `/config_dump`, and `/clusters` when endpoint health is wanted. */
export async function readFromAdmin(
  httpGet: HttpGet,
  address: string,
  timeoutMs: number,
  withLive: boolean,
): Promise<ProxyConfig> {
  const where = `the proxy admin at ${address}`;
  const dump = asRecord(
    await getJson(httpGet, `http://${address}/config_dump`, timeoutMs, where),
    `${where} answered /config_dump with something that is not a config dump`,
  );
  const config: ProxyConfig = {
    source: `the proxy at ${address}`,
    listeners: section(dump.listeners, `${where}: /config_dump listeners`),
    routes: section(dump.routes, `${where}: /config_dump routes`),
    clusters: section(dump.clusters, `${where}: /config_dump clusters`),
    endpoints: section(dump.endpoints, `${where}: /config_dump endpoints`),
  };
  if (withLive)
    config.live = liveClusters(
      await getJson(httpGet, `http://${address}/clusters`, timeoutMs, where),
      `${where}: /clusters`,
    );
  return config;
}

/** The proxy is not connected to the replica asked; `message` is the control plane's words. */
export class NotConnectedError extends Error {
  override readonly name = 'NotConnectedError';
}

/** What the control plane wants `proxyId` to hold: `/debug/snapshotz?proxy=<id>`. */
export async function readFromControlPlane(
  httpGet: HttpGet,
  address: string,
  proxyId: string,
  timeoutMs: number,
): Promise<ProxyConfig> {
  const where = `the control plane at ${address}`;
  const url = `http://${address}/debug/snapshotz?proxy=${encodeURIComponent(proxyId)}`;
  const page = asRecord(
    await getJson(httpGet, url, timeoutMs, where),
    `${where} answered /debug/snapshotz with something that is not a snapshot`,
  );
  if (typeof page.error === 'string') throw new NotConnectedError(page.error);
  const typeSection = <K extends ConfigType>(type: K) =>
    section<BodyOf[K]>(page[TYPE_URL_OF[type]], `${where}: /debug/snapshotz ${TYPE_URL_OF[type]}`);
  return {
    source: `the control plane's snapshot for ${proxyId}`,
    listeners: typeSection('listeners'),
    routes: typeSection('routes'),
    clusters: typeSection('clusters'),
    endpoints: typeSection('endpoints'),
  };
}

/** A `{version, resources: [{name, version, body}]}` set, resources sorted by name. */
function section<T>(value: unknown, what: string): TypeSection<T> {
  const record = asRecord(value, `${what} is missing or not an object`);
  if (!Array.isArray(record.resources))
    throw new UnexpectedAnswerError(`${what} has no resources list`);
  const resources = record.resources.map((r, i) => {
    const resource = asRecord(r, `${what}: resources[${i}] is not an object`);
    if (typeof resource.name !== 'string' || !isRecord(resource.body))
      throw new UnexpectedAnswerError(`${what}: resources[${i}] has no name or body`);
    return {
      name: resource.name,
      version: typeof resource.version === 'string' ? resource.version : '',
      body: resource.body as T,
    };
  });
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version: typeof record.version === 'string' ? record.version : '', resources };
}

function liveClusters(value: unknown, what: string): LiveCluster[] {
  if (!Array.isArray(value)) throw new UnexpectedAnswerError(`${what} is not a list of clusters`);
  return value.map((c, i) => {
    const cluster = asRecord(c, `${what}: [${i}] is not an object`);
    if (typeof cluster.name !== 'string' || !Array.isArray(cluster.endpoints))
      throw new UnexpectedAnswerError(`${what}: [${i}] has no name or endpoints`);
    return {
      name: cluster.name,
      ...(typeof cluster.loadBalancer === 'string' && { loadBalancer: cluster.loadBalancer }),
      endpoints: cluster.endpoints.map((e, j) => {
        const endpoint = asRecord(e, `${what}: ${cluster.name}: endpoints[${j}] is not an object`);
        // The proxy names an endpoint `id` (address:port); `address` is accepted as well.
        const id = typeof endpoint.id === 'string' ? endpoint.id : endpoint.address;
        if (typeof id !== 'string')
          throw new UnexpectedAnswerError(`${what}: ${cluster.name}: endpoints[${j}] has no id`);
        const number = (key: string) =>
          typeof endpoint[key] === 'number' ? { [key]: endpoint[key] } : {};
        return {
          address: id,
          ready: endpoint.ready === true,
          ejected: isRecord(endpoint.ejected),
          ...number('weight'),
          ...number('activeRequests'),
          ...number('priority'),
          ...number('localityWeight'),
          ...(typeof endpoint.source === 'string' && { source: endpoint.source }),
          ...(typeof endpoint.locality === 'string' &&
            endpoint.locality !== '' && { locality: endpoint.locality }),
        };
      }),
    };
  });
}

function asRecord(value: unknown, message: string): Record<string, unknown> {
  if (!isRecord(value)) throw new UnexpectedAnswerError(message);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
