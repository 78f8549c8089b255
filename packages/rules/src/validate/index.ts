// Istio's admission-webhook rules, applied to a structurally valid (parsed) resource.
import type { Resource } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { ValidationContext } from './context.js';
import { validateDestinationRule } from './destination-rule.js';
import { validateGateway } from './gateway.js';
import { validateServiceEntry } from './service-entry.js';
import { validateSidecar } from './sidecar.js';
import { validateVirtualService } from './virtual-service.js';
import { validateWorkloadEntry } from './workload-entry.js';

export {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkIstioDnsLabel,
  isIstioDnsLabel,
} from './names.js';
export {
  checkFqdn,
  checkWildcardHost,
  checkNamespacedHost,
  isValidHostName,
  isHostSubsetOf,
} from './host-names.js';
export { normalizeProtocol, PROTOCOL_NAMES } from '../protocol.js';
export { isHttpProtocol, isTlsProtocol, isValidPort } from './ports.js';
export { RETRY_ON_POLICIES, unknownRetryOnPolicies } from './retry-on.js';
export { GRPC_STATUS, GRPC_STATUS_NAMES, type GrpcStatusName } from './grpc-status.js';
export { isIPAddress, isIPv4, isIPv6, isCidr } from './ip.js';
export { regexProblem, MAX_REGEX_LENGTH } from './string-match.js';
export { headerValueProblem, matchHeaderNameProblem } from './header-names.js';
export { ValidationContext } from './context.js';

/** Errors and warnings for one resource; an empty list means Istio would accept it as written. */
export function validateResource(resource: Resource): Diagnostic[] {
  const ctx = new ValidationContext(resource);
  switch (resource.kind) {
    case 'VirtualService':
      validateVirtualService(ctx, resource);
      break;
    case 'DestinationRule':
      validateDestinationRule(ctx, resource);
      break;
    case 'Gateway':
      validateGateway(ctx, resource);
      break;
    case 'ServiceEntry':
      validateServiceEntry(ctx, resource);
      break;
    case 'Sidecar':
      validateSidecar(ctx, resource);
      break;
    case 'WorkloadEntry':
      validateWorkloadEntry(ctx, resource);
      break;
  }
  return ctx.diagnostics;
}

/**
 * Semantic findings for a resource whose spec failed structural checks (a partial from
 * parseResources, with the failing fields removed), so users see all their mistakes in one run.
 * Findings on or around a field that failed structurally are dropped: they would only restate
 * that the field is missing because it was removed.
 */
export function validatePartial(
  partial: Resource,
  structural: readonly Diagnostic[],
): Diagnostic[] {
  const broken = structural.filter((d) => d.severity === 'error').map((d) => d.path);
  const related = (a: string, b: string) =>
    a === b ||
    a.startsWith(`${b}.`) ||
    a.startsWith(`${b}[`) ||
    b.startsWith(`${a}.`) ||
    b.startsWith(`${a}[`);
  return validateResource(partial).filter((d) => !broken.some((p) => related(d.path, p)));
}
