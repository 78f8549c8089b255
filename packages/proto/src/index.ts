// @mesh/proto: the wire contract (proto/mesh/v1) as service definitions plus codecs to plain
// domain types. Generated message classes stay inside this package.
export {
  loadMeshProtos,
  defaultProtoDir,
  LOADER_OPTIONS,
  PROTO_FILES,
  SOURCE_PROTO_DIR,
  PACKAGED_PROTO_DIR,
  type MeshProtos,
} from './load.js';
export { WireDecodeError, type WireErrorReason } from './errors.js';
export * from './discovery-codec.js';
export * from './config-codec.js';
export {
  DIAGNOSTICS_METADATA_KEY,
  invalidArgument,
  conflict,
  diagnosticsFromError,
} from './status.js';
// Wire shapes for grpc handler signatures (server implementations and clients).
export type {
  DiscoveryServiceHandlers,
  DiscoveryServiceClient,
} from './generated/mesh/v1/DiscoveryService.js';
export type {
  ConfigServiceHandlers,
  ConfigServiceClient,
} from './generated/mesh/v1/ConfigService.js';
export type * from './resources.js';
export {
  openDiscoveryStream,
  newDiscoveryClient,
  MAX_DISCOVERY_MESSAGE_BYTES,
  type DiscoveryStream,
  type DiscoveryStreamOptions,
} from './discovery-client.js';
