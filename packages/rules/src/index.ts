// @mesh/rules: the one meaning of Istio's traffic API that the control plane and the proxy share.
export * from './api/index.js';
export * from './diagnostics.js';
export { parseResources, parseObject, type ParseOptions, type ParseResult } from './parse.js';
export { validateResource, validatePartial } from './validate/index.js';
export { GRPC_STATUS, type GrpcStatusName } from './validate/grpc-status.js';
export type { SkippedObject } from './parse.js';
export { parseDuration, formatDuration } from './duration.js';
export {
  resolveHost,
  hostMatches,
  hostsIntersect,
  hostOfAuthority,
  gatewayServerHost,
  CLUSTER_DOMAIN,
} from './hosts.js';
export { portProtocol, type PortProtocol } from './protocol.js';
export {
  groupByService,
  registryServiceHost,
  registryServiceName,
  selects,
  serviceNameLabel,
  SERVICE_NAME_LABEL,
  type Labels,
  type PortedWorkload,
  type RegistryService,
  type WorkloadIdentity,
} from './workloads.js';
export {
  serviceEntryServices,
  DEFAULT_WORKLOAD_ADDRESS,
  type EntryEndpoint,
  type EntryService,
  type EntryServicePort,
  type Resolution,
  type SelectableWorkload,
} from './service-entries.js';
export {
  analyze,
  FINDINGS,
  type AnalyzeOptions,
  type FindingCode,
  type RegisteredWorkload,
  type RegisteredWorkloadPort,
  type WorkloadRegistry,
} from './analyze/index.js';
export * from './compile/index.js';
export * from './route/index.js';
export * from './lb/index.js';
export * from './policy/index.js';
export {
  DEFAULT_MESH_SETTINGS,
  parseMeshConfig,
  type MeshConfigResult,
  type MeshSettings,
} from './mesh-config.js';
