// Input files -> the documents apply and delete send, each with the file, document index and
// line it came from, so a diagnostic the control plane returns can point back into the file.
// Only what is needed to name a resource is checked here; validation is the server's job.
import { API_GROUP, isKind, type Diagnostic } from '@mesh/rules';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { InputFile } from './inputs.js';
import { lineNumbers } from './locate.js';
import { sortBySource, validationLine } from './report.js';

export interface SourceDocument {
  /** The input file's name as shown to the user (`<stdin>` for `-f -`). */
  file: string;
  /** Index of the YAML document in the file, from 0 (an item of a `kind: List` shares it). */
  document: number;
  /** 1-based line where the object starts. */
  line: number;
  apiVersion: string;
  kind: string;
  /** metadata.namespace, or the -n namespace when the object names none. */
  namespace: string;
  name: string;
  /** metadata.resourceVersion as written (`kubectl get -o yaml` output carries one), else ''. */
  resourceVersion: string;
  /** The object as text: the document as written, or JSON for an item of a `kind: List`. */
  text: string;
}

export interface SplitResult {
  /** Objects of networking.istio.io (or of a kind mesh stores), in input order. */
  resources: SourceDocument[];
  /** Other Kubernetes objects (Services, Deployments...), which the control plane does not store. */
  skipped: SourceDocument[];
  /** Documents that cannot be sent: YAML errors, no kind, no name. */
  diagnostics: Diagnostic[];
}

// Guards against YAML alias bombs, as @mesh/rules does.
const MAX_ALIAS_COUNT = 1000;

export function splitDocuments(files: readonly InputFile[], defaultNamespace: string): SplitResult {
  const result: SplitResult = { resources: [], skipped: [], diagnostics: [] };
  for (const file of files) splitFile(file, defaultNamespace, result);
  return result;
}

function splitFile(file: InputFile, defaultNamespace: string, out: SplitResult): void {
  const { name, text } = file;
  if (text.includes('\u0000')) {
    out.diagnostics.push(
      documentError(name, undefined, 'binary content: expected YAML or JSON text'),
    );
    return;
  }
  const counter = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    out.diagnostics.push(
      documentError(name, undefined, `yaml: ${oneLine((err as Error).message)}`),
    );
    return;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const first = doc.errors[0];
    if (first) {
      out.diagnostics.push(documentError(name, index, `yaml: ${oneLine(first.message)}`));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      out.diagnostics.push(documentError(name, index, `yaml: ${oneLine((err as Error).message)}`));
      return;
    }
    const node = doc.contents as Node | null;
    if (value === null || value === undefined || !node?.range) return;
    const at = {
      file: name,
      document: index,
      line: (n: Node) => counter.linePos(n.range![0]).line,
    };
    visit(node, value, true, text, at, defaultNamespace, out);
  });
}

interface Where {
  file: string;
  document: number;
  line: (node: Node) => number;
}

function visit(
  node: Node,
  value: unknown,
  topLevel: boolean,
  text: string,
  at: Where,
  defaultNamespace: string,
  out: SplitResult,
): void {
  // `kubectl get -o yaml` of several objects is a `kind: List`; its items are the objects.
  if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items) && isMap(node)) {
    const items = node.get('items', true);
    if (isSeq(items)) {
      value.items.forEach((item, i) => {
        const itemNode = items.items[i] as Node | undefined;
        if (item !== null && item !== undefined && itemNode?.range)
          visit(itemNode, item, false, text, at, defaultNamespace, out);
      });
      return;
    }
  }
  const line = at.line(node);
  if (!isRecord(value)) {
    out.diagnostics.push(
      documentError(at.file, at.document, `expected a Kubernetes object, got ${describe(value)}`),
    );
    return;
  }
  const kind = value.kind;
  if (typeof kind !== 'string' || kind === '') {
    out.diagnostics.push(documentError(at.file, at.document, 'kind: required field is missing'));
    return;
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const meta = isRecord(value.metadata) ? value.metadata : undefined;
  const rawName = meta?.name;
  const namespace =
    typeof meta?.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace;
  const name = typeof rawName === 'string' && rawName ? rawName : '<unnamed>';
  const doc: SourceDocument = {
    file: at.file,
    document: at.document,
    line,
    apiVersion,
    kind,
    namespace,
    name,
    resourceVersion: typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : '',
    text: topLevel ? text.slice(node.range![0], node.range![2]) : JSON.stringify(value),
  };
  // A mesh kind under a wrong apiVersion is still meant for the mesh: send it and let the
  // server name the apiVersion problem, rather than skip it without a word.
  if (apiVersion.split('/')[0] !== API_GROUP && !isKind(kind)) {
    out.skipped.push(doc);
    return;
  }
  if (name === '<unnamed>') {
    const missing = meta === undefined ? 'metadata' : 'metadata.name';
    out.diagnostics.push({
      severity: 'error',
      code: 'MESH-V0001',
      kind,
      namespace,
      name,
      path: missing,
      message:
        rawName === undefined || rawName === '' || meta === undefined
          ? 'required field is missing'
          : `expected a string, got ${describe(rawName)}`,
      source: { file: at.file, document: at.document },
    });
    return;
  }
  out.resources.push(doc);
}

