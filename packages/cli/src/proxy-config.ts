// `meshctl proxy-config`: what one proxy holds (its admin port's /config_dump and /clusters) or
// what the control plane wants it to hold (/debug/snapshotz), as istioctl proxy-config shows it.
import { stringify as stringifyYaml } from 'yaml';
import { parseTimeout } from './connection.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import { InputError } from './inputs.js';
import type { CliIo } from './io.js';
import { HttpGetError, UnexpectedAnswerError, type ProxyConfigDeps } from './proxy-config-http.js';
import {
  CLUSTER_HEADERS,
  clusterRows,
  defaultRouteRows,
  ENDPOINT_HEADERS,
  endpointList,
  endpointRows,
  LISTENER_HEADERS,
  listenerRows,
  ROUTE_HEADERS,
  routeRows,
} from './proxy-config-render.js';
import {
  adminAddress,
  CONFIG_TYPES,
  controlPlaneHttpAddress,
  DEFAULT_ADMIN_PORT,
  NotConnectedError,
  readFromAdmin,
  readFromControlPlane,
  type ConfigType,
  type ProxyConfig,
} from './proxy-config-source.js';
import { EXIT_UNREACHABLE, formatTimeout } from './rpc.js';
import { renderTable } from './table.js';
import { localProxyAdmin, type LocalMeshState } from './local-mesh/state.js';

export type ProxyConfigOutput = 'table' | 'json' | 'yaml';
export const PROXY_CONFIG_OUTPUTS: readonly ProxyConfigOutput[] = ['table', 'json', 'yaml'];

export interface ProxyConfigOptions {
  /** `clusters`, `listeners`, `routes`, `endpoints` (singular and short forms too) or `all`. */
  type: string;
  /** The proxy's node id, as `meshctl proxy-status` lists it. */
  proxy?: string;
  /** --admin: the proxy's admin address, `host:port`. */
  admin?: string;
  /** --from-control-plane: read what the control plane wants `proxy` to hold instead. */
  fromControlPlane?: boolean;
  /** --control-plane-http: the control plane's HTTP (debug) address; default localhost:15014. */
  controlPlaneHttp?: string;
  /** --cluster: only this cluster (clusters and endpoints). */
  cluster?: string;
  output?: ProxyConfigOutput;
  /** The local mesh `meshctl up` runs, if any: its proxies and control plane need no address. */
  localMesh?: LocalMeshState;
  /** Deadline of each HTTP request, as --timeout of the other commands. */
  timeout?: string;
  debug?: boolean;
}

/** kubectl-style names of each type, as istioctl proxy-config takes them. */
const TYPE_NAMES: Readonly<Record<string, ConfigType | 'all'>> = {
  clusters: 'clusters',
  cluster: 'clusters',
  c: 'clusters',
  listeners: 'listeners',
  listener: 'listeners',
  l: 'listeners',
  routes: 'routes',
  route: 'routes',
  r: 'routes',
  endpoints: 'endpoints',
  endpoint: 'endpoints',
  ep: 'endpoints',
  eps: 'endpoints',
  all: 'all',
};

export function parseConfigType(text: string): ConfigType | 'all' {
  const type = TYPE_NAMES[text.trim().toLowerCase()];
  if (!type)
    throw new InputError(
      `unknown config type "${text}"; use clusters (c), listeners (l), routes (r), endpoints (ep) or all`,
    );
  return type;
}

const HEADERS: Readonly<Record<ConfigType, readonly string[]>> = {
  clusters: CLUSTER_HEADERS,
  listeners: LISTENER_HEADERS,
  routes: ROUTE_HEADERS,
  endpoints: ENDPOINT_HEADERS,
};

/** Where the config comes from, decided from the flags before anything is sent. */
export type Source =
  { kind: 'admin'; address: string } | { kind: 'control-plane'; address: string; proxyId: string };

function sourceOf(options: ProxyConfigOptions): Source {
  const proxy = options.proxy?.trim() || undefined;
  if (options.admin !== undefined && options.fromControlPlane)
    throw new InputError(
      '--admin reads what a proxy holds and --from-control-plane what the control plane wants it to hold; pass one (run twice to compare)',
    );
  if (options.controlPlaneHttp !== undefined && !options.fromControlPlane)
    throw new InputError('--control-plane-http is only used with --from-control-plane');
  if (options.fromControlPlane) {
    if (!proxy)
      throw new InputError(
        '--from-control-plane needs the proxy id: meshctl proxy-config <type> <proxy-id> --from-control-plane (meshctl proxy-status lists the ids)',
      );
    return {
      kind: 'control-plane',
      address: controlPlaneHttpAddress(
        options.controlPlaneHttp ?? options.localMesh?.controlPlaneHttp,
      ),
      proxyId: proxy,
    };
  }
  if (options.admin !== undefined) return { kind: 'admin', address: adminAddress(options.admin) };
  const local = proxy && options.localMesh && localProxyAdmin(options.localMesh, proxy);
  if (local) return { kind: 'admin', address: local };
  if (proxy)
    throw new InputError(
      `cannot reach proxy "${proxy}" by name: the control plane does not know proxies' admin addresses yet. ` +
        `Pass --admin HOST:PORT, the proxy's admin port (${DEFAULT_ADMIN_PORT} unless it was started with --admin-port; ` +
        "it listens on 127.0.0.1 only, so run meshctl on the proxy's host or forward the port), " +
        `or add --from-control-plane to see what the control plane sends "${proxy}"`,
    );
  throw new InputError(
    'say which proxy to read: --admin HOST:PORT (its admin port), or <proxy-id> --from-control-plane',
  );
}

