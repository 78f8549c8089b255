// Istio's admission-webhook rules, applied to a structurally valid (parsed) resource.
import type { Resource } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { ValidationContext } from './context.js';

export { checkDns1123Label, checkDns1123Subdomain } from './names.js';

/** Errors and warnings for one resource; an empty list means Istio would accept it as written. */
export function validateResource(resource: Resource): Diagnostic[] {
  const ctx = new ValidationContext(resource);
  // Per-kind validators are dispatched here (see validate/<kind>.ts).
  return ctx.diagnostics;
}
