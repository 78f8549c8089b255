// How findings reach the user: text lines on stdout, a one-line summary on stderr, or one JSON
// document on stdout for machines.
import { formatDiagnostic, type Diagnostic, type Severity } from '@mesh/rules';
import type { CliIo } from './io.js';

export type OutputFormat = 'text' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

export interface Totals {
  resources: number;
  files: number;
}

/** `validate` style: errors as formatDiagnostic lines, other severities prefixed. */
export function validationLine(d: Diagnostic): string {
  return d.severity === 'error' ? formatDiagnostic(d) : `${d.severity}: ${formatDiagnostic(d)}`;
}

/** `analyze` style, after istioctl analyze: `Error [CODE] Kind ns/name: path: message`. */
export function findingLines(d: Diagnostic): string[] {
  const lines = [`${capitalize(d.severity)} [${d.code}] ${formatDiagnostic(d)}`];
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
  toLines: (d: Diagnostic) => string[],
): void {
  if (format === 'json') {
    const bySeverity = (s: Severity) => diagnostics.filter((d) => d.severity === s);
    const doc = {
      resources: totals.resources,
      files: totals.files,
      errors: bySeverity('error'),
      warnings: bySeverity('warning'),
      info: bySeverity('info'),
    };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const lines = diagnostics.flatMap(toLines);
    if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
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
