// @mesh/store: the ConfigStore seam the control plane builds on, with an etcd backend and an
// embedded one that share one contract.
export type * from './types.js';
export {
  ConflictError,
  StoreUnavailableError,
  CompactedError,
  StoreClosedError,
} from './errors.js';
export { EtcdStore, createEtcdStore, type EtcdStoreOptions } from './etcd-store.js';
export { MemoryStore, createMemoryStore, type MemoryStoreOptions } from './memory-store.js';
export * from './keys.js';
