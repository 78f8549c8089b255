// One request Document -> a checked resource, with exactly the diagnostics `meshctl validate`
// reports for the same text (parse, structural checks, webhook rules), plus the checks only a
// store needs: one resource per Document, its identity agreeing with the request's fields, and
// only kinds the mesh stores.
import {
  API_GROUP,
  DEFAULT_NAMESPACE,
  hasErrors,
  KINDS,
  parseObject,
  parseResources,
  validatePartial,
  validateResource,
} from '@mesh/rules';
import type { Diagnostic, Resource } from '@mesh/rules';
import type { ConfigDocument } from '@mesh/proto';
import { describeResource } from './resource-keys.js';
import type { ResourceIdentity } from './resource-keys.js';

export interface CheckedDocument {
  readonly document: ConfigDocument;
  /** What the document names: the request's fields, the namespace completed from the text. */
  readonly identity: ResourceIdentity;
  /** The typed resource; only when the document has no error diagnostic. */
  readonly resource: Resource | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** What parse made of one object in the text, whatever became of it. */
interface ParsedObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly document: number | undefined;
  readonly stored: boolean;
}

// parse names an object without metadata.name like this.
const UNNAMED = '<unnamed>';
// parse's notes for objects it skips; here a skipped object is an error instead.
const SKIP_NOTES = new Set(['MESH-V0002', 'MESH-V0004']);

export function checkDocuments(documents: readonly ConfigDocument[]): CheckedDocument[] {
  return markDuplicates(documents.map(checkDocument));
}

export function checkDocument(doc: ConfigDocument): CheckedDocument {
  const file = doc.source?.file;
  const parsed = parseResources(doc.text, {
    ...(file !== undefined && { file }),
    defaultNamespace: doc.namespace || DEFAULT_NAMESPACE,
  });
  // The same sequence as meshctl's check: parse, semantics of partials, then of resources.
  const diagnostics: Diagnostic[] = [];
  const skippedKinds = new Set(parsed.skipped.map((s) => s.kind));
  for (const d of parsed.diagnostics) {
    if (!(SKIP_NOTES.has(d.code) && skippedKinds.has(d.kind))) diagnostics.push(d);
  }
  for (const partial of parsed.partials) {
    diagnostics.push(...validatePartial(partial, parsed.diagnostics));
  }
  for (const resource of parsed.resources) diagnostics.push(...validateResource(resource));

  const objects: ParsedObject[] = [
    ...[...parsed.resources, ...parsed.partials].map((r) => ({
      kind: r.kind as string,
      apiVersion: r.apiVersion as string,
      namespace: r.metadata.namespace,
      name: r.metadata.name,
      document: r.source?.document,
      stored: true,
    })),
    ...parsed.skipped.map((s) => ({ ...s, document: s.source.document, stored: false })),
  ];
  const only = objects.length === 1 ? objects[0] : undefined;
  const identity: ResourceIdentity = {
    kind: doc.kind,
    namespace: doc.namespace || only?.namespace || DEFAULT_NAMESPACE,
    name: doc.name,
  };
  const problem = (path: string, message: string, code = 'MESH-V0001'): Diagnostic => ({
    severity: 'error',
    code,
    ...identity,
    path,
    message,
  });

  const count = objectCount(objects, parsed.diagnostics);
  if (count > 1) {
    diagnostics.push(
      problem(
        '',
        `the text holds ${count} objects; a Document holds exactly one resource`,
        'MESH-V0003',
      ),
    );
  } else if (count === 0 && !hasErrors(diagnostics)) {
    diagnostics.push(problem('', 'the text holds no resource', 'MESH-V0003'));
  }
  if (only) diagnostics.push(...identityProblems(doc, only, diagnostics, problem));

  const ok = !hasErrors(diagnostics) && parsed.resources.length === 1 && count === 1;
  const resource = ok ? parsed.resources[0] : undefined;
  return {
    document: doc,
    identity,
    resource: resource && withSource(resource, doc.source),
    diagnostics: diagnostics.map((d) => fromDocument(d, doc)),
  };
}

/**
 * At least how many objects the text held: list items count one each, and a YAML document that
 * never became an object still shows in its diagnostics' document index.
 */
