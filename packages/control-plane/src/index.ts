// @mesh/control-plane: stores config, knows the workloads, and pushes each proxy what it needs.
export type * from './model.js';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { parseFlags, startFromFlags, type ControlPlaneFlags } from './main.js';
export { bearerAuthorizer, loadToken, localTokenFile, meshHome } from './auth.js';
export { PUSH_ORDER, shortType } from './discovery.js';
export {
  createConfigServiceHandlers,
  encodeStoredResource,
  decodeStoredResource,
  type ConfigApiDeps,
} from './config-api/index.js';
export { buildSnapshot, servicesOf, type MeshService } from './snapshot/index.js';
