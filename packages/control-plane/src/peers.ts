// Replicas find each other through the store: each keeps a leased record of its addresses, and
// proxy-status asks the others for their rows, so `meshctl proxy-status` shows every proxy
// whichever replica it talks to (as istioctl asks every istiod).
import type { ProxyStatusRow } from '@mesh/proto';
import { registryKey, registryPrefix, type ConfigStore } from '@mesh/store';

export const REPLICA_KIND = 'control-plane';
const REPLICA_NAMESPACE = 'mesh';

export interface ReplicaRecord {
  name: string;
  /** host:port of its gRPC and HTTP servers, as other replicas reach them. */
  grpc: string;
  http: string;
}

export function replicaKey(name: string): string {
  return registryKey(REPLICA_KIND, REPLICA_NAMESPACE, name);
}

export interface PeerOptions {
  store: ConfigStore;
  self: string;
  timeoutMs: number;
  log(line: string): void;
}

/** The proxy-status rows of every other live replica; unreachable ones are logged and skipped. */
export async function peerStatus(options: PeerOptions): Promise<ProxyStatusRow[]> {
  let peers: ReplicaRecord[];
  try {
    const { items } = await options.store.list(registryPrefix(REPLICA_KIND, REPLICA_NAMESPACE));
    peers = items
      .map((kv) => JSON.parse(kv.value) as ReplicaRecord)
      .filter((r) => r.name !== options.self);
  } catch (err) {
    options.log(`proxy-status: cannot list peer replicas: ${(err as Error).message}`);
    return [];
  }
  const rows = await Promise.all(
    peers.map(async (peer) => {
      try {
        const res = await fetch(`http://${peer.http}/debug/syncz`, {
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return (await res.json()) as ProxyStatusRow[];
      } catch (err) {
        options.log(
          `proxy-status: replica ${peer.name} at ${peer.http}: ${(err as Error).message}`,
        );
        return [];
      }
    }),
  );
  return rows.flat();
}
