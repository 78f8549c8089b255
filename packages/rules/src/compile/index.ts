// compile(): validated resources -> immutable route tables and policy indexes.
export { compile, MESH_GATEWAY, resolveGateways } from './compile.js';
export { outboundClusterName } from './routes.js';
export { visibleNamespaces, isVisible } from './visibility.js';
export { fullMatchRegex } from './regex.js';
export { defaultRetryPolicy, DEFAULT_REDIRECT_CODE } from './defaults.js';
export type {
  CompileOptions,
  CompiledConfig,
  CompileNote,
  ServiceInfo,
  RetryPolicy,
  FaultPolicy,
  ClusterRef,
  HeaderOps,
  RouteHeaderOps,
  RouteTable,
  VirtualHostEntry,
  CompiledHttpRoute,
  CompiledL4Route,
  CompiledDestination,
} from './types.js';
