// Loads proto/mesh/v1 with @grpc/proto-loader: the only I/O this package does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import packageRoot from '../package-root.cjs';
import type { ProtoGrpcType as ConfigGrpcType } from './generated/config.js';
import type { ProtoGrpcType as DiscoveryGrpcType } from './generated/discovery.js';
import type { ConfigServiceDefinition } from './generated/mesh/v1/ConfigService.js';
import type { DiscoveryServiceDefinition } from './generated/mesh/v1/DiscoveryService.js';

export const PROTO_FILES = ['mesh/v1/discovery.proto', 'mesh/v1/config.proto'] as const;

/**
 * Loader options. The generated types (scripts/generate.mjs) are made with the same flags; change
 * both together. Longs are Strings: revisions are etcd int64s and must not lose digits past 2^53.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The repository's proto/ (the source of truth; present in the workspace, used by tests). */
export const SOURCE_PROTO_DIR = join(packageRoot, '..', '..', 'proto');
/** The copy `npm run build` puts in dist/proto, for installs that ship the package alone. */
export const PACKAGED_PROTO_DIR = join(packageRoot, 'dist', 'proto');

/**
 * Where the .proto files are: the repository's proto/ when present (so tests and a workspace
 * run never read a stale copy), else the copy in dist/proto.
 */
export function defaultProtoDir(): string {
  return existsSync(join(SOURCE_PROTO_DIR, PROTO_FILES[0])) ? SOURCE_PROTO_DIR : PACKAGED_PROTO_DIR;
}

type MeshGrpcType = DiscoveryGrpcType & ConfigGrpcType;

export interface MeshProtos {
  /** For `server.addService(DiscoveryService.service, impl)` and `new DiscoveryService(addr, creds)`. */
  readonly DiscoveryService: MeshGrpcType['mesh']['v1']['DiscoveryService'];
  /** For `server.addService(ConfigService.service, impl)` and `new ConfigService(addr, creds)`. */
  readonly ConfigService: MeshGrpcType['mesh']['v1']['ConfigService'];
  readonly discoveryServiceDefinition: DiscoveryServiceDefinition;
  readonly configServiceDefinition: ConfigServiceDefinition;
  /** The loaded package definition, for reflection or custom loaders. */
  readonly packageDefinition: protoLoader.PackageDefinition;
}

const cache = new Map<string, MeshProtos>();

/** Loads (once per directory) the mesh.v1 services. `protoDir` defaults to defaultProtoDir(). */
export function loadMeshProtos(protoDir: string = defaultProtoDir()): MeshProtos {
  const cached = cache.get(protoDir);
  if (cached) return cached;
  const packageDefinition = protoLoader.loadSync([...PROTO_FILES], {
    ...LOADER_OPTIONS,
    includeDirs: [protoDir],
  });
  // The cast is the one place generated types meet the runtime object; the drift test keeps
  // the generated types in step with the .proto files this loaded.
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as MeshGrpcType;
  const v1 = loaded.mesh.v1;
  const protos: MeshProtos = {
    DiscoveryService: v1.DiscoveryService,
    ConfigService: v1.ConfigService,
    discoveryServiceDefinition: v1.DiscoveryService.service,
    configServiceDefinition: v1.ConfigService.service,
    packageDefinition,
  };
  cache.set(protoDir, protos);
  return protos;
}
