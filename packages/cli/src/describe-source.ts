// What `meshctl describe` reads: three pages of the control plane's HTTP debug port, decoded at
// this one boundary into plain typed data (the rest of describe never sees raw JSON).
//   /debug/configz   stored resources, oldest first (creation order decides Istio's ties)
//   /debug/registryz workloads registered by connected proxies
//   /debug/syncz     per-proxy sync status, for the proxies connected to THIS replica
import type { ProxyStatusRow, WorkloadPort } from '@mesh/proto';
import { parseObject, type Resource } from '@mesh/rules';
import type { HttpGet } from './proxy-config-http.js';
import { UnexpectedAnswerError } from './proxy-config-source.js';

/** One stored Istio resource, as /debug/configz lists it. */
export interface StoredConfig {
  resource: Resource;
  resourceVersion: string;
  /** Store revision that created it: the order Istio's "oldest wins" rules use. */
  createRevision: number;
}

/** One registered workload (its proxy's Node), as /debug/registryz lists it (the control
 * plane's WorkloadRecord). */
export interface WorkloadRecord {
  proxyId: string;
  workloadName: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string;
  addresses: string[];
  ports: WorkloadPort[];
  proxyVersion: string;
  /** The proxy's own readiness: an unready proxy's endpoints get no traffic. */
  ready: boolean;
  locality: string;
  /** Replica holding the proxy's stream. */
  controlPlane: string;
}

export interface MeshView {
  /** Oldest first. */
  resources: StoredConfig[];
  workloads: WorkloadRecord[];
  /** Sync rows of the proxies connected to the replica that was asked. */
  proxies: ProxyStatusRow[];
  /** Stored entries this meshctl could not read (a newer control plane?), in words. */
  unreadable: string[];
}

export const DEBUG_PAGES = ['configz', 'registryz', 'syncz'] as const;
export type DebugPage = (typeof DEBUG_PAGES)[number];

/** GETs the three pages (in parallel) from `address` and decodes them. */
export async function readMeshView(
  httpGet: HttpGet,
  address: string,
  timeoutMs: number,
): Promise<MeshView> {
  const [configz, registryz, syncz] = await Promise.all(
    DEBUG_PAGES.map((page) => getJson(httpGet, address, page, timeoutMs)),
  );
  return decodeMeshView({ configz, registryz, syncz });
}

async function getJson(
  httpGet: HttpGet,
  address: string,
  page: DebugPage,
  timeoutMs: number,
): Promise<unknown> {
  const path = `/debug/${page}`;
  const res = await httpGet(`http://${address}${path}`, timeoutMs);
  if (res.status !== 200)
    throw new UnexpectedAnswerError(`${address} answered ${res.status} to GET ${path}`);
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    throw new UnexpectedAnswerError(`${address} answered GET ${path} with something not JSON`);
  }
}

/** Pages as parsed JSON -> MeshView; UnexpectedAnswerError when a page has the wrong shape. */
export function decodeMeshView(pages: Record<DebugPage, unknown>): MeshView {
  const unreadable: string[] = [];
  const resources = list(pages.configz, 'configz').flatMap((entry, i): StoredConfig[] => {
    const e = record(entry, `configz[${i}]`);
    // Bookkeeping a writer may have stored with it (the file it was applied from) is not config.
    const { source: _source, ...resource } = record(e.resource, `configz[${i}].resource`);
    const parsed = parseObject(resource);
    if (!parsed.resource) {
      const why = parsed.diagnostics[0]?.message ?? 'not a resource';
      unreadable.push(`configz[${i}]: ${why}`);
      return [];
    }
    return [
      {
        resource: parsed.resource,
        resourceVersion: str(e.resourceVersion, `configz[${i}].resourceVersion`),
        createRevision: num(e.createRevision, `configz[${i}].createRevision`),
      },
    ];
  });
  const workloads = list(pages.registryz, 'registryz').map((entry, i) =>
    workload(record(entry, `registryz[${i}]`), `registryz[${i}]`),
  );
  const proxies = list(pages.syncz, 'syncz').map((entry, i) =>
    syncRow(record(entry, `syncz[${i}]`), `syncz[${i}]`),
  );
  // The control plane lists them oldest first already; creation order decides which
  // VirtualService sidecars use, so it is not left to chance.
  resources.sort((a, b) => a.createRevision - b.createRevision);
  return { resources, workloads, proxies, unreadable };
}

function workload(r: Record<string, unknown>, at: string): WorkloadRecord {
  return {
    proxyId: str(r.proxyId, `${at}.proxyId`),
    workloadName: str(r.workloadName, `${at}.workloadName`),
    namespace: str(r.namespace, `${at}.namespace`),
    labels: stringMap(r.labels, `${at}.labels`),
    serviceAccount: optStr(r.serviceAccount),
    addresses: list(r.addresses ?? [], `${at}.addresses`).map((a, i) =>
      str(a, `${at}.addresses[${i}]`),
    ),
    ports: list(r.ports ?? [], `${at}.ports`).map((p, i) => {
      const q = record(p, `${at}.ports[${i}]`);
      return {
        name: optStr(q.name),
        number: num(q.number, `${at}.ports[${i}].number`),
        protocol: optStr(q.protocol),
        targetPort: optNum(q.targetPort),
        endpointPort: optNum(q.endpointPort),
      };
    }),
    proxyVersion: optStr(r.proxyVersion),
    ready: r.ready === true,
    locality: optStr(r.locality),
    controlPlane: optStr(r.controlPlane),
  };
}

const SYNC_STATES = ['SYNCED', 'STALE', 'NOT_SENT', 'ERROR'] as const;

function syncRow(r: Record<string, unknown>, at: string): ProxyStatusRow {
  return {
    proxyId: str(r.proxyId, `${at}.proxyId`),
    workload: optStr(r.workload),
    namespace: str(r.namespace, `${at}.namespace`),
    controlPlane: optStr(r.controlPlane),
    types: list(r.types ?? [], `${at}.types`).map((t, i) => {
      const q = record(t, `${at}.types[${i}]`);
      const state = (SYNC_STATES as readonly unknown[]).includes(q.state)
        ? (q.state as (typeof SYNC_STATES)[number])
        : 'NOT_SENT';
      return {
        typeUrl: str(
          q.typeUrl,
          `${at}.types[${i}].typeUrl`,
        ) as ProxyStatusRow['types'][number]['typeUrl'],
        state,
        sentVersion: optStr(q.sentVersion),
        sentNonce: optStr(q.sentNonce),
        ackedVersion: optStr(q.ackedVersion),
        lastError: optStr(q.lastError),
      };
    }),
  };
}

function wrongShape(at: string, expected: string): UnexpectedAnswerError {
  return new UnexpectedAnswerError(`/debug/${at}: expected ${expected}`);
}

function list(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw wrongShape(at, 'a list');
  return value;
}

function record(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw wrongShape(at, 'an object');
  return value as Record<string, unknown>;
}

function str(value: unknown, at: string): string {
  if (typeof value !== 'string') throw wrongShape(at, 'a string');
  return value;
}

function num(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongShape(at, 'a number');
  return value;
}

function optStr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function optNum(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function stringMap(value: unknown, at: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const r = record(value, at);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) out[k] = str(v, `${at}.${k}`);
  return out;
}
