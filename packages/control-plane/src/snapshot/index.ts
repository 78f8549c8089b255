// The snapshot builder: what each proxy is sent, computed from config, registry and the proxy.
export { buildSnapshot } from './snapshot.js';
export {
  servicesOf,
  DEFAULT_WORKLOAD_ADDRESS,
  type MeshService,
  type ServicePort,
  type ServiceEndpoint,
  type Resolution,
} from './services.js';
export { servicesForProxy } from './visible-services.js';
export { selectSidecar, egressScope, scopeAdmits, type EgressScope } from './sidecar-scope.js';
export { gatewaysFor } from './gateways.js';
export { setVersion, typeSnapshot } from './versions.js';
export type { Stored } from './stored.js';
