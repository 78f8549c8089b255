// Proxies register themselves: the replica holding a proxy's stream writes its workload record
// under a lease bound to that stream. The stream ending revokes the lease at once; the replica
// dying lets it expire after its TTL. Either way the record (and so the endpoint) disappears
// without anyone cleaning up.
import type { ProxyNode } from '@mesh/proto';
import {
  registryKey,
  registryPrefix,
  type ConfigStore,
  type KeyValue,
  type Lease,
} from '@mesh/store';
import type { WorkloadRecord } from './model.js';

export const PROXY_REGISTRY_KIND = 'proxy';
export const PROXY_REGISTRY_PREFIX = registryPrefix(PROXY_REGISTRY_KIND);

export function workloadRecord(node: ProxyNode, controlPlane: string): WorkloadRecord {
  return {
    proxyId: node.id,
    workloadName: node.workloadName,
    namespace: node.namespace,
    labels: { ...node.labels },
    serviceAccount: node.serviceAccount,
    addresses: [...node.addresses],
    ports: node.ports.map((p) => ({ ...p })),
    proxyVersion: node.proxyVersion,
    ready: node.ready,
    locality: node.locality,
    controlPlane,
  };
}

export function proxyKey(record: Pick<WorkloadRecord, 'namespace' | 'proxyId'>): string {
  return registryKey(PROXY_REGISTRY_KIND, record.namespace, record.proxyId);
}

/** A stored record, or undefined for a value that is not one (never trusted blindly). */
export function decodeWorkloadRecord(kv: KeyValue): WorkloadRecord | undefined {
  try {
    const v = JSON.parse(kv.value) as Partial<WorkloadRecord>;
    if (typeof v.proxyId !== 'string' || typeof v.namespace !== 'string') return undefined;
    return {
      proxyId: v.proxyId,
      workloadName: typeof v.workloadName === 'string' ? v.workloadName : '',
      namespace: v.namespace,
      labels: v.labels ?? {},
      serviceAccount: v.serviceAccount ?? '',
      addresses: Array.isArray(v.addresses) ? v.addresses : [],
      ports: Array.isArray(v.ports) ? v.ports : [],
      proxyVersion: v.proxyVersion ?? '',
      ready: v.ready === true,
      // Records written before proxies sent a locality have none.
      locality: typeof v.locality === 'string' ? v.locality : '',
      controlPlane: v.controlPlane ?? '',
    };
  } catch {
    return undefined;
  }
}

export interface Registration<T = WorkloadRecord> {
  /** Rewrites the record if it changed (say, the proxy became ready). */
  update(record: T): Promise<void>;
  /** Removes the record now. */
  close(): Promise<void>;
}

export interface RegisterOptions {
  ttlSeconds: number;
  /** Called if the lease is lost (store unreachable past the TTL); the caller re-registers. */
  onLost(error: Error): void;
}

export async function registerWorkload(
  store: ConfigStore,
  record: WorkloadRecord,
  options: RegisterOptions,
): Promise<Registration<WorkloadRecord>> {
  return registerLeased(store, proxyKey(record), record, options);
}

/** Writes `value` at `key` under a fresh lease, kept alive until closed. */
export async function registerLeased<T>(
  store: ConfigStore,
  key: string,
  value: T,
  options: RegisterOptions,
): Promise<Registration<T>> {
  const lease: Lease = await store.grantLease(options.ttlSeconds);
  let written = JSON.stringify(value);
  let closed = false;
  try {
    await store.put(key, written, { lease: lease.id });
  } catch (err) {
    await lease.revoke().catch(() => undefined);
    throw err;
  }
  lease.onLost((err) => {
    if (!closed) options.onLost(err);
  });
  // Updates run one at a time, and `written` moves only once a put succeeded: a failed write
  // must not make the next identical update look like a no-op.
  let chain: Promise<void> = Promise.resolve();
  return {
    update(next) {
      const run = chain.then(async () => {
        const text = JSON.stringify(next);
        if (closed || text === written) return;
        await store.put(key, text, { lease: lease.id });
        written = text;
      });
      chain = run.catch(() => undefined);
      return run;
    },
    async close() {
      if (closed) return;
      closed = true;
      await lease.revoke();
    },
  };
}
