// `mesh-proxy` flags and env -> the proxy's identity and ports. Every flag has an env twin so a
// process manager (or `meshctl up`) can configure a sidecar without building an argv.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ProxyNode, WorkloadPort } from '@mesh/proto';

export interface ProxyFlags {
  controlPlane: string;
  node: ProxyNode;
  /** Where apps send outbound traffic (HTTP forward proxy). */
  outboundPort: number;
  adminPort: number;
  healthPort: number;
  /** Address the listeners bind; the admin port always binds loopback. */
  bindAddress: string;
  drainSeconds: number;
  /** Gateway server port -> local port to bind for it. */
  gatewayPorts: ReadonlyMap<number, number>;
  /** Envoy's Prometheus port: /stats/prometheus on the bind address. */
  statsPort: number;
  /** Istio MeshConfig YAML (access log, tracing); absent: the proxy's defaults. */
  meshConfig: string | undefined;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`${value} is not a port (0-65535; 0 picks a free one)`);
  }
  return n;
}

/** `app=reviews,version=v1` -> {app: 'reviews', version: 'v1'} */
export function parseLabels(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`label "${part}" is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/**
 * `http:9080`, `http:9080:19080` or `http:9080:19080:20001` -> a workload port: name, service port,
 * the app's port (default: the service port) and the sidecar's inbound port other proxies dial
 * (default: the service port, as with transparent capture). The protocol comes from the name
 * (`http`, `http2`, `grpc`, `tcp`, `http-foo`...), as Istio derives it.
 */
export function parseServicePort(value: string): WorkloadPort {
  const parts = value.split(':');
  const [name, number, target, endpoint] = parts;
  const num = (text: string | undefined, what: string, min: number) => {
    if (text === undefined || text === '') return 0;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > 65535) {
      throw new InvalidArgumentError(`service port "${value}": ${what} ${text} is not a port`);
    }
    return n;
  };
  if (!name || parts.length < 2 || parts.length > 4) {
    throw new InvalidArgumentError(
      `service port "${value}": expected name:port[:appPort[:inboundPort]], e.g. http:9080`,
    );
  }
  return {
    name,
    number: num(number, 'port', 1),
    protocol: '',
    targetPort: num(target, 'app port', 0),
    endpointPort: num(endpoint, 'inbound port', 0),
  };
}

/**
 * `region/zone/subzone`, as Istio's `istio-locality` label and ServiceEntry endpoint `locality`
 * write it: up to three parts, trailing ones optional (`us-east1`, `us-east1/us-east1-b`); ''
 * means unknown. Once a `/` is written no part may be empty: `/b` would be a zone of no region and
 * `us//r1` a subzone of no zone, which rank against other localities as nobody meant.
 */
export function parseLocality(value: string): string {
  const parts = value.split('/');
  let problem: string | undefined;
  if (parts.length > 3) problem = `has ${parts.length} parts, at most 3`;
  else if (/\s/.test(value)) problem = 'contains whitespace';
  else if (parts.length > 1 && parts.some((p) => p === '')) {
    const empty = ['region', 'zone', 'subzone'][parts.indexOf('')];
    problem = `has an empty ${empty}`;
  }
  if (problem) {
    throw new InvalidArgumentError(
      `locality "${value}" ${problem}: expected region[/zone[/subzone]], e.g. us-east1/us-east1-b`,
    );
  }
  return value;
}

export function parseProxyFlags(argv: readonly string[], env: NodeJS.ProcessEnv): ProxyFlags {
  const program = new Command('mesh-proxy')
    .description(
      "The mesh sidecar: routes its app's outbound traffic and accepts mesh traffic for the app.",
    )
    .addOption(
      new Option('--control-plane <host:port>', 'control plane gRPC address')
        .default('localhost:15010')
        .env('MESH_CONTROL_PLANE'),
    )
    .addOption(
      new Option('--workload <name>', 'workload name, e.g. reviews-v1').env('MESH_WORKLOAD'),
    )
    .addOption(
      new Option('--namespace <ns>', 'workload namespace').default('default').env('MESH_NAMESPACE'),
    )
    .addOption(
      new Option('--labels <k=v,...>', 'workload labels; app and version name the service')
        .env('MESH_LABELS')
        .argParser(parseLabels),
    )
    .addOption(
      new Option(
        '--service-port <spec>',
        'name:port[:appPort[:inboundPort]], a port the workload serves (repeatable, or comma-separated)',
      )
        .env('MESH_SERVICE_PORTS')
        .argParser((v: string, previous: WorkloadPort[] = []) => [
          ...previous,
          ...v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map(parseServicePort),
        ]),
    )
    .addOption(
      new Option('--id <id>', 'proxy id (default <workload>-<pid>.<namespace>)').env(
        'MESH_PROXY_ID',
      ),
    )
    .addOption(
      new Option('--address <ip>', 'address other proxies reach this workload at')
        .default('127.0.0.1')
        .env('MESH_WORKLOAD_ADDRESS'),
    )
    .addOption(
      new Option('--service-account <name>', 'service account')
        .default('default')
        .env('MESH_SERVICE_ACCOUNT'),
    )
    .addOption(
      new Option(
        '--locality <region/zone/subzone>',
        "where the workload runs; its endpoints carry it, and with a DestinationRule's outlierDetection the proxy prefers endpoints nearest to it (Istio locality failover)",
      )
        .env('MESH_LOCALITY')
        .argParser(parseLocality),
    )
    .addOption(
      new Option('--outbound-port <port>', 'HTTP forward-proxy port for the app')
        .default(15001)
        .argParser(port)
        .env('MESH_OUTBOUND_PORT'),
    )
    .addOption(
      new Option('--admin-port <port>', 'admin port (loopback only)')
        .default(15000)
        .argParser(port)
        .env('MESH_ADMIN_PORT'),
    )
    .addOption(
      new Option('--health-port <port>', 'readiness port (/healthz/ready)')
        .default(15021)
        .argParser(port)
        .env('MESH_HEALTH_PORT'),
    )
    .addOption(
      new Option(
        '--stats-port <port>',
        "Istio's standard metrics at /stats/prometheus (also on the admin port)",
      )
        .default(15090)
        .argParser(port)
        .env('MESH_STATS_PORT'),
    )
    .addOption(
      new Option(
        '--mesh-config <file>',
        'Istio MeshConfig YAML (or the istio ConfigMap): accessLogFile, accessLogEncoding, enableTracing, defaultConfig.tracing.sampling',
      ).env('MESH_CONFIG'),
    )
    .addOption(
      new Option('--bind <address>', 'address the traffic listeners bind')
        .default('127.0.0.1')
        .env('MESH_BIND_ADDRESS'),
    )
    .addOption(
      new Option('--drain-seconds <s>', 'on SIGTERM, how long in-flight requests may finish')
        .default(5)
        .argParser((v) => {
          const n = Number(v);
          if (!Number.isFinite(n) || n < 0)
            throw new InvalidArgumentError(`${v} is not a duration in seconds`);
          return n;
        })
        .env('MESH_DRAIN_SECONDS'),
    )
    .addOption(
      new Option(
        '--gateway-ports <from:to,...>',
        'on a gateway proxy, bind Gateway server port <from> on local port <to> (e.g. 80:8080)',
      )
        .env('MESH_GATEWAY_PORTS')
        .argParser(parseGatewayPorts),
    )
    .addHelpText(
      'after',
      `
Examples:
  mesh-proxy --workload reviews-v1 --labels app=reviews,version=v1 --service-port http:9080:19080:20001
      serves reviews:9080 for an app on 127.0.0.1:19080, accepting mesh traffic on :20001;
      the app calls other services through HTTP_PROXY=http://127.0.0.1:15001
  MESH_WORKLOAD=productpage MESH_LABELS=app=productpage mesh-proxy --outbound-port 0`,
    )
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
    });
  const saved = process.env;
  process.env = env;
  try {
    program.parse([...argv], { from: 'user' });
  } finally {
    process.env = saved;
  }
  const o = program.opts<{
    controlPlane: string;
    workload?: string;
    namespace: string;
    labels?: Record<string, string>;
    servicePort?: WorkloadPort[];
    id?: string;
    address: string;
    serviceAccount: string;
    locality?: string;
    outboundPort: number;
    adminPort: number;
    healthPort: number;
    statsPort: number;
    meshConfig?: string;
    bind: string;
    drainSeconds: number;
    gatewayPorts?: Map<number, number>;
  }>();
  if (!o.workload) {
    throw new InvalidArgumentError(
      '--workload (or MESH_WORKLOAD) is required: which workload is this?',
    );
  }
  const ports = o.servicePort ?? [];
  return {
    controlPlane: o.controlPlane,
    node: {
      id: o.id ?? `${o.workload}-${process.pid}.${o.namespace}`,
      workloadName: o.workload,
      namespace: o.namespace,
      labels: o.labels ?? {},
      serviceAccount: o.serviceAccount,
      addresses: [o.address],
      ports,
      proxyVersion: PROXY_VERSION,
      ready: false,
      locality: o.locality ?? '',
    },
    outboundPort: o.outboundPort,
    adminPort: o.adminPort,
    healthPort: o.healthPort,
    bindAddress: o.bind,
    drainSeconds: o.drainSeconds,
    gatewayPorts: o.gatewayPorts ?? new Map(),
    statsPort: o.statsPort,
    meshConfig: o.meshConfig,
  };
}

export const PROXY_VERSION = '0.1.0';

/** `80:8080,443:8443` -> {80 => 8080, 443 => 8443} */
export function parseGatewayPorts(value: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d{1,5}):(\d{1,5})$/.exec(part);
    const from = Number(m?.[1]);
    const to = Number(m?.[2]);
    if (!m || from < 1 || from > 65535 || to > 65535) {
      throw new InvalidArgumentError(
        `gateway port "${part}" is not <gatewayPort>:<localPort>, e.g. 80:8080`,
      );
    }
    out.set(from, to);
  }
  return out;
}
