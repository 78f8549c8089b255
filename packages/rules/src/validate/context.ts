// Collects diagnostics for one resource while validators walk its spec by field path.
import type { Resource } from '../api/resources.js';
import { formatPath, type Diagnostic, type PathSegment, type Severity } from '../diagnostics.js';

export class ValidationContext {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly resource: Resource) {}

  error(path: readonly PathSegment[], message: string): void {
    this.report('error', 'MESH-V0001', path, message);
  }

  warn(path: readonly PathSegment[], message: string): void {
    this.report('warning', 'MESH-V0100', path, message);
  }

  private report(
    severity: Severity,
    code: string,
    path: readonly PathSegment[],
    message: string,
  ): void {
    const { kind, metadata, source } = this.resource;
    this.diagnostics.push({
      severity,
      code,
      kind,
      namespace: metadata.namespace,
      name: metadata.name,
      path: formatPath(path),
      message,
      ...(source && { source }),
    });
  }
}
