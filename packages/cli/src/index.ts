// meshctl as a library: every command runs without a process, against an injected CliIo.
export { runValidate } from './validate.js';
export { runAnalyze } from './analyze.js';
export { createProgram, runMeshctl, type ProgramResult } from './program.js';
export { nodeIo, type CliIo, type DirEntry, type EntryType } from './io.js';
export type { AnalyzeOptions, CommonOptions, ValidateOptions } from './options.js';
export type { OutputFormat } from './report.js';
export { EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './guard.js';
export { VERSION } from './version.js';
export { runApply, type ApplyOptions } from './apply.js';
export { runGet, type GetOptions, type GetOutput } from './get.js';
export { runDelete, type DeleteOptions } from './delete.js';
export { runProxyStatus, type ProxyStatusOptions, type ProxyStatusOutput } from './proxy-status.js';
export {
  DEFAULT_CONTROL_PLANE,
  nodeControlPlaneDeps,
  type ConnectOptions,
  type ControlPlaneClient,
  type ControlPlaneDeps,
  type ControlPlaneOptions,
} from './connection.js';
export { EXIT_UNREACHABLE, RpcError } from './rpc.js';
export {
  runProxyConfig,
  PROXY_CONFIG_OUTPUTS,
  type ProxyConfigOptions,
  type ProxyConfigOutput,
} from './proxy-config.js';
export {
  nodeProxyConfigDeps,
  HttpGetError,
  type HttpGet,
  type HttpResponse,
  type ProxyConfigDeps,
} from './proxy-config-http.js';
export { runUp, DEMOS, type Demo, type LocalMeshDeps, type UpOptions } from './local-mesh/up.js';
export { runDown } from './local-mesh/down.js';
export type { LocalMeshPrograms } from './local-mesh/plan.js';
export {
  runDescribe,
  DESCRIBE_OUTPUTS,
  type DescribeOptions,
  type DescribeDeps,
  type DescribeOutput,
} from './describe.js';
