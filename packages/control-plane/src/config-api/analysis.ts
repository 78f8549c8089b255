// Cross-resource analysis of a batch against the stored config, as the batch would leave it.
import { analyze } from '@mesh/rules';
import type { Diagnostic, Resource } from '@mesh/rules';
import type { KeyValue } from '@mesh/store';
import type { StoredResource } from '../model.js';
import type { CheckedDocument } from './documents.js';
import { describeResource } from './resource-keys.js';
import { decodeStoredResource } from './stored-resource.js';

/**
 * Findings about the batch's resources only: the stored config is context, and its own findings
 * are not the caller's to fix. An analyzer "error" is reported as a warning: the store is
 * eventually consistent (the Gateway or DestinationRule a VirtualService names may be the next
 * Apply) and analysis cannot see every host (Kubernetes Services), so blocking on it would make
 * ordinary config impossible to apply. Errors that block are exactly `meshctl validate`'s.
 */
export function analyzeBatch(
  batch: readonly CheckedDocument[],
  stored: readonly KeyValue[],
  knownHosts: readonly string[],
): Diagnostic[] {
  const inBatch = new Map(batch.map((c) => [describeResource(c.identity), c]));
  const replacements = new Map<string, Resource>();
  for (const c of batch) if (c.resource) replacements.set(describeResource(c.identity), c.resource);

  // Order stands for creation order (oldest wins in Istio's merge rules): an updated resource
  // keeps its place, new ones come last.
  const resources: Resource[] = [];
  for (const s of decodable(stored)) {
    const { kind, metadata } = s.resource;
    const id = describeResource({ kind, namespace: metadata.namespace, name: metadata.name });
    if (!inBatch.has(id)) resources.push(s.resource);
    else {
      const replacement = replacements.get(id);
      if (replacement) resources.push(replacement);
      replacements.delete(id);
    }
  }
  resources.push(...replacements.values());

  const findings: Diagnostic[] = [];
  for (const d of analyze(resources, { knownHosts })) {
    const doc = inBatch.get(describeResource(d));
    if (!doc) continue;
    const { source: _analyzed, ...rest } = d;
    findings.push({
      ...rest,
      severity: d.severity === 'error' ? 'warning' : d.severity,
      ...(doc.document.source && { source: { ...doc.document.source } }),
    });
  }
  return findings;
}

/** Stored resources oldest first; a value this API cannot read is left out, not fatal. */
function decodable(stored: readonly KeyValue[]): StoredResource[] {
  const out: StoredResource[] = [];
  for (const kv of stored) {
    try {
      out.push(decodeStoredResource(kv));
    } catch {
      // Only a foreign writer produces these; analysis simply does not see them.
    }
  }
  return out.sort((a, b) => a.createRevision - b.createRevision);
}