/** `VirtualService default/reviews`, as messages name resources. */
export function ref(d: { kind: string; namespace: string; name: string }): string {
  return `${d.kind} ${d.namespace}/${d.name}`;
}

/**
 * One error per resource named twice: a single Apply writes each resource once (all or nothing
 * has no "last one wins"), so the user has to choose.
 */
export function duplicateErrors(resources: readonly SourceDocument[]): Diagnostic[] {
  const first = new Map<string, SourceDocument>();
  const errors: Diagnostic[] = [];
  for (const r of resources) {
    const key = ref(r);
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, r);
      continue;
    }
    errors.push({
      severity: 'error',
      code: 'MESH-V0001',
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      path: 'metadata.name',
      message: `also defined at ${earlier.file}:${earlier.line}; one apply writes each resource once, so keep one of them`,
      source: { file: r.file, document: r.document },
    });
  }
  return errors;
}

/**
 * Diagnostics (local or from the control plane) as `meshctl validate` prints them, in input
 * order: `<file>:<line>: <Kind> <ns>/<name>: <path>: <message>`. The line is the field's when
 * the path can be found in the file, else the line the resource starts on.
 */
export function diagnosticLines(
  diagnostics: readonly Diagnostic[],
  files: readonly InputFile[],
  documents: readonly SourceDocument[],
): string[] {
  const sorted = sortBySource(
    diagnostics.map((d) => withSource(d, documents)),
    files.map((f) => f.name),
  );
  const located = lineNumbers(files, sorted);
  return sorted.map((d) => validationLine(d, located.get(d) ?? startLine(d, documents)));
}

/**
 * A diagnostic about a resource that was sent, with the file and document it was sent from when
 * the answer lacks them: the resource's identity is unique within one call, so it is enough.
 */
function withSource(d: Diagnostic, documents: readonly SourceDocument[]): Diagnostic {
  if (d.kind === 'Document' || d.source?.document !== undefined) return d;
  const sent = documents.filter(
    (doc) =>
      doc.kind === d.kind &&
      doc.namespace === d.namespace &&
      doc.name === d.name &&
      (d.source?.file === undefined || doc.file === d.source.file),
  );
  const only = sent.length === 1 ? sent[0]! : undefined;
  return only ? { ...d, source: { file: only.file, document: only.document } } : d;
}

function startLine(d: Diagnostic, documents: readonly SourceDocument[]): number | undefined {
  if (d.kind === 'Document' || d.source?.document === undefined) return undefined;
  const inDocument = documents.filter(
    (doc) => doc.file === d.source?.file && doc.document === d.source.document,
  );
  // Items of one `kind: List` share a document index; the name tells them apart.
  const match =
    inDocument.length > 1
      ? inDocument.find((doc) => doc.kind === d.kind && doc.name === d.name)
      : inDocument[0];
  return match?.line;
}

function documentError(file: string, document: number | undefined, message: string): Diagnostic {
  return {
    severity: 'error',
    code: 'MESH-V0003',
    kind: 'Document',
    namespace: '',
    name: `${file}${document !== undefined ? `#${document + 1}` : ''}`,
    path: '',
    message,
    source: { file, ...(document !== undefined && { document }) },
  };
}

function oneLine(message: string): string {
  return message.split('\n')[0]!.trim().replace(/:$/, '');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number')
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return `${typeof value} ${String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
