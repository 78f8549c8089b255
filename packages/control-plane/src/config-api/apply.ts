// Apply: all documents in one store commit, or none. Each write carries a precondition (the
// caller's resource_version, or the version this call read), so a concurrent writer can never be
// silently overwritten with content judged against a state that no longer exists.
import * as grpc from '@grpc/grpc-js';
import { conflict, invalidArgument } from '@mesh/proto';
import type { ApplyRequest, ApplyResponse, DocumentResult, Outcome } from '@mesh/proto';
import type { Diagnostic } from '@mesh/rules';
import { CONFIG_PREFIX, ConflictError } from '@mesh/store';
import type { CommitOp, ConfigStore, KeyValue } from '@mesh/store';
import { apiError, ApiError } from './api-error.js';
import { judge } from './check.js';
import { checkDocuments } from './documents.js';
import type { CheckedDocument } from './documents.js';
import { describeResource, resourceKey } from './resource-keys.js';
import { encodeStoredResource } from './stored-resource.js';

/** Read + commit attempts when only this call's own read was the precondition. */
export const WRITE_ATTEMPTS = 3;

interface Planned {
  readonly checked: CheckedDocument;
  readonly key: string;
  readonly value: string;
  readonly existing: KeyValue | undefined;
  /** The caller's resource_version as a store revision; undefined without a precondition. */
  readonly callerVersion: number | undefined;
  readonly outcome: Exclude<Outcome, 'deleted'>;
}

export async function applyDocuments(
  store: ConfigStore,
  request: ApplyRequest,
  knownHosts: () => readonly string[],
): Promise<ApplyResponse> {
  const batch = checkDocuments(request.documents).map(withVersionCheck);
  for (let attempt = 1; ; attempt++) {
    const snapshot = await store.list(CONFIG_PREFIX);
    const verdict = judge(batch, snapshot.items, knownHosts());
    if (!verdict.valid) throw new ApiError(invalidArgument(verdict.diagnostics));
    const current = new Map(snapshot.items.map((kv) => [kv.key, kv]));
    const plan = batch.map((c) => planOne(c, current));
    const writes = plan.filter((p) => p.outcome !== 'unchanged');
    if (request.dryRun || writes.length === 0) {
      return respond(plan, undefined, snapshot.revision, verdict.diagnostics);
    }
    try {
      const { revision } = await store.commit(writes.map(putOp));
      return respond(plan, revision, revision, verdict.diagnostics);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const failed = plan.find((p) => p.key === error.key);
      if (failed?.callerVersion !== undefined) {
        throw staleVersion(failed, error.actualModRevision);
      }
      // Someone wrote between our read and our commit: judge and plan again on fresh state.
      if (attempt >= WRITE_ATTEMPTS) {
        const what = failed ? describeResource(failed.checked.identity) : error.key;
        throw apiError(
          grpc.status.ABORTED,
          `${what} kept changing while this apply ran (${attempt} attempts); read it again and retry`,
        );
      }
    }
  }
}

/** A resource_version that is not a revision can never match; say so instead of "stale". */
function withVersionCheck(c: CheckedDocument): CheckedDocument {
  const version = c.document.resourceVersion;
  if (version === '' || /^\d+$/.test(version)) return c;
  const problem: Diagnostic = {
    severity: 'error',
    code: 'MESH-V0001',
    ...c.identity,
    path: '',
    message: `resourceVersion ${JSON.stringify(version)} is not a store revision (a decimal number, as Get returns it)`,
    ...(c.document.source && { source: { ...c.document.source } }),
  };
  return { ...c, resource: undefined, diagnostics: [...c.diagnostics, problem] };
}

function planOne(c: CheckedDocument, current: ReadonlyMap<string, KeyValue>): Planned {
  // judge() passed, so every document has its resource.
  const resource = c.resource!;
  const key = resourceKey(c.identity);
  const value = encodeStoredResource(resource);
  const existing = current.get(key);
  const version = c.document.resourceVersion;
  const callerVersion = version === '' ? undefined : Number(version);
  const planned: Planned = {
    checked: c,
    key,
    value,
    existing,
    callerVersion,
    outcome: !existing ? 'created' : existing.value === value ? 'unchanged' : 'configured',
  };
  // "0" means "must not exist yet", which is what an absent key's revision says too.
  if (callerVersion !== undefined && callerVersion !== (existing?.modRevision ?? 0)) {
    throw staleVersion(planned, existing?.modRevision ?? 0);
  }
  return planned;
}

function putOp(p: Planned): CommitOp {
  return {
    type: 'put',
    key: p.key,
    value: p.value,
    expectedModRevision: p.callerVersion ?? p.existing?.modRevision ?? 0,
  };
}

function staleVersion(p: Planned, actual: number): ApiError {
  const { kind, namespace, name } = p.checked.identity;
  const now = actual === 0 ? 'absent' : actual < 0 ? 'changed' : String(actual);
  return new ApiError(conflict(kind, namespace, name, p.checked.document.resourceVersion, now));
}

function respond(
  plan: readonly Planned[],
  written: number | undefined,
  revision: number,
  diagnostics: readonly Diagnostic[],
): ApplyResponse {
  const results: DocumentResult[] = plan.map((p) => ({
    ...p.checked.identity,
    outcome: p.outcome,
    resourceVersion:
      written !== undefined && p.outcome !== 'unchanged'
        ? String(written)
        : p.existing
          ? String(p.existing.modRevision)
          : '',
  }));
  return { results, diagnostics, revision: String(revision) };
}
