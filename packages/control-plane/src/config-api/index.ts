// The control plane's ConfigService (proto/mesh/v1/config.proto) over a ConfigStore, and the
// stored-value format every reader of /mesh/v1/config/ shares.
export type { ConfigApiDeps } from './deps.js';
export { createConfigServiceHandlers } from './handlers.js';
export { canonicalJson, decodeStoredResource, encodeStoredResource } from './stored-resource.js';
