import type { Resource } from '../api/resources.js';
import { formatPath, type Diagnostic, type PathSegment } from '../diagnostics.js';
import { FINDINGS, type FindingCode } from './codes.js';

/** Builds a Diagnostic whose severity always comes from the code table, so the two cannot drift. */
export function finding(
  code: FindingCode,
  resource: Resource,
  path: readonly PathSegment[],
  message: string,
  hint: string,
): Diagnostic {
  return {
    severity: FINDINGS[code].severity,
    code,
    kind: resource.kind,
    namespace: resource.metadata.namespace,
    name: resource.metadata.name,
    path: formatPath(path),
    message,
    hint,
    ...(resource.source && { source: resource.source }),
  };
}

/** `default/reviews`: how messages name another resource of a known kind. */
export function nsName(resource: Resource): string {
  return `${resource.metadata.namespace}/${resource.metadata.name}`;
}
