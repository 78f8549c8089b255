// Line numbers for diagnostics: @mesh/rules names the document and the field path; users (and
// their editors and CI annotations) want `file:line`. Only files with something to report are
// parsed again here, and only up to the last document that needs a line.
import type { Diagnostic } from '@mesh/rules';
import { Composer, isMap, isScalar, isSeq, LineCounter, Parser, type Node } from 'yaml';

export interface Located {
  diagnostic: Diagnostic;
  /** 1-based line of the field (or of the deepest part of its path that exists), if known. */
  line?: number;
}

/** Splits `spec.http[0].route["a.b"]` back into ['spec', 'http', 0, 'route', 'a.b']. */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const re = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(JSON.parse(m[3]!) as string);
    if (re.lastIndex === path.length) break;
  }
  return segments;
}

/** Adds lines to the diagnostics of one file's text; order is kept. */
export function locate(text: string, diagnostics: readonly Diagnostic[]): Located[] {
  const wanted = diagnostics.filter(
    (d) => d.kind !== 'Document' && d.source?.document !== undefined,
  );
  if (wanted.length === 0 || text.includes('\u0000'))
    return diagnostics.map((diagnostic) => ({ diagnostic }));
  const last = Math.max(...wanted.map((d) => d.source!.document!));
  const counter = new LineCounter();
  const docs: (Node | null)[] = [];
  try {
    for (const doc of new Composer().compose(new Parser(counter.addNewLine).parse(text), true)) {
      docs.push(doc.contents as Node | null);
      if (docs.length > last) break;
    }
  } catch {
    return diagnostics.map((diagnostic) => ({ diagnostic }));
  }
  const lineOf = (offset: number) => counter.linePos(offset).line;
  return diagnostics.map((diagnostic) => {
    const index = diagnostic.source?.document;
    const root = index === undefined || diagnostic.kind === 'Document' ? undefined : docs[index];
    if (!root?.range) return { diagnostic };
    const object = objectIn(root, diagnostic);
    const offset = deepest(object, parsePath(diagnostic.path));
    return { diagnostic, line: lineOf(offset) };
  });
}

/** The document itself, or the item of a `kind: List` the diagnostic is about. */
function objectIn(root: Node, d: Diagnostic): Node {
  if (!isMap(root) || scalarAt(root, 'kind') !== 'List') return root;
  const items = root.get('items', true);
  if (!isSeq(items)) return root;
  for (const item of items.items) {
    if (!isMap(item) || scalarAt(item, 'kind') !== d.kind) continue;
    const meta = item.get('metadata', true);
    const name = isMap(meta) ? scalarAt(meta, 'name') : undefined;
    if ((name ?? '<unnamed>') === d.name || (name === '' && d.name === '<unnamed>'))
      return item as Node;
  }
  return root;
}

function scalarAt(map: Node, key: string): unknown {
  if (!isMap(map)) return undefined;
  const v = map.get(key, true);
  return isScalar(v) ? v.value : undefined;
}

/** Offset of the last path segment found: a key for fields (unknown ones too), an item for lists. */
function deepest(node: Node, path: readonly (string | number)[]): number {
  let offset = node.range![0];
  let current: unknown = node;
  for (const segment of path) {
    if (typeof segment === 'number' && isSeq(current)) {
      const item = current.items[segment] as Node | undefined;
      if (!item?.range) break;
      offset = item.range[0];
      current = item;
    } else if (typeof segment === 'string' && isMap(current)) {
      const pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      const key = pair?.key as Node | undefined;
      if (!pair || !key?.range) break;
      offset = key.range[0];
      current = pair.value;
    } else break;
  }
  return offset;
}

/**
 * Lines for the errors and warnings, by diagnostic. Info (skipped Deployments, Services...) is
 * about whole objects and can be plentiful, so it costs no second parse and gets no line.
 */
export function lineNumbers(
  files: readonly { name: string; text: string }[],
  diagnostics: readonly Diagnostic[],
): Map<Diagnostic, number> {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    if (d.severity === 'info' || d.kind === 'Document' || d.source?.file === undefined) continue;
    const list = byFile.get(d.source.file) ?? [];
    list.push(d);
    byFile.set(d.source.file, list);
  }
  const lines = new Map<Diagnostic, number>();
  for (const file of files) {
    const wanted = byFile.get(file.name);
    if (!wanted) continue;
    for (const { diagnostic, line } of locate(file.text, wanted))
      if (line !== undefined) lines.set(diagnostic, line);
  }
  return lines;
}
