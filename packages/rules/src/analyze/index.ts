// Cross-resource analysis (Istio's analyzers, Kiali's validations). Each analyzer is one module
// reading the shared Catalog; codes and severities live in ./codes.ts and docs/errors.md.
import type { Resource } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { buildCatalog, type Catalog } from './catalog.js';
import { delegates } from './delegates.js';
import { destinationHostNotFound } from './destination-host-not-found.js';
import { destinationPort } from './destination-port.js';
import { duplicateDestinationRules } from './duplicate-destination-rules.js';
import { duplicateMatch } from './duplicate-match.js';
import { gatewayNotFound } from './gateway-not-found.js';
import { lastDefinitionWins } from './duplicate-identity.js';
import { meshLimits } from './mesh-limits.js';
import { hostNotInGateway } from './host-not-in-gateway.js';
import { shadowedRoute } from './shadowed-route.js';
import { sharedHost } from './shared-host.js';
import { subsetNotFound } from './subset-not-found.js';
import { unreachableRoute } from './unreachable-route.js';
import { unusedDestinationRule } from './unused-destination-rule.js';
import { emptySubset } from './empty-subset.js';
import { gatewayUnserved } from './gateway-unserved.js';
import { registryPort } from './registry-port.js';
import { selectorNoWorkload } from './selector-no-workload.js';
import type { WorkloadRegistry } from './registry.js';

export { FINDINGS, type FindingCode } from './codes.js';
export type { RegisteredWorkload, RegisteredWorkloadPort, WorkloadRegistry } from './registry.js';

export interface AnalyzeOptions {
  /** Hosts known to exist outside the given resources (e.g. Kubernetes Services), as FQDNs. */
  knownHosts?: readonly string[];
  /**
   * A live mesh's registered workloads. Their services become known hosts, and the analyzers
   * that need them run too (MESH-A0021..A0025: empty subsets, selectors that select nothing,
   * VirtualServices no gateway proxy serves, ports the workloads do not serve).
   */
  registry?: WorkloadRegistry;
}

const ANALYZERS: readonly ((catalog: Catalog) => Diagnostic[])[] = [
  subsetNotFound,
  destinationHostNotFound,
  unreachableRoute,
  shadowedRoute,
  duplicateMatch,
  sharedHost,
  unusedDestinationRule,
  gatewayNotFound,
  hostNotInGateway,
  duplicateDestinationRules,
  delegates,
  meshLimits,
  // These return nothing without a registry.
  emptySubset,
  selectorNoWorkload,
  gatewayUnserved,
  registryPort,
];

/** Findings across a set of resources, each with a stable code and a one-line fix hint. */
export function analyze(
  resources: readonly Resource[],
  options: AnalyzeOptions = {},
): Diagnostic[] {
  const { effective, findings } = lastDefinitionWins(resources);
  const catalog = buildCatalog(effective, options.knownHosts ?? [], options.registry);
  const known = new Set((options.knownHosts ?? []).map((h) => h.toLowerCase()));
  return [
    ...findings,
    ...ANALYZERS.flatMap((run) => run(catalog)),
    ...destinationPort(catalog, known),
  ];
}
