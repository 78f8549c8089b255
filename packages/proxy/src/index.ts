// @mesh/proxy: the data plane. Never imports the control plane: the wire contract is the seam.
export type * from './config/types.js';
export { ConfigState } from './config/config-state.js';
export { compileTable } from './config/compile-table.js';
export { startDiscovery, type Discovery } from './discovery/discovery-client.js';
export { parseProxyFlags, type ProxyFlags } from './flags.js';
export { startProxy, type ProxyOptions, type RunningProxy } from './proxy.js';
export { runProxyProcess, type ProcessTelemetry } from './main.js';
export { selfPeer } from './telemetry/peer-header.js';
export { createHttpPost, type HttpPost } from './upstream/http-post.js';
export * from './http/index.js';
