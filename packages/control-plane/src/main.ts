// `mesh-control-plane`: flags and env -> a running replica. Kept in the package (not the app) so
// the flag handling is tested like the rest; the app only passes argv and exits.
import { Command, InvalidArgumentError, Option } from 'commander';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createEtcdStore, createMemoryStore, type ConfigStore } from '@mesh/store';
import { bearerAuthorizer, loadToken, meshHome } from './auth.js';
import {
  DEFAULT_MAX_CONCURRENT_PUSHES,
  startControlPlane,
  type ControlPlane,
} from './control-plane.js';

export interface ControlPlaneFlags {
  etcdEndpoints: string[];
  dataDir: string | undefined;
  grpcPort: number;
  httpPort: number;
  host: string;
  tokenFile: string | undefined;
  name: string;
  registryTtl: number;
  maxConcurrentPushes: number;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`${value} is not a port (0-65535; 0 picks a free one)`);
  }
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${value}: need a whole number >= 1`);
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2)
    throw new InvalidArgumentError(`${value}: need whole seconds >= 2`);
  return n;
}

export function parseFlags(argv: readonly string[], env: NodeJS.ProcessEnv): ControlPlaneFlags {
  const program = new Command('mesh-control-plane')
    .description(
      'The mesh control plane: stores Istio config, tracks workloads, pushes each proxy its config.',
    )
    .addOption(
      new Option('--etcd-endpoints <urls>', 'comma-separated etcd URLs; absent: embedded store')
        .env('MESH_ETCD_ENDPOINTS')
        .argParser((v) =>
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
    )
    .addOption(
      new Option('--data-dir <dir>', 'where the embedded store persists its data').env(
        'MESH_DATA_DIR',
      ),
    )
    .addOption(
      new Option('--grpc-port <port>', 'discovery and config gRPC port')
        .default(15010)
        .argParser(port)
        .env('MESH_GRPC_PORT'),
    )
    .addOption(
      new Option('--http-port <port>', 'health, metrics and debug HTTP port')
        .default(15014)
        .argParser(port)
        .env('MESH_HTTP_PORT'),
    )
    .addOption(
      new Option('--host <address>', 'address both ports listen on')
        .default('127.0.0.1')
        .env('MESH_LISTEN_HOST'),
    )
    .addOption(
      new Option(
        '--token-file <file>',
        'bearer token for config writes; local mode creates $MESH_HOME/token when absent',
      ).env('MESH_TOKEN_FILE'),
    )
    .addOption(
      new Option('--name <name>', 'replica name shown in proxy-status').env(
        'MESH_CONTROL_PLANE_NAME',
      ),
    )
    .addOption(
      new Option('--registry-ttl <seconds>', 'how long a proxy record outlives a dead replica')
        .default(15)
        .argParser(seconds),
    )
    .addOption(
      new Option(
        '--max-concurrent-pushes <n>',
        'proxies pushed at once; bounds push memory, the rest wait their turn',
      )
        .default(DEFAULT_MAX_CONCURRENT_PUSHES)
        .argParser(positive),
    )
    .addHelpText(
      'after',
      `
Examples:
  mesh-control-plane                                  # local mode: embedded store in $MESH_HOME/data
  mesh-control-plane --etcd-endpoints http://127.0.0.1:2379 --token-file /etc/mesh/token

MESH_HOME defaults to ~/.mesh; meshctl reads the local token from $MESH_HOME/token.`,
    )
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
    });
  // commander reads env through process.env; keep the injected env authoritative for tests.
  const saved = process.env;
  process.env = env;
  try {
    program.parse([...argv], { from: 'user' });
  } finally {
    process.env = saved;
  }
  const o = program.opts<{
    etcdEndpoints?: string[];
    dataDir?: string;
    grpcPort: number;
    httpPort: number;
    host: string;
    tokenFile?: string;
    name?: string;
    registryTtl: number;
    maxConcurrentPushes: number;
  }>();
  const etcdEndpoints = o.etcdEndpoints ?? [];
  if (etcdEndpoints.length > 0 && o.dataDir) {
    throw new InvalidArgumentError('--data-dir is for the embedded store; etcd keeps its own data');
  }
  return {
    etcdEndpoints,
    dataDir: etcdEndpoints.length > 0 ? undefined : (o.dataDir ?? join(meshHome(env), 'data')),
    grpcPort: o.grpcPort,
    httpPort: o.httpPort,
    host: o.host,
    tokenFile: o.tokenFile,
    name: o.name ?? `control-plane-${hostname()}-${process.pid}`,
    registryTtl: o.registryTtl,
    maxConcurrentPushes: o.maxConcurrentPushes,
  };
}

/** Starts a replica from flags; the caller owns signals and the exit code. */
export async function startFromFlags(
  flags: ControlPlaneFlags,
  log: (line: string) => void,
): Promise<{ plane: ControlPlane; store: ConfigStore; summary: string }> {
  const local = flags.etcdEndpoints.length === 0;
  const token = loadToken({ tokenFile: flags.tokenFile, createIfMissing: local });
  if (token.created) log(`created a bearer token in ${token.file} (meshctl reads it from there)`);
  const store: ConfigStore = local
    ? createMemoryStore({ dataDir: flags.dataDir })
    : createEtcdStore({ endpoints: flags.etcdEndpoints });
  const storeDescription = local
    ? `embedded store (${flags.dataDir ?? 'in memory'})`
    : `etcd at ${flags.etcdEndpoints.join(', ')}`;
  const plane = await startControlPlane({
    store,
    storeDescription,
    name: flags.name,
    grpcHost: flags.host,
    grpcPort: flags.grpcPort,
    httpHost: flags.host,
    httpPort: flags.httpPort,
    authorize: bearerAuthorizer(token.token),
    registryTtlSeconds: flags.registryTtl,
    maxConcurrentPushes: flags.maxConcurrentPushes,
    log,
  });
  const summary = `mesh-control-plane ${flags.name} serving grpc ${flags.host}:${plane.grpcPort} http ${flags.host}:${plane.httpPort} store ${storeDescription}`;
  return { plane, store, summary };
}
