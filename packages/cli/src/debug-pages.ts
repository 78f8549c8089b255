// The control plane's debug pages as meshctl reads them (describe, live analyze), decoded at this
// one boundary into plain typed data: the rest of meshctl never sees their raw JSON.
//   /debug/configz   stored resources, oldest first (creation order decides Istio's ties)
//   /debug/registryz workloads registered by connected proxies
//   /debug/syncz     per-proxy sync status, for the proxies connected to THIS replica
import type { ProxyStatusRow, WorkloadPort } from '@mesh/proto';
import { parseObject, type Diagnostic, type Resource } from '@mesh/rules';
import { getJson, UnexpectedAnswerError, type HttpGet } from './proxy-config-http.js';

export const DEBUG_PAGES = ['configz', 'registryz', 'syncz'] as const;
export type DebugPage = (typeof DEBUG_PAGES)[number];

/** One stored resource, as /debug/configz lists it. */
export interface StoredConfig {
  /** Undefined when this meshctl cannot type it (a newer control plane, a foreign writer). */
  resource: Resource | undefined;
  /** What parsing said (MESH-V codes); the reason when `resource` is undefined. */
  diagnostics: Diagnostic[];
  /** From the resource, or as far as the raw entry names it when it cannot be typed. */
  kind: string;
  namespace: string;
  name: string;
  resourceVersion: string;
  /** Store revision that created it: the order Istio's "oldest wins" rules use. */
  createRevision: number;
  /** `configz[7]`: where it stood on the page, for messages. */
  at: string;
}

/**
 * One registered workload (its proxy's Node), as /debug/registryz lists it (the control plane's
 * WorkloadRecord).
 */
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

/** The pages, decoded. */
export interface DebugPages {
  /** Oldest first. */
  configz: StoredConfig[];
  registryz: WorkloadRecord[];
  /** Sync rows of the proxies connected to the replica that was asked. */
  syncz: ProxyStatusRow[];
}

/** GETs `pages` (in parallel; the first failure wins) from `address` and decodes them. */
export async function readDebugPages<P extends DebugPage>(
  httpGet: HttpGet,
  address: string,
  timeoutMs: number,
  pages: readonly P[],
): Promise<Pick<DebugPages, P>> {
  const where = `the control plane at ${address}`;
  const bodies = await Promise.all(
    pages.map((page) => getJson(httpGet, `http://${address}/debug/${page}`, timeoutMs, where)),
  );
  return decodeDebugPages(
    Object.fromEntries(pages.map((page, i) => [page, bodies[i]])) as Record<P, unknown>,
  );
}

const DECODERS: { readonly [P in DebugPage]: (value: unknown) => DebugPages[P] } = {
  // The control plane lists them oldest first already; creation order decides which
  // VirtualService sidecars use, so it is not left to chance (the sort is stable).
  configz: (value) =>
    entries(value, 'configz', storedConfig).sort((a, b) => a.createRevision - b.createRevision),
  registryz: (value) => entries(value, 'registryz', workloadRecord),
  syncz: (value) => entries(value, 'syncz', syncRow),
};

/** Pages as parsed JSON -> typed; UnexpectedAnswerError naming the field when one is misshapen. */
export function decodeDebugPages<P extends DebugPage>(
  pages: Readonly<Record<P, unknown>>,
): Pick<DebugPages, P> {
  const out = {} as Record<P, unknown>;
  for (const page of Object.keys(pages) as P[]) out[page] = DECODERS[page](pages[page]);
  return out as Pick<DebugPages, P>;
}

/** A page that is a list of objects, each decoded with its place (`registryz[3]`) for messages. */
function entries<T>(
  value: unknown,
  page: DebugPage,
  decode: (entry: Record<string, unknown>, at: string) => T,
): T[] {
  return list(value, page).map((entry, i) =>
    decode(record(entry, `${page}[${i}]`), `${page}[${i}]`),
  );
}

function storedConfig(e: Record<string, unknown>, at: string): StoredConfig {
  // Bookkeeping a writer may have stored with it (the file it was applied from) is not config.
  const { source: _source, ...raw } = record(e.resource, `${at}.resource`);
  const parsed = parseObject(raw);
  const meta = isRecord(raw.metadata) ? raw.metadata : {};
  return {
    resource: parsed.resource,
    diagnostics: parsed.diagnostics,
    kind: parsed.resource?.kind ?? nonEmpty(raw.kind, '<no kind>'),
    namespace: parsed.resource?.metadata.namespace ?? nonEmpty(meta.namespace, ''),
    name: parsed.resource?.metadata.name ?? nonEmpty(meta.name, '<unnamed>'),
    resourceVersion: str(e.resourceVersion, `${at}.resourceVersion`),
    createRevision: num(e.createRevision, `${at}.createRevision`),
    at,
  };
}

function workloadRecord(r: Record<string, unknown>, at: string): WorkloadRecord {
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, at: string): Record<string, unknown> {
  if (!isRecord(value)) throw wrongShape(at, 'an object');
  return value;
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

function nonEmpty(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
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
