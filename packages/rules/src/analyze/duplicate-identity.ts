// MESH-A0013. The same kind/namespace/name twice in one input is almost always two task files
// applied together; `kubectl apply` keeps the one applied last, so analysis does the same instead
// of reporting every conflict twice.
import type { Resource } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { finding } from './finding.js';

export function lastDefinitionWins(resources: readonly Resource[]): {
  effective: Resource[];
  findings: Diagnostic[];
} {
  const last = new Map<string, Resource>();
  for (const r of resources) last.set(identity(r), r);
  const findings: Diagnostic[] = [];
  for (const r of resources) {
    const winner = last.get(identity(r))!;
    if (winner === r) continue;
    findings.push(
      finding(
        'MESH-A0013',
        r,
        [],
        `defined again${where(winner)}; the later definition replaces this one, as kubectl apply would`,
        'Keep one definition per kind/namespace/name in the files you apply together.',
      ),
    );
  }
  return { effective: resources.filter((r) => last.get(identity(r)) === r), findings };
}

function identity(r: Resource): string {
  return `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
}

function where(r: Resource): string {
  const file = r.source?.file;
  if (file === undefined) return '';
  return ` in ${file}${r.source?.document !== undefined ? ` (document ${r.source.document + 1})` : ''}`;
}
