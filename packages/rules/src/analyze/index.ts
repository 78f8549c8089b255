// Cross-resource analysis (Istio's analyzers, Kiali's validations).
import type { Resource } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';

export interface AnalyzeOptions {
  /** Hosts known to exist outside the given resources (e.g. Kubernetes Services), as FQDNs. */
  knownHosts?: readonly string[];
}

/** Findings across a set of resources, each with a stable code and a one-line fix hint. */
export function analyze(_resources: readonly Resource[], _options: AnalyzeOptions = {}): Diagnostic[] {
  return [];
}
