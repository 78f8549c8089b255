// The HTTP/1.1 data plane: what src/index.ts and the app wire together. Layers and helpers stay
// internal; tests import them from their modules.
export { createOutboundServer, type OutboundServerOptions } from './outbound-server.js';
export { createInboundServer, type InboundServerOptions } from './inbound-server.js';
export {
  accessLogEntry,
  createJsonAccessLog,
  NO_ACCESS_LOG,
  type AccessLogEntry,
  type AccessLogger,
} from './access-log.js';
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from './server.js';
export { MESH_ERROR_HEADER } from './local-reply.js';
export type { ResponseFlag } from './types.js';
export {
  createUpstreamPools,
  originOf,
  type UpstreamPools,
  type UpstreamPoolsOptions,
} from '../upstream/pools.js';
export { ActiveRequests } from '../upstream/active-requests.js';
export { MirrorStats } from './mirror.js';
