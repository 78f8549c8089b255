// Request fields -> store keys. The store's key helpers throw plain Errors on a bad segment; a
// caller's bad kind, namespace or name must come back as INVALID_ARGUMENT instead.
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_NAMESPACE, isKind, KINDS } from '@mesh/rules';
import type { Kind } from '@mesh/rules';
import { configKey, configPrefix } from '@mesh/store';
import { apiError } from './api-error.js';

export interface ResourceIdentity {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export function namespaceOrDefault(namespace: string): string {
  return namespace === '' ? DEFAULT_NAMESPACE : namespace;
}

export function requireKind(kind: string): Kind {
  if (isKind(kind)) return kind;
  throw apiError(
    grpc.status.INVALID_ARGUMENT,
    `unknown kind ${JSON.stringify(kind)}: the config API stores ${KINDS.join(', ')}`,
  );
}

/** The key of a resource named by a request; the namespace must already be defaulted. */
export function resourceKey(id: ResourceIdentity): string {
  requireKind(id.kind);
  return keyed(() => configKey(id.kind, id.namespace, id.name));
}

/** The prefix of a kind (and namespace), validated like resourceKey. */
export function kindPrefix(kind: string, namespace?: string): string {
  requireKind(kind);
  return keyed(() => configPrefix(kind, namespace));
}

export function checkNamespace(namespace: string): void {
  keyed(() => configPrefix(KINDS[0], namespace));
}

function keyed(make: () => string): string {
  try {
    return make();
  } catch (error) {
    throw apiError(grpc.status.INVALID_ARGUMENT, (error as Error).message);
  }
}

export function describeResource(id: ResourceIdentity): string {
  return `${id.kind} ${id.namespace}/${id.name}`;
}
