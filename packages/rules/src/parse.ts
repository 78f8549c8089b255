// YAML text -> typed resources. Structure (known fields, types) is checked here with the zod
// schemas of ./api; Istio's semantic rules are checked by ./validate on the typed result.
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import {
  API_GROUP,
  API_VERSIONS,
  DEFAULT_NAMESPACE,
  isKind,
  KINDS,
  type Kind,
  type Resource,
} from './api/resources.js';
import { metadata as metadataSchema } from './api/common.js';
import { virtualServiceSpec } from './api/virtual-service.js';
import { destinationRuleSpec } from './api/destination-rule.js';
import { gatewaySpec } from './api/gateway.js';
import { serviceEntrySpec } from './api/service-entry.js';
import { sidecarSpec } from './api/sidecar.js';
import { workloadEntrySpec } from './api/workload-entry.js';
import type { Diagnostic } from './diagnostics.js';
import { describe, pushIssue, zodMessage, zodPath } from './parse-issues.js';
import { pruneToValid } from './prune.js';
import { closest } from './suggest.js';
import { checkDns1123Label, checkDns1123Subdomain } from './validate/names.js';

const specSchemas: Record<Kind, z.ZodType> = {
  VirtualService: virtualServiceSpec,
  DestinationRule: destinationRuleSpec,
  Gateway: gatewaySpec,
  ServiceEntry: serviceEntrySpec,
  Sidecar: sidecarSpec,
  WorkloadEntry: workloadEntrySpec,
};

export interface ParseOptions {
  /** Shown in messages; also recorded on each resource's `source`. */
  file?: string;
  /** Namespace for resources that name none (kubectl's -n). */
  defaultNamespace?: string;
}

export interface ParseResult {
  resources: Resource[];
  /** Resources that failed structural checks, pruned to what is valid (see ParseObjectResult). */
  partials: Resource[];
  /** Objects of other kinds (Kubernetes Services, Deployments, EnvoyFilters...), not typed. */
  skipped: SkippedObject[];
  diagnostics: Diagnostic[];
}

// Guards against YAML alias bombs; real Istio config never needs more.
const MAX_ALIAS_COUNT = 1000;

/** Parses multi-document YAML (or JSON) into typed Istio resources plus structural diagnostics. */
export function parseResources(text: string, options: ParseOptions = {}): ParseResult {
  const resources: Resource[] = [];
  const partials: Resource[] = [];
  const skipped: SkippedObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const file = options.file;
  if (text.includes('\u0000')) {
    diagnostics.push(documentError(file, undefined, 'binary content: expected YAML or JSON text'));
    return { resources, partials, skipped, diagnostics };
  }
  let docs;
  try {
    docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    diagnostics.push(documentError(file, undefined, `yaml: ${(err as Error).message}`));
    return { resources, partials, skipped, diagnostics };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      diagnostics.push(documentError(file, index, `yaml: ${oneLine(first.message)}`));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      diagnostics.push(documentError(file, index, `yaml: ${oneLine((err as Error).message)}`));
      return;
    }
    for (const object of flattenLists(value)) {
      const result = parseObject(object, { ...options, document: index });
      if (result.resource) resources.push(result.resource);
      if (result.partial) partials.push(result.partial);
      if (result.skipped) skipped.push(result.skipped);
      diagnostics.push(...result.diagnostics);
    }
  });
  return { resources, partials, skipped, diagnostics };
}

/** Kubernetes `kind: List` documents carry their resources in `items`. */
function flattenLists(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items)) {
    return value.items.flatMap(flattenLists);
  }
  return [value];
}

/** An object parse skipped because it is not a kind mesh types (a Service, an EnvoyFilter...). */
export interface SkippedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  source: { file?: string; document?: number };
}

/** networking.istio.io kinds that Istio serves but mesh does not implement. */
const UNSUPPORTED_ISTIO_KINDS: readonly string[] = ['EnvoyFilter', 'WorkloadGroup', 'ProxyConfig'];

export interface ParseObjectResult {
  resource?: Resource;
  skipped?: SkippedObject;
  /**
   * When only the spec failed its structural checks: the resource with the failing fields
   * removed, for semantic validation of the rest. Never to be applied or compiled.
   */
  partial?: Resource;
  diagnostics: Diagnostic[];
}