/** `meshctl proxy-config <type> [proxy]`: one proxy's listeners, routes, clusters or endpoints. */
export function runProxyConfig(
  options: ProxyConfigOptions,
  io: CliIo,
  deps: ProxyConfigDeps,
): Promise<number> {
  return guarded(io, options.debug, async () => {
    const output = options.output ?? 'table';
    if (!PROXY_CONFIG_OUTPUTS.includes(output))
      throw new InputError(
        `-o: "${String(output)}" is not one of ${PROXY_CONFIG_OUTPUTS.join(', ')}`,
      );
    const type = parseConfigType(options.type);
    const types: readonly ConfigType[] = type === 'all' ? CONFIG_TYPES : [type];
    const cluster = options.cluster;
    if (cluster !== undefined && !types.some((t) => t === 'clusters' || t === 'endpoints'))
      throw new InputError('--cluster filters clusters and endpoints only');
    const timeoutMs = parseTimeout(options.timeout);
    const source = sourceOf(options);
    // Live endpoint health comes from /clusters; JSON and YAML print the held resources.
    const withLive = output === 'table' && types.includes('endpoints');

    let config: ProxyConfig;
    try {
      config =
        source.kind === 'admin'
          ? await readFromAdmin(deps.httpGet, source.address, timeoutMs, withLive)
          : await readFromControlPlane(deps.httpGet, source.address, source.proxyId, timeoutMs);
    } catch (err) {
      const failure = describeFailure(err, source, timeoutMs);
      if (!failure) throw err;
      io.stderr(`${failure.message}\n`);
      return failure.exitCode;
    }

    if (cluster !== undefined) {
      config = onlyCluster(config, cluster);
      if (config.clusters.resources.length === 0 && config.endpoints.resources.length === 0) {
        io.stderr(`Error: no cluster "${cluster}" in ${config.source}\n`);
        return EXIT_FINDINGS;
      }
    }

    if (output !== 'table') {
      const value =
        types.length === 1
          ? config[types[0]!]
          : Object.fromEntries(types.map((t) => [t, config[t]]));
      io.stdout(
        output === 'json'
          ? `${JSON.stringify(value, null, 2)}\n`
          : stringifyYaml(value, { lineWidth: 0 }),
      );
      return EXIT_OK;
    }

    const tables: string[] = [];
    for (const t of types) {
      const rows = rowsOf(config, t);
      if (rows.length === 0) io.stderr(`No ${t} in ${config.source}.\n`);
      else tables.push(renderTable(HEADERS[t], rows));
    }
    if (tables.length > 0) io.stdout(tables.join('\n'));
    return EXIT_OK;
  });
}

function rowsOf(config: ProxyConfig, type: ConfigType): string[][] {
  switch (type) {
    case 'clusters':
      return clusterRows(config.clusters);
    case 'listeners':
      return listenerRows(config);
    case 'routes':
      return [...routeRows(config.routes), ...defaultRouteRows(config)];
    case 'endpoints':
      return endpointRows(endpointList(config));
  }
}

/** The config with only `cluster`'s cluster and endpoints (listeners and routes untouched). */
export function onlyCluster(config: ProxyConfig, cluster: string): ProxyConfig {
  return {
    ...config,
    clusters: {
      ...config.clusters,
      resources: config.clusters.resources.filter((r) => r.name === cluster),
    },
    endpoints: {
      ...config.endpoints,
      resources: config.endpoints.resources.filter((r) => r.name === cluster),
    },
    ...(config.live && { live: config.live.filter((c) => c.name === cluster) }),
  };
}

/** The `Error: ...` line and exit code of a failed read; undefined for our own bugs. */
export function describeFailure(
  err: unknown,
  source: Source,
  timeoutMs: number,
): { message: string; exitCode: number } | undefined {
  const where =
    source.kind === 'admin'
      ? `the proxy admin at ${source.address}`
      : `the control plane's HTTP port at ${source.address}`;
  if (err instanceof HttpGetError) {
    if (err.reason === 'timeout')
      return {
        exitCode: EXIT_UNREACHABLE,
        message: `Error: ${where} did not answer within ${formatTimeout(timeoutMs)}. Check that it is running, or raise --timeout.`,
      };
    const hint =
      source.kind === 'admin'
        ? "The admin port listens on 127.0.0.1 only: run meshctl on the proxy's host, or forward the port (e.g. ssh -L 15000:127.0.0.1:15000 HOST)."
        : 'Set --control-plane-http to the HTTP port of the replica the proxy is connected to (mesh-control-plane --http-port, 15014 by default).';
    return {
      exitCode: EXIT_UNREACHABLE,
      message: `Error: cannot reach ${where}: ${err.details}. ${hint}`,
    };
  }
  if (err instanceof UnexpectedAnswerError) {
    const hint =
      source.kind === 'admin'
        ? "Is --admin pointing at a mesh proxy's admin port?"
        : "Is --control-plane-http pointing at a mesh control plane's HTTP port?";
    return { exitCode: EXIT_UNREACHABLE, message: `Error: ${err.message}. ${hint}` };
  }
  if (err instanceof NotConnectedError)
    return {
      exitCode: EXIT_FINDINGS,
      message:
        `Error: ${err.message}. A proxy's snapshot is served by the replica it is connected to: ` +
        'meshctl proxy-status shows which (CONTROL PLANE); point --control-plane-http at its HTTP port.',
    };
  return undefined;
}
