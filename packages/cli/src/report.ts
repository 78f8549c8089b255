// How findings reach the user: text lines on stdout, a one-line summary on stderr, or one JSON
// document on stdout for machines.
import { stringify as stringifyYaml } from 'yaml';
import { formatDiagnostic, type Diagnostic, type Severity } from '@mesh/rules';
import type { CliIo } from './io.js';

export type OutputFormat = 'text' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'yaml'];

/** A report as data, in the -o format asked for (json or yaml). */
export function formatData(format: 'json' | 'yaml', doc: unknown): string {
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringifyYaml(doc);
}

export interface Totals {
  resources: number;
  files: number;
}

/**
 * `<file>: ` before a resource's line, so one problem among thousands of files can be found (and
 * clicked in editors and CI logs). Documents that never became a resource name their file already.
 */
export function fileLabel(d: Diagnostic, line?: number): string {
  if (!d.source?.file || d.kind === 'Document') return '';
  return line === undefined ? `${d.source.file}: ` : `${d.source.file}:${line}: `;
}

/** `validate` style: errors as formatDiagnostic lines, other severities prefixed. */
export function validationLine(d: Diagnostic, line?: number): string {
  const severity = d.severity === 'error' ? '' : `${d.severity}: `;
  return `${fileLabel(d, line)}${severity}${formatDiagnostic(d)}`;
}

/** `analyze` style, after istioctl analyze: `<file>: Error [CODE] Kind ns/name: path: message`. */
export function findingLines(d: Diagnostic, line?: number): string[] {
  const lines = [
    `${fileLabel(d, line)}${capitalize(d.severity)} [${d.code}] ${formatDiagnostic(d)}`,
  ];
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines;
}

export function summaryLine(
  verb: string,
  totals: Totals,
  diagnostics: readonly Diagnostic[],
): string {
  const errors = count(diagnostics, 'error');
  const warnings = count(diagnostics, 'warning');
  return (
    `${verb} ${plural(totals.resources, 'resource')} in ${plural(totals.files, 'file')}: ` +
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`
  );
}

export function writeReport(
  io: CliIo,
  format: OutputFormat,
  verb: string,
  totals: Totals,
  diagnostics: readonly Diagnostic[],
  toLines: (d: Diagnostic, line?: number) => string[],
  lines: ReadonlyMap<Diagnostic, number> = new Map(),
): void {
  if (format !== 'text') {
    const withLine = (d: Diagnostic): Diagnostic => {
      const line = lines.get(d);
      return line === undefined
        ? d
        : { ...d, source: { ...d.source, line } as Diagnostic['source'] };
    };
    const bySeverity = (s: Severity) => diagnostics.filter((d) => d.severity === s).map(withLine);
    const doc = {
      resources: totals.resources,
      files: totals.files,
      errors: bySeverity('error'),
      warnings: bySeverity('warning'),
      info: bySeverity('info'),
    };
    io.stdout(formatData(format, doc));
  } else {
    const text = diagnostics.flatMap((d) => toLines(d, lines.get(d)));
    if (text.length > 0) io.stdout(`${text.join('\n')}\n`);
  }
  io.stderr(`${summaryLine(verb, totals, diagnostics)}\n`);
}

/** Stable order for output: by file as given, then document, keeping each resource's own order. */
export function sortBySource(
  diagnostics: readonly Diagnostic[],
  fileOrder: readonly string[],
): Diagnostic[] {
  const rank = new Map(fileOrder.map((f, i) => [f, i]));
  const key = (d: Diagnostic) =>
    [rank.get(d.source?.file ?? '') ?? fileOrder.length, d.source?.document ?? -1] as const;
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const [fa, da] = key(a.d);
      const [fb, db] = key(b.d);
      return fa - fb || da - db || a.i - b.i;
    })
    .map(({ d }) => d);
}

function count(diagnostics: readonly Diagnostic[], severity: Severity): number {
  return diagnostics.filter((d) => d.severity === severity).length;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
