// Every problem the engine reports is a Diagnostic: which resource, which field, what is wrong.
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Stable code for analyzer findings (e.g. MESH-A0001); validation errors carry MESH-V codes. */
  code: string;
  kind: string;
  namespace: string;
  name: string;
  /** Field path in the resource, e.g. `spec.http[1].route[0].weight`; empty for the whole resource. */
  path: string;
  message: string;
  /** One line on how to fix it (analyzer findings always have one). */
  hint?: string;
  source?: { file?: string; document?: number };
}

/** `<Kind> <ns>/<name>: <field path>: <message>` — the line users read. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path ? `${d.path}: ` : '';
  // Documents that never became a resource are named by file and index alone.
  const who = d.namespace ? `${d.namespace}/${d.name}` : d.name;
  return `${d.kind} ${who}: ${where}${d.message}`;
}

export type PathSegment = string | number;

/** Renders ['spec','http',1,'route',0,'weight'] as `spec.http[1].route[0].weight`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