function objectCount(objects: readonly ParsedObject[], diagnostics: readonly Diagnostic[]) {
  const documents = new Set<number>();
  for (const o of objects) if (o.document !== undefined) documents.add(o.document);
  for (const d of diagnostics)
    if (d.source?.document !== undefined) documents.add(d.source.document);
  return Math.max(objects.length, documents.size);
}

function identityProblems(
  doc: ConfigDocument,
  object: ParsedObject,
  sofar: readonly Diagnostic[],
  problem: (path: string, message: string) => Diagnostic,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!object.stored) {
    out.push(
      problem(
        'kind',
        `${object.kind} (${object.apiVersion || 'no apiVersion'}) cannot be applied: only ${API_GROUP} kinds are stored (${KINDS.join(', ')})`,
      ),
    );
  }
  if (object.kind !== doc.kind) {
    out.push(problem('kind', `the text is a ${object.kind}, but the request names a ${doc.kind}`));
  }
  // A text without a name already has its "required field is missing" error.
  if (object.name !== UNNAMED && object.name !== doc.name) {
    out.push(
      problem(
        'metadata.name',
        `the text names "${object.name}", but the request names "${doc.name}"`,
      ),
    );
  }
  if (doc.namespace !== '' && object.namespace !== doc.namespace) {
    out.push(
      problem(
        'metadata.namespace',
        `the text is in namespace "${object.namespace}", but the request names "${doc.namespace}"`,
      ),
    );
  } else if (doc.namespace !== '' && !sofar.some((d) => d.path === 'metadata.namespace')) {
    // parse checks a namespace written in the text, not the default it was given.
    const wrong = namespaceProblem(doc.namespace);
    if (wrong) out.push(problem('metadata.namespace', wrong));
  }
  return out;
}

/** parse's own words for a bad namespace, so a request field reads like the same text field. */
function namespaceProblem(namespace: string): string | undefined {
  const probe = parseObject({
    apiVersion: `${API_GROUP}/v1`,
    kind: 'Sidecar',
    metadata: { name: 'probe', namespace },
    spec: {},
  });
  return probe.diagnostics.find((d) => d.path === 'metadata.namespace')?.message;
}

/** One transaction writes a resource once; which copy would win is arbitrary, so neither does. */
function markDuplicates(checked: CheckedDocument[]): CheckedDocument[] {
  const first = new Map<string, number>();
  return checked.map((c, i) => {
    const key = describeResource(c.identity);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, i);
      return c;
    }
    const duplicate = fromDocument(
      {
        severity: 'error',
        code: 'MESH-V0001',
        ...c.identity,
        path: '',
        message: `${key} is also documents[${earlier}] of this request; send each resource once`,
      },
      c.document,
    );
    return { ...c, resource: undefined, diagnostics: [...c.diagnostics, duplicate] };
  });
}

/**
 * The Document's source replaces the one parse recorded (which counts documents within this one
 * text), so a diagnostic points where `meshctl validate` on the whole file would.
 */
function fromDocument(d: Diagnostic, doc: ConfigDocument): Diagnostic {
  const { source: _parsed, ...rest } = d;
  const source = doc.source;
  const out: Diagnostic = source ? { ...rest, source: { ...source } } : rest;
  if (out.kind === 'Document' && source?.document !== undefined) {
    out.name = `${source.file ?? '<input>'}#${source.document + 1}`;
  }
  return out;
}

function withSource(resource: Resource, source: ConfigDocument['source']): Resource {
  const { source: _parsed, ...rest } = resource;
  return (source ? { ...rest, source: { ...source } } : rest) as Resource;
}

/**
 * A wire Document with kind or name left empty, completed from its text when the text holds one
 * named object, so the codec's "required" check only fails when nothing could fill the field.
 */
export function completeIdentity<T extends { kind: string; name: string; text: string }>(
  wire: T,
): T {
  if ((wire.kind && wire.name) || !wire.text) return wire;
  const parsed = parseResources(wire.text);
  const objects = [
    ...[...parsed.resources, ...parsed.partials].map((r) => ({
      kind: r.kind as string,
      name: r.metadata.name,
    })),
    ...parsed.skipped,
  ];
  const only = objects.length === 1 ? objects[0] : undefined;
  if (!only) return wire;
  return {
    ...wire,
    kind: wire.kind || only.kind,
    name: wire.name || (only.name === UNNAMED ? '' : only.name),
  };
}
