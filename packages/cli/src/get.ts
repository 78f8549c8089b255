import type { ConfigDocument } from '@mesh/proto';
import { API_GROUP, DEFAULT_NAMESPACE, KINDS } from '@mesh/rules';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { columnsFor } from './columns.js';
import {
  parseTimeout,
  withControlPlane,
  type ControlPlaneDeps,
  type ControlPlaneOptions,
} from './connection.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import { InputError } from './inputs.js';
import type { CliIo } from './io.js';
import { parseKind, parseKinds, resourceType } from './kinds.js';
import { GRPC_STATUS, RpcError } from './rpc.js';
import { renderTable } from './table.js';

export type GetOutput = 'table' | 'yaml' | 'json' | 'name';
export const GET_OUTPUTS: readonly GetOutput[] = ['table', 'yaml', 'json', 'name'];

export interface GetOptions extends ControlPlaneOptions {
  /** `vs`, `vs,dr`, `all`, or `vs/reviews`. */
  type: string;
  name?: string;
  namespace?: string;
  allNamespaces?: boolean;
  output?: GetOutput;
}

/** A stored resource as `kubectl get -o yaml` shows one. */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace: string; resourceVersion: string };
  spec: Record<string, unknown>;
  [field: string]: unknown;
}

/** `meshctl get`: stored resources as a kubectl-style table, YAML, JSON or names. */
export function runGet(options: GetOptions, io: CliIo, deps: ControlPlaneDeps): Promise<number> {
  return guarded(io, options.debug, async () => {
    parseTimeout(options.timeout);
    const output = options.output ?? 'table';
    if (!GET_OUTPUTS.includes(output))
      throw new InputError(`-o: "${String(output)}" is not one of ${GET_OUTPUTS.join(', ')}`);
    let type = options.type;
    let name = options.name;
    const slash = type.indexOf('/');
    if (slash >= 0) {
      if (name !== undefined)
        throw new InputError(
          `"${type}" already names the resource; drop "${name}" or write it as: meshctl get ${type.slice(0, slash)} ${name}`,
        );
      name = type.slice(slash + 1);
      type = type.slice(0, slash);
      if (name === '') throw new InputError(`"${options.type}": the name after "/" is empty`);
    }
    if (name !== undefined && options.allNamespaces)
      throw new InputError('a resource cannot be retrieved by name across all namespaces');
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const allNamespaces = options.allNamespaces ?? false;
    const kind = name !== undefined ? parseKind(type) : undefined;
    const selection = name === undefined ? parseKinds(type) : undefined;

    return withControlPlane(options, io, deps, async (client) => {
      if (kind !== undefined && name !== undefined) {
        let document: ConfigDocument;
        try {
          document = (await client.get({ kind, namespace, name })).document;
        } catch (err) {
          if (err instanceof RpcError && err.code === GRPC_STATUS.NOT_FOUND) {
            io.stderr(`Error: ${kind} ${namespace}/${name} not found\n`);
            return EXIT_FINDINGS;
          }
          throw err;
        }
        writeObjects(io, output, [storedObject(document)], { single: true, allNamespaces });
        return EXIT_OK;
      }
      const request = { namespace, allNamespaces };
      const documents: ConfigDocument[] = [];
      if (selection!.all)
        documents.push(...(await client.list({ ...request, kind: '' })).documents);
      else
        for (const k of selection!.kinds)
          documents.push(...(await client.list({ ...request, kind: k })).documents);
      const objects = documents.map(storedObject);
      if (objects.length === 0)
        io.stderr(
          allNamespaces
            ? 'No resources found\n'
            : `No resources found in ${namespace} namespace.\n`,
        );
      const manyKinds = selection!.all || selection!.kinds.length > 1;
      writeObjects(io, output, objects, { single: false, allNamespaces, manyKinds });
      return EXIT_OK;
    });
  });
}

/**
 * The stored text (JSON) with the document's identity and version on top: the store's
 * resource_version travels beside the text, and `get -o yaml | edit | apply` wants it inside.
 */
export function storedObject(doc: ConfigDocument): StoredObject {
  let parsed: unknown;
  try {
    parsed = parseYaml(doc.text);
  } catch {
    parsed = undefined;
  }
  const object = isRecord(parsed) ? parsed : {};
  const { apiVersion, kind: _kind, metadata, spec, ...rest } = object;
  const meta = isRecord(metadata) ? metadata : {};
  const { name: _name, namespace: _namespace, resourceVersion: _rv, ...otherMeta } = meta;
  return {
    apiVersion: typeof apiVersion === 'string' && apiVersion ? apiVersion : `${API_GROUP}/v1`,
    kind: doc.kind,
    metadata: {
      name: doc.name,
      namespace: doc.namespace || DEFAULT_NAMESPACE,
      ...otherMeta,
      resourceVersion: doc.resourceVersion,
    },
    spec: isRecord(spec) ? spec : {},
    ...rest,
  };
}

interface Layout {
  /** A name was asked for: JSON prints the object itself, not a List. */
  single: boolean;
  allNamespaces: boolean;
  /** Several kinds: one table per kind, names prefixed with their type as kubectl does. */
  manyKinds?: boolean;
}

function writeObjects(
  io: CliIo,
  output: GetOutput,
  objects: readonly StoredObject[],
  layout: Layout,
): void {
  switch (output) {
    case 'json': {
      const value = layout.single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
      io.stdout(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    case 'yaml':
      if (objects.length > 0) io.stdout(yamlStream(objects));
      return;
    case 'name':
      for (const o of objects) io.stdout(`${resourceType(o.kind)}/${o.metadata.name}\n`);
      return;
    case 'table':
      if (objects.length > 0) io.stdout(renderTables(objects, layout));
      return;
  }
}

export function yamlStream(objects: readonly StoredObject[]): string {
  return objects.map((o) => stringifyYaml(o, { lineWidth: 0 })).join('---\n');
}

/** One table per kind (in the order Istio documents them), separated by a blank line. */
export function renderTables(
  objects: readonly StoredObject[],
  layout: { allNamespaces: boolean; manyKinds?: boolean },
): string {
  const order = (kind: string) => {
    const i = (KINDS as readonly string[]).indexOf(kind);
    return i < 0 ? KINDS.length : i;
  };
  const kinds = [...new Set(objects.map((o) => o.kind))].sort(
    (a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  return kinds
    .map((kind) =>
      renderKindTable(
        kind,
        objects.filter((o) => o.kind === kind),
        layout.allNamespaces,
        layout.manyKinds ?? kinds.length > 1,
      ),
    )
    .join('\n');
}

export function renderKindTable(
  kind: string,
  objects: readonly StoredObject[],
  allNamespaces: boolean,
  prefixNames: boolean,
): string {
  const columns = columnsFor(kind);
  const headers = [
    ...(allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    ...columns.headers,
    'RESOURCE VERSION',
  ];
  const rows = objects.map((o) => [
    ...(allNamespaces ? [o.metadata.namespace] : []),
    prefixNames ? `${resourceType(kind)}/${o.metadata.name}` : o.metadata.name,
    ...columns.cells(o.spec),
    o.metadata.resourceVersion,
  ]);
  return renderTable(headers, rows);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
