// Where `meshctl analyze` without files reads the live mesh from: the control plane's debug
// pages `/debug/configz` (the stored resources, oldest first) and `/debug/registryz` (the
// workloads whose proxies registered). Decoded here, at the one boundary, into @mesh/rules types:
// the analysis never sees the wire shapes.
import {
  parseObject,
  validateResource,
  type Diagnostic,
  type RegisteredWorkload,
  type Resource,
  type WorkloadRegistry,
} from '@mesh/rules';
import type { HttpGet } from './proxy-config-http.js';
import { UnexpectedAnswerError } from './proxy-config-source.js';

/** One stored resource as this meshctl reads it, with what validation says about it. */
export interface StoredResource {
  kind: string;
  namespace: string;
  name: string;
  /** Undefined when this meshctl cannot type it (a newer control plane, a foreign writer). */
  resource: Resource | undefined;
  /** Parse and validation findings (MESH-V codes); errors keep it out of the analysis. */
  diagnostics: Diagnostic[];
}

export interface LiveMesh {
  /** `host:port` of the control plane's HTTP port that answered. */
  address: string;
  /** Oldest first: the order stands for creation order in Istio's "oldest wins" rules. */
  resources: StoredResource[];
  registry: WorkloadRegistry;
}

/** Both pages, fetched together; the first failure wins. */
export async function readLiveMesh(
  httpGet: HttpGet,
  address: string,
  timeoutMs: number,
): Promise<LiveMesh> {
  const where = `the control plane at ${address}`;
  const [configz, registryz] = await Promise.all([
    getJson(httpGet, `http://${address}/debug/configz`, timeoutMs, where),
    getJson(httpGet, `http://${address}/debug/registryz`, timeoutMs, where),
  ]);
  return {
    address,
    resources: decodeConfigz(configz, `${where}: /debug/configz`),
    registry: decodeRegistryz(registryz, `${where}: /debug/registryz`),
  };
}

/** `[{resource, resourceVersion, createRevision}]` -> typed, validated resources, oldest first. */
export function decodeConfigz(value: unknown, what: string): StoredResource[] {
  if (!Array.isArray(value)) throw new UnexpectedAnswerError(`${what} is not a list of resources`);
  const entries = value.map((entry, i) => {
    if (!isRecord(entry) || !isRecord(entry.resource))
      throw new UnexpectedAnswerError(`${what}: [${i}] has no resource`);
    const revision = Number(entry.createRevision);
    return { raw: entry.resource, revision: Number.isFinite(revision) ? revision : 0, i };
  });
  // The page is sorted already; a stable sort keeps that true whatever a replica sends.
  entries.sort((a, b) => a.revision - b.revision || a.i - b.i);
  return entries.map(({ raw }) => storedResource(raw));
}

function storedResource(raw: Record<string, unknown>): StoredResource {
  // Bookkeeping a writer may have left (the file it was applied from) is not the live config.
  const { source: _source, ...value } = raw;
  const parsed = parseObject(value);
  const meta = isRecord(value.metadata) ? value.metadata : {};
  const kind = typeof value.kind === 'string' ? value.kind : '<no kind>';
  const resource = parsed.resource;
  const diagnostics = [...parsed.diagnostics, ...(resource ? validateResource(resource) : [])].map(
    withoutSource,
  );
  return {
    kind: resource?.kind ?? kind,
    namespace: resource?.metadata.namespace ?? stringOr(meta.namespace, ''),
    name: resource?.metadata.name ?? stringOr(meta.name, '<unnamed>'),
    resource,
    diagnostics,
  };
}

/** The control plane's WorkloadRecords -> the registry view the analyzers take. */
export function decodeRegistryz(value: unknown, what: string): WorkloadRegistry {
  if (!Array.isArray(value)) throw new UnexpectedAnswerError(`${what} is not a list of workloads`);
  const workloads = value.map((entry, i): RegisteredWorkload => {
    if (
      !isRecord(entry) ||
      typeof entry.namespace !== 'string' ||
      typeof entry.proxyId !== 'string' ||
      !isRecord(entry.labels) ||
      !Array.isArray(entry.ports)
    )
      throw new UnexpectedAnswerError(
        `${what}: [${i}] is not a workload (proxyId, namespace, labels, ports)`,
      );
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry.labels)) if (typeof v === 'string') labels[k] = v;
    return {
      id: entry.proxyId,
      namespace: entry.namespace,
      workloadName: stringOr(entry.workloadName, entry.proxyId),
      labels,
      ports: entry.ports.flatMap((p) =>
        isRecord(p) && typeof p.number === 'number'
          ? [
              {
                number: p.number,
                ...(typeof p.name === 'string' && p.name !== '' && { name: p.name }),
                ...(typeof p.protocol === 'string' &&
                  p.protocol !== '' && { protocol: p.protocol }),
              },
            ]
          : [],
      ),
    };
  });
  return { workloads };
}

async function getJson(
  httpGet: HttpGet,
  url: string,
  timeoutMs: number,
  where: string,
): Promise<unknown> {
  const response = await httpGet(url, timeoutMs);
  const path = new URL(url).pathname;
  if (response.status !== 200) {
    const said = response.body.trim().split('\n')[0] ?? '';
    throw new UnexpectedAnswerError(
      `${where} answered ${path} with HTTP ${response.status}${said ? `: ${said}` : ''}`,
    );
  }
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    throw new UnexpectedAnswerError(`${where} answered ${path} with something that is not JSON`);
  }
}

function withoutSource(d: Diagnostic): Diagnostic {
  const { source: _source, ...rest } = d;
  return rest;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
