import { makeResource } from '@mesh/proto';
import type { TypeSnapshot } from './model.js';
import {
  newTypeSync,
  planResponse,
  recordReply,
  recordSent,
  syncState,
  type TypeSync,
} from './type-sync.js';

function set(version: string, bodies: Record<string, unknown>): TypeSnapshot {
  return {
    version,
    resources: Object.entries(bodies).map(([name, body]) => makeResource(name, body)),
  };
}

function send(
  sync: TypeSync,
  pending: Map<string, TypeSnapshot>,
  nonce: string,
  snap: TypeSnapshot,
) {
  const planned = planResponse(sync, snap);
  if (planned) recordSent(sync, nonce, planned, snap, pending);
  return planned;
}

describe('type sync', () => {
  it('sends the complete set first, then only what changed since the ACKed set', () => {
    const sync = newTypeSync();
    const pending = new Map<string, TypeSnapshot>();
    expect(syncState(sync)).toBe('NOT_SENT');
    const v1 = set('v1', { a: 1, b: 2, c: 3 });
    const first = send(sync, pending, 'n1', v1)!;
    expect(first.incremental).toBe(false);
    expect(first.resources.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(syncState(sync)).toBe('STALE');
    expect(recordReply(sync, 'n1', undefined, pending)).toBe('ack');
    expect(syncState(sync)).toBe('SYNCED');

    const v2 = set('v2', { a: 1, b: 20, d: 4 });
    const second = send(sync, pending, 'n2', v2)!;
    expect(second.incremental).toBe(true);
    expect(second.resources.map((r) => r.name)).toEqual(['b', 'd']);
    expect(second.removedResources).toEqual(['c']);
    expect(second.versionInfo).toBe('v2');
  });

  it('does not resend a version already sent, and never a NACKed one', () => {
    const sync = newTypeSync();
    const pending = new Map<string, TypeSnapshot>();
    const v1 = set('v1', { a: 1 });
    send(sync, pending, 'n1', v1);
    expect(planResponse(sync, v1)).toBeUndefined();
    recordReply(sync, 'n1', { code: 3, message: 'bad route' }, pending);
    expect(syncState(sync)).toBe('ERROR');
    expect(sync.lastError?.message).toBe('bad route');
    expect(planResponse(sync, v1)).toBeUndefined();
    expect(syncState(sync)).toBe('ERROR');
  });

  it('after a NACK computes the next change against the set the proxy still runs', () => {
    const sync = newTypeSync();
    const pending = new Map<string, TypeSnapshot>();
    send(sync, pending, 'n1', set('v1', { a: 1, b: 2 }));
    recordReply(sync, 'n1', undefined, pending);
    send(sync, pending, 'n2', set('v2', { a: 1, b: 2, bad: 'x' }));
    recordReply(sync, 'n2', { code: 3, message: 'bad' }, pending);
    const next = send(sync, pending, 'n3', set('v3', { a: 10, b: 2 }))!;
    expect(next.resources.map((r) => r.name)).toEqual(['a']);
    // "bad" was sent but not accepted: removing it is harmless and needed if it was applied.
    expect(next.removedResources).toEqual(['bad']);
    expect(syncState(sync)).toBe('STALE');
    recordReply(sync, 'n3', undefined, pending);
    expect(syncState(sync)).toBe('SYNCED');
    expect(sync.lastError).toBeUndefined();
  });

  it('removes names sent in unACKed responses that are gone again', () => {
    const sync = newTypeSync();
    const pending = new Map<string, TypeSnapshot>();
    send(sync, pending, 'n1', set('v1', { a: 1 }));
    recordReply(sync, 'n1', undefined, pending);
    send(sync, pending, 'n2', set('v2', { a: 1, tmp: 2 }));
    const next = send(sync, pending, 'n3', set('v3', { a: 1 }));
    // v3 equals the ACKed content but has another version: the proxy may hold "tmp".
    expect(next?.removedResources).toEqual(['tmp']);
    expect(next?.resources).toEqual([]);
  });

  it('is not SYNCED while a response back to an ACKed version is unanswered', () => {
    const sync = newTypeSync();
    const pending = new Map<string, TypeSnapshot>();
    send(sync, pending, 'n1', set('v1', { a: 1 }));
    recordReply(sync, 'n1', undefined, pending);
    send(sync, pending, 'n2', set('v2', { a: 2 }));
    recordReply(sync, 'n2', { code: 3, message: 'no' }, pending);
    send(sync, pending, 'n3', set('v1', { a: 1 }));
    expect(syncState(sync)).toBe('STALE');
    recordReply(sync, 'n3', undefined, pending);
    expect(syncState(sync)).toBe('SYNCED');
  });

  it('ignores replies to responses that are not the latest', () => {
    const sync = newTypeSync();
    const pending = new Map<string, TypeSnapshot>();
    send(sync, pending, 'n1', set('v1', { a: 1 }));
    send(sync, pending, 'n2', set('v2', { a: 2 }));
    expect(recordReply(sync, 'n1', undefined, pending)).toBe('stale');
    expect(sync.ackedVersion).toBe('');
    expect(recordReply(sync, 'n2', undefined, pending)).toBe('ack');
    expect(sync.ackedVersion).toBe('v2');
    expect(recordReply(sync, 'n2', undefined, pending)).toBe('stale');
  });

  it('is STALE when the wanted version moved on after an ACK', () => {
    const sync = newTypeSync();
    const pending = new Map<string, TypeSnapshot>();
    send(sync, pending, 'n1', set('v1', { a: 1 }));
    recordReply(sync, 'n1', undefined, pending);
    sync.wantedVersion = 'v2';
    expect(syncState(sync)).toBe('STALE');
  });
});