/** Checks one decoded object (already out of YAML/JSON) and types it as a resource. */
export function parseObject(
  value: unknown,
  options: ParseOptions & { document?: number } = {},
): ParseObjectResult {
  const { file, document } = options;
  if (!isRecord(value)) {
    return {
      diagnostics: [
        documentError(file, document, `expected a Kubernetes object, got ${describe(value)}`),
      ],
    };
  }
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  const rawMeta = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof rawMeta.name === 'string' && rawMeta.name ? rawMeta.name : '<unnamed>';
  const namespace =
    typeof rawMeta.namespace === 'string' && rawMeta.namespace
      ? rawMeta.namespace
      : (options.defaultNamespace ?? DEFAULT_NAMESPACE);
  const source = {
    ...(file !== undefined && { file }),
    ...(document !== undefined && { document }),
  };

  if (typeof kind !== 'string' || kind === '') {
    return { diagnostics: [documentError(file, document, 'kind: required field is missing')] };
  }
  const group = typeof apiVersion === 'string' ? apiVersion.split('/')[0] : undefined;
  if (!isKind(kind)) {
    const skipped: SkippedObject = {
      apiVersion: typeof apiVersion === 'string' ? apiVersion : '',
      kind,
      namespace,
      name,
      source,
    };
    if (group === API_GROUP && UNSUPPORTED_ISTIO_KINDS.includes(kind)) {
      // Real Istio config that mesh does not implement: ignoring it changes behaviour, so warn.
      return {
        skipped,
        diagnostics: [
          {
            ...diag(
              kind,
              namespace,
              name,
              '',
              `${API_GROUP} ${kind} is not supported by mesh; skipped`,
              source,
            ),
            severity: 'warning',
            code: 'MESH-V0004',
          },
        ],
      };
    }
    if (group === API_GROUP) {
      const guess = closest(kind, KINDS);
      return {
        diagnostics: [
          diag(
            kind,
            namespace,
            name,
            'kind',
            `unknown kind "${kind}" in ${API_GROUP}; ${guess ? `did you mean "${guess}"?` : `expected one of ${KINDS.join(', ')}`}`,
            source,
          ),
        ],
      };
    }
    // Deployments, Services and the like often share a file with Istio config: skip, and say so
    // as info, not a warning, since nothing is wrong with them.
    return {
      skipped,
      diagnostics: [
        {
          ...diag(
            kind,
            namespace,
            name,
            '',
            `not an Istio networking resource (${String(apiVersion)}); skipped`,
            source,
          ),
          severity: 'info',
          code: 'MESH-V0002',
        },
      ],
    };
  }

  const diagnostics: Diagnostic[] = [];
  const push = (path: string, message: string) =>
    diagnostics.push(diag(kind, namespace, name, path, message, source));

  const version = typeof apiVersion === 'string' ? apiVersion.split('/')[1] : undefined;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    push('apiVersion', 'required field is missing');
  } else if (
    group !== API_GROUP ||
    !(API_VERSIONS as readonly (string | undefined)[]).includes(version)
  ) {
    push(
      'apiVersion',
      `"${apiVersion}" is not served for ${kind}; use ${API_VERSIONS.map((v) => `${API_GROUP}/${v}`).join(', ')}`,
    );
  }

  if (!isRecord(value.metadata)) {
    push(
      'metadata',
      value.metadata === undefined
        ? 'required field is missing'
        : `expected an object, got ${describe(value.metadata)}`,
    );
  } else {
    const meta = metadataSchema.safeParse(value.metadata, { reportInput: true });
    if (!meta.success)
      for (const issue of meta.error.issues)
        push(zodPath(['metadata', ...issue.path]), zodMessage(issue));
    if (typeof rawMeta.name !== 'string' || rawMeta.name === '')
      push('metadata.name', 'required field is missing');
    else {
      const problem = checkDns1123Subdomain(rawMeta.name);
      if (problem) push('metadata.name', problem);
    }
    if (typeof rawMeta.namespace === 'string') {
      const problem = checkDns1123Label(rawMeta.namespace);
      if (problem) push('metadata.namespace', problem);
    }
  }

  for (const key of Object.keys(value)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key)) {
      push(key, `unknown field "${key}"`);
    }
  }

  let spec: unknown = value.spec;
  let specIsPartial = false;
  if (spec === undefined || spec === null) {
    push('spec', 'required field is missing');
  } else {
    const parsed = specSchemas[kind].safeParse(spec, { reportInput: true });
    if (parsed.success) spec = parsed.data;
    else {
      for (const issue of parsed.error.issues) pushIssue(issue, specSchemas[kind], push);
      spec = pruneToValid(specSchemas[kind], spec, parsed.error.issues);
      specIsPartial = true;
    }
  }

  const typed = (s: unknown) =>
    ({
      apiVersion,
      kind,
      metadata: { ...(isRecord(value.metadata) ? value.metadata : {}), name, namespace },
      spec: s,
      source,
    }) as Resource;
  if (diagnostics.length > 0) {
    // Only structural problems in the spec: the rest of it can still be checked semantically.
    const specOnly = diagnostics.every((d) => d.path.startsWith('spec'));
    return specIsPartial && specOnly && spec !== undefined
      ? { diagnostics, partial: typed(spec) }
      : { diagnostics };
  }
  return { resource: typed(spec), diagnostics };
}

function diag(
  kind: string,
  namespace: string,
  name: string,
  path: string,
  message: string,
  source: Diagnostic['source'],
): Diagnostic {
  return {
    severity: 'error',
    code: 'MESH-V0001',
    kind,
    namespace,
    name,
    path,
    message,
    ...(source && { source }),
  };
}

/** A problem with a document that is not (yet) a named resource: located by file and index. */
function documentError(
  file: string | undefined,
  document: number | undefined,
  message: string,
): Diagnostic {
  const where = `${file ?? '<input>'}${document !== undefined ? `#${document + 1}` : ''}`;
  return {
    severity: 'error',
    code: 'MESH-V0003',
    kind: 'Document',
    namespace: '',
    name: where,
    path: '',
    message,
    source: { ...(file !== undefined && { file }), ...(document !== undefined && { document }) },
  };
}

/** First line of a yaml error, without the ':' that introduces its source excerpt. */
function oneLine(message: string): string {
  return message.split('\n')[0]!.trim().replace(/:$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
