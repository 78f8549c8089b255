// The verdict Validate returns and Apply acts on: per-document checks plus analysis, errors first.
import { hasErrors } from '@mesh/rules';
import type { Diagnostic, Severity } from '@mesh/rules';
import type { KeyValue } from '@mesh/store';
import { analyzeBatch } from './analysis.js';
import type { CheckedDocument } from './documents.js';

export interface Verdict {
  readonly valid: boolean;
  /** Errors, then warnings, then infos; within each, in request order. */
  readonly diagnostics: Diagnostic[];
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function judge(
  batch: readonly CheckedDocument[],
  stored: readonly KeyValue[],
  knownHosts: readonly string[],
): Verdict {
  const diagnostics = [
    ...batch.flatMap((c) => c.diagnostics),
    ...analyzeBatch(batch, stored, knownHosts),
  ]
    .map((d, i) => ({ d, i }))
    .sort((a, b) => RANK[a.d.severity] - RANK[b.d.severity] || a.i - b.i)
    .map(({ d }) => d);
  return { valid: !hasErrors(diagnostics), diagnostics };
}
