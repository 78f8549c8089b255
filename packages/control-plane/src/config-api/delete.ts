// Delete one resource, reporting the exact version it removed.
import * as grpc from '@grpc/grpc-js';
import { conflict } from '@mesh/proto';
import type { DeleteRequest, DeleteResponse } from '@mesh/proto';
import { ConflictError } from '@mesh/store';
import type { ConfigStore } from '@mesh/store';
import { apiError, ApiError } from './api-error.js';
import { WRITE_ATTEMPTS } from './apply.js';
import { describeResource, namespaceOrDefault, resourceKey } from './resource-keys.js';

export async function deleteResource(
  store: ConfigStore,
  request: DeleteRequest,
): Promise<DeleteResponse> {
  const id = {
    kind: request.kind,
    namespace: namespaceOrDefault(request.namespace),
    name: request.name,
  };
  const key = resourceKey(id);
  const version = request.resourceVersion;
  if (version !== '' && !/^\d+$/.test(version)) {
    throw apiError(
      grpc.status.INVALID_ARGUMENT,
      `resourceVersion ${JSON.stringify(version)} is not a store revision (a decimal number, as Get returns it)`,
    );
  }
  const stale = (actual: number) =>
    new ApiError(
      conflict(id.kind, id.namespace, id.name, version, actual === 0 ? 'absent' : String(actual)),
    );
  for (let attempt = 1; ; attempt++) {
    const existing = await store.get(key);
    if (!existing) throw apiError(grpc.status.NOT_FOUND, `${describeResource(id)} not found`);
    if (version !== '' && Number(version) !== existing.modRevision) {
      throw stale(existing.modRevision);
    }
    try {
      // Conditional even without a caller version, so the version reported is the one removed.
      const { revision } = await store.delete(key, { expectedModRevision: existing.modRevision });
      return {
        result: { ...id, outcome: 'deleted', resourceVersion: String(existing.modRevision) },
        revision: String(revision),
      };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      if (version !== '') throw stale(error.actualModRevision);
      if (attempt >= WRITE_ATTEMPTS) {
        throw apiError(
          grpc.status.ABORTED,
          `${describeResource(id)} kept changing while this delete ran (${attempt} attempts); retry`,
        );
      }
    }
  }
}
