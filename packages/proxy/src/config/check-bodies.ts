// Every body of a response is checked for its type before any of it is applied: the proxy would
// rather NACK and keep routing on its last table than run config it cannot make sense of. Bodies
// come back normalized (the shared schemas turn protobuf-JSON uint64 strings into numbers), so
// what is compiled is what was checked.
import {
  TYPE_URLS,
  type DiscoveryResource,
  type DiscoveryResponse,
  type ListenerProtocol,
  type NackDetail,
  type TypeUrl,
} from '@mesh/proto';
import {
  formatPath,
  parseObject,
  port as portSchema,
  serverTLSSettings,
  trafficPolicy as trafficPolicySchema,
  validateResource,
  type Diagnostic,
} from '@mesh/rules';
import { TYPE_LABELS } from './type-names.js';

/** google.rpc.Code INVALID_ARGUMENT: what proto/README.md asks for when a resource fails checks. */
export const INVALID_ARGUMENT = 3;

/** Problems listed in one NACK; the rest are counted, so the message stays readable. */
const MAX_PROBLEMS = 10;

export type CheckedResponse =
  | { readonly ok: true; readonly response: DiscoveryResponse }
  | { readonly ok: false; readonly nack: NackDetail };

export function checkBodies(res: DiscoveryResponse): CheckedResponse {
  const problems: string[] = [];
  const resources: DiscoveryResource[] = [];
  for (const r of res.resources) {
    const found = new Problems();
    const body = CHECKERS[res.typeUrl](r.body, r.name, found);
    for (const p of found.list) {
      problems.push(
        `${TYPE_LABELS[res.typeUrl]} ${r.name}: ${p.path ? `${p.path}: ` : ''}${p.message}`,
      );
    }
    resources.push(body === r.body ? r : { ...r, body });
  }
  if (problems.length === 0) return { ok: true, response: { ...res, resources } };
  const shown = problems.slice(0, MAX_PROBLEMS);
  if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more`);
  return { ok: false, nack: { code: INVALID_ARGUMENT, message: shown.join('; ') } };
}

class Problems {
  readonly list: { path: string; message: string }[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}

type Checker = (body: unknown, name: string, problems: Problems) => unknown;
type Fields = Record<string, unknown>;

const CHECKERS: Readonly<Record<TypeUrl, Checker>> = {
  [TYPE_URLS.listeners]: checkListener,
  [TYPE_URLS.routes]: checkRouteTable,
  [TYPE_URLS.clusters]: checkCluster,
  [TYPE_URLS.endpoints]: checkEndpoints,
};

const PROTOCOLS: readonly ListenerProtocol[] = ['HTTP', 'HTTP2', 'GRPC', 'TCP', 'TLS', 'HTTPS'];
const RESOLUTIONS = ['STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'NONE'] as const;

function checkRouteTable(body: unknown, name: string, problems: Problems): unknown {
  const o = object(body, '', problems);
  if (!o) return body;
  nameMatches(o, 'name', name, problems);
  if (typeof o.order !== 'number' || !Number.isFinite(o.order)) {
    problems.add('order', `expected a number, got ${describe(o.order)}`);
  }
  if (!object(o.virtualService, 'virtualService', problems)) return body;
  const parsed = parseObject(o.virtualService);
  const structural = errorsOf(parsed.diagnostics);
  if (parsed.resource?.kind !== 'VirtualService' || structural.length > 0) {
    for (const d of structural) problems.add(at('virtualService', d.path), d.message);
    if (structural.length === 0) problems.add('virtualService.kind', 'expected a VirtualService');
    return body;
  }
  // parseObject records where a resource came from; a body from the wire came from nowhere.
  const { source: _source, ...virtualService } = parsed.resource;
  for (const d of errorsOf(validateResource(parsed.resource))) {
    problems.add(at('virtualService', d.path), d.message);
  }
  return { ...o, virtualService };
}

function checkCluster(body: unknown, name: string, problems: Problems): unknown {
  const o = object(body, '', problems);
  if (!o) return body;
  nameMatches(o, 'name', name, problems);
  oneOf(o, 'direction', ['outbound', 'inbound'], problems);
  text(o, 'host', problems, { required: true });
  text(o, 'subset', problems);
  text(o, 'serviceNamespace', problems);
  text(o, 'destinationRule', problems);
  oneOf(o, 'resolution', RESOLUTIONS, problems);
  texts(o.exportTo, 'exportTo', problems);
  const port = schema(portSchema, o.port, 'port', problems);
  if (port !== undefined) portNumber(port.number, 'port.number', problems);
  const trafficPolicy = schema(trafficPolicySchema, o.trafficPolicy, 'trafficPolicy', problems);
  return trafficPolicy === undefined ? body : { ...o, trafficPolicy };
}

function checkEndpoints(body: unknown, name: string, problems: Problems): unknown {
  const o = object(body, '', problems);
  if (!o) return body;
  nameMatches(o, 'cluster', name, problems);
  list(o.endpoints, 'endpoints', problems)?.forEach((e, i) => {
    const path = `endpoints[${i}]`;
    const ep = object(e, path, problems);
    if (!ep) return;
    text(ep, 'address', problems, { required: true, path });
    portNumber(ep.port, `${path}.port`, problems);
    texts(ep.labels, `${path}.labels`, problems, 'map');
    if (typeof ep.ready !== 'boolean')
      problems.add(`${path}.ready`, `expected a boolean, got ${describe(ep.ready)}`);
    if (typeof ep.weight !== 'number' || !(ep.weight >= 0) || !Number.isFinite(ep.weight)) {
      problems.add(`${path}.weight`, `expected a non-negative number, got ${describe(ep.weight)}`);
    }
    text(ep, 'locality', problems, { path });
    text(ep, 'source', problems, { path });
  });
  return body;
}

function checkListener(body: unknown, name: string, problems: Problems): unknown {
  const o = object(body, '', problems);
  if (!o) return body;
  nameMatches(o, 'name', name, problems);
  const direction = oneOf(o, 'direction', ['outbound', 'inbound', 'gateway'], problems);
  if (direction === 'inbound') {
    for (const key of ['port', 'bindPort', 'targetPort']) portNumber(o[key], key, problems);
    oneOf(o, 'protocol', PROTOCOLS, problems);
    text(o, 'cluster', problems, { required: true });
  } else if (direction === 'gateway') {
    portNumber(o.port, 'port', problems);
    oneOf(o, 'protocol', PROTOCOLS, problems);
    list(o.servers, 'servers', problems)?.forEach((s, i) => {
      const path = `servers[${i}]`;
      const server = object(s, path, problems);
      if (!server) return;
      text(server, 'gateway', problems, { required: true, path });
      texts(server.hosts, `${path}.hosts`, problems);
      if (server.tls !== undefined) schema(serverTLSSettings, server.tls, `${path}.tls`, problems);
    });
  }
  return body;
}

// --- field checks: each reports at its path and returns the value when it is usable ----------

function object(value: unknown, path: string, problems: Problems): Fields | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Fields;
  problems.add(path, `expected an object, got ${describe(value)}`);
  return undefined;
}

function list(value: unknown, path: string, problems: Problems): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  problems.add(path, `expected a list, got ${describe(value)}`);
  return undefined;
}

function text(
  o: Fields,
  key: string,
  problems: Problems,
  { required = false, path = '' }: { required?: boolean; path?: string } = {},
): void {
  const value = o[key];
  if (typeof value !== 'string')
    problems.add(at(path, key), `expected a string, got ${describe(value)}`);
  else if (required && value === '') problems.add(at(path, key), 'must not be empty');
}

/** A list of strings, or with `map` a string -> string map. */
function texts(
  value: unknown,
  path: string,
  problems: Problems,
  shape: 'list' | 'map' = 'list',
): void {
  const entries = shape === 'list' ? list(value, path, problems) : object(value, path, problems);
  if (!entries) return;
  for (const [k, v] of Object.entries(entries)) {
    if (typeof v !== 'string')
      problems.add(
        shape === 'list' ? `${path}[${k}]` : at(path, k),
        `expected a string, got ${describe(v)}`,
      );
  }
}

function oneOf<T extends string>(
  o: Fields,
  key: string,
  values: readonly T[],
  problems: Problems,
): T | undefined {
  const value = o[key];
  if ((values as readonly unknown[]).includes(value)) return value as T;
  problems.add(key, `expected one of ${values.join(', ')}, got ${describe(value)}`);
  return undefined;
}

function portNumber(value: unknown, path: string, problems: Problems): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    problems.add(path, `${describe(value)} is not a port (1-65535)`);
  }
}

function nameMatches(o: Fields, key: string, name: string, problems: Problems): void {
  // The resource name is what removals and cluster <-> endpoints lookups go by.
  if (o[key] !== name) problems.add(key, `${describe(o[key])} is not the resource name "${name}"`);
}

interface Schema<T> {
  safeParse(value: unknown):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
      };
}

function schema<T>(s: Schema<T>, value: unknown, path: string, problems: Problems): T | undefined {
  const result = s.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const segments = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    problems.add(at(path, formatPath(segments)), issue.message);
  }
  return undefined;
}

function errorsOf(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

function at(base: string, path: string): string {
  if (!base) return path;
  if (!path) return base;
  return path.startsWith('[') ? `${base}${path}` : `${base}.${path}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}
