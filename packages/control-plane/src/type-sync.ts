// Per proxy and type: what was sent, what was ACKed, and what to send next. Pure bookkeeping, so
// the ACK/NACK rules are tested without a stream.
import type { DiscoveryResource, NackDetail, SyncState } from '@mesh/proto';
import type { TypeSnapshot } from './model.js';

export interface TypeSync {
  /** The last response sent: version_info and nonce; '' before the first. */
  sentVersion: string;
  sentNonce: string;
  /** What the proxy last ACKed: the set's version and each resource's version. */
  ackedVersion: string;
  ackedNonce: string;
  acked: Map<string, string> | undefined;
  /** Names sent since the last ACK: an incremental response must remove them if they are gone. */
  sentSinceAck: Set<string>;
  /** error_detail of the last NACK, kept until a later ACK; and the nonce it answered. */
  lastError: NackDetail | undefined;
  nackedNonce: string;
  /** The version the control plane wants the proxy to run (set when a snapshot is built). */
  wantedVersion: string;
}

export function newTypeSync(): TypeSync {
  return {
    sentVersion: '',
    sentNonce: '',
    ackedVersion: '',
    ackedNonce: '',
    acked: undefined,
    sentSinceAck: new Set(),
    lastError: undefined,
    nackedNonce: '',
    wantedVersion: '',
  };
}

export interface PlannedResponse {
  versionInfo: string;
  resources: DiscoveryResource[];
  removedResources: string[];
  incremental: boolean;
}

/**
 * What to send so the proxy ends up with `snapshot`, or undefined when it already has it or
 * was already sent it (a NACKed version is not sent again: the proxy would only reject it
 * again; the next different version is).
 */
export function planResponse(sync: TypeSync, snapshot: TypeSnapshot): PlannedResponse | undefined {
  sync.wantedVersion = snapshot.version;
  if (snapshot.version === sync.sentVersion) return undefined;
  if (!sync.acked) {
    return {
      versionInfo: snapshot.version,
      resources: [...snapshot.resources],
      removedResources: [],
      incremental: false,
    };
  }
  const acked = sync.acked;
  const current = new Set<string>();
  const changed: DiscoveryResource[] = [];
  for (const r of snapshot.resources) {
    current.add(r.name);
    if (acked.get(r.name) !== r.version) changed.push(r);
  }
  const removed = new Set<string>();
  for (const name of acked.keys()) if (!current.has(name)) removed.add(name);
  for (const name of sync.sentSinceAck) if (!current.has(name)) removed.add(name);
  return {
    versionInfo: snapshot.version,
    resources: changed,
    removedResources: [...removed].sort(),
    incremental: true,
  };
}

/** Records a response as sent; `full` is the complete set it leads to. */
export function recordSent(
  sync: TypeSync,
  nonce: string,
  planned: PlannedResponse,
  full: TypeSnapshot,
  pendingSets: Map<string, TypeSnapshot>,
): void {
  sync.sentVersion = planned.versionInfo;
  sync.sentNonce = nonce;
  for (const r of planned.resources) sync.sentSinceAck.add(r.name);
  pendingSets.set(nonce, full);
}

/**
 * An ACK or NACK for `nonce`. Replies to a response that is not the latest are stale (the proxy
 * answers every response in order, so the reply to the latest one follows) and change nothing.
 */
export function recordReply(
  sync: TypeSync,
  nonce: string,
  error: NackDetail | undefined,
  pendingSets: Map<string, TypeSnapshot>,
): 'ack' | 'nack' | 'stale' {
  const set = pendingSets.get(nonce);
  if (nonce !== sync.sentNonce || !set) {
    pendingSets.delete(nonce);
    return 'stale';
  }
  pendingSets.clear();
  if (error) {
    sync.lastError = error;
    sync.nackedNonce = nonce;
    // The proxy still runs the ACKed set; names sent since stay in sentSinceAck so the next
    // incremental response removes them if they are gone.
    return 'nack';
  }
  sync.ackedVersion = set.version;
  sync.ackedNonce = nonce;
  sync.acked = new Map(set.resources.map((r) => [r.name, r.version]));
  sync.sentSinceAck.clear();
  sync.lastError = undefined;
  sync.nackedNonce = '';
  return 'ack';
}

/** True while the latest response sent has had neither an ACK nor a NACK. */
export function awaitingReply(sync: TypeSync, pendingSets: Map<string, TypeSnapshot>): boolean {
  return sync.sentNonce !== '' && pendingSets.has(sync.sentNonce);
}

/** gRPC INVALID_ARGUMENT: the proxy judged the config itself wrong. */
const INVALID_ARGUMENT = 3;

/**
 * Lets the next push send a rejected version once more (incrementally, against the ACKed set),
 * unless the proxy called the config itself invalid: that version would only be rejected again,
 * and a NACKed config is never resent. Other codes (INTERNAL, UNAVAILABLE: "could not apply it
 * now") are worth another try. Returns whether a retry was armed.
 */
export function retryRejected(sync: TypeSync): boolean {
  if (syncState(sync) !== 'ERROR' || sync.lastError?.code === INVALID_ARGUMENT) return false;
  sync.sentVersion = '';
  return true;
}

/** SYNCED / STALE / NOT SENT / ERROR, as `meshctl proxy-status` shows it. */
export function syncState(sync: TypeSync): SyncState {
  if (!sync.sentNonce) return 'NOT_SENT';
  if (sync.lastError && sync.nackedNonce === sync.sentNonce) return 'ERROR';
  // By nonce, not version: content can return to an ACKed version while its response is in flight.
  if (sync.ackedNonce === sync.sentNonce && sync.sentVersion === sync.wantedVersion) {
    return 'SYNCED';
  }
  return 'STALE';
}
