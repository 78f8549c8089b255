// What `meshctl up` runs, as data: each component's command line, environment, readiness check
// and ports. Pure, so the whole layout of the local mesh is tested without starting anything.
import type { ComponentState } from './state.js';

export type Readiness =
  /** A line the component prints once it serves (stdout or stderr). */
  | { kind: 'line'; pattern: RegExp }
  /** An HTTP GET that answers 200 once it serves (a proxy's /healthz/ready). */
  | { kind: 'http'; url: string };

export interface ComponentSpec {
  name: string;
  role: ComponentState['role'];
  command: string;
  args: string[];
  env: Record<string, string>;
  ready: Readiness;
  ports: Record<string, string>;
}

/** Where the programs the local mesh runs are; the meshctl app knows, the library does not. */
export interface LocalMeshPrograms {
  node: string;
  controlPlane: string;
  proxy: string;
  /** Node flags the proxy bin's shebang asks for (its young-generation size). */
  proxyNodeFlags: readonly string[];
  bookinfo: string;
  /** The repository's samples/ directory, whose YAML `up --demo bookinfo` applies. */
  samples: string;
}

export interface DemoWorkload {
  /** Workload name, also the component name: reviews-v2. */
  name: string;
  service: 'productpage' | 'details' | 'reviews' | 'ratings' | 'tcp-echo' | 'httpbin';
  version: string;
  port: { name: 'http' | 'tcp'; number: number };
}

const http9080 = { name: 'http', number: 9080 } as const;
const tcp9000 = { name: 'tcp', number: 9000 } as const;
const http8000 = { name: 'http', number: 8000 } as const;

/**
 * BOOKINFO.md's workloads, plus the other samples Istio's traffic tasks use: the tcp-echo pair
 * (TCP traffic shifting) and the httpbin pair (circuit breaking, mirroring).
 */
export const BOOKINFO_WORKLOADS: readonly DemoWorkload[] = [
  { name: 'productpage-v1', service: 'productpage', version: 'v1', port: http9080 },
  { name: 'details-v1', service: 'details', version: 'v1', port: http9080 },
  { name: 'reviews-v1', service: 'reviews', version: 'v1', port: http9080 },
  { name: 'reviews-v2', service: 'reviews', version: 'v2', port: http9080 },
  { name: 'reviews-v3', service: 'reviews', version: 'v3', port: http9080 },
  { name: 'ratings-v1', service: 'ratings', version: 'v1', port: http9080 },
  { name: 'tcp-echo-v1', service: 'tcp-echo', version: 'v1', port: tcp9000 },
  { name: 'tcp-echo-v2', service: 'tcp-echo', version: 'v2', port: tcp9000 },
  { name: 'httpbin-v1', service: 'httpbin', version: 'v1', port: http8000 },
  { name: 'httpbin-v2', service: 'httpbin', version: 'v2', port: http8000 },
];

/** The samples `up --demo bookinfo` applies so /productpage answers at once (Istio's getting started). */
export const BOOKINFO_CONFIG = [
  'bookinfo/bookinfo-gateway.yaml',
  'bookinfo/destination-rule-all.yaml',
  'tcp-echo/destination-rule-all.yaml',
] as const;

/** The Gateway ports of the samples: HTTP 8080 (bookinfo-gateway), TCP 31400 (tcp-echo). */
export const GATEWAY_HTTP_PORT = 8080;
export const GATEWAY_TCP_PORT = 31400;

export const CONTROL_PLANE_READY =
  /mesh-control-plane \S+ serving grpc (\S+?):(\d+) http (\S+?):(\d+) store (.+)/;
const APP_READY = /bookinfo \S+ \S+ listening on (\S+):(\d+)/;
/** Proxies drain for this long on stop: nothing in a local demo needs Istio's 5 s. */
const DRAIN_SECONDS = '1';
const HOST = '127.0.0.1';

export interface ControlPlaneOptions {
  programs: LocalMeshPrograms;
  meshHome: string;
  /** 0: any free port (tests); otherwise Istio's 15010 / 15014 unless set. */
  grpcPort: number;
  httpPort: number;
  /** etcd URLs; absent: the embedded store, persisted in dataDir. */
  etcd?: string;
  dataDir: string;
  /** The bearer token file config writes need (shared with meshctl through MESH_HOME). */
  tokenFile: string;
}

export function controlPlaneSpec(o: ControlPlaneOptions): ComponentSpec {
  const store = o.etcd ? ['--etcd-endpoints', o.etcd] : ['--data-dir', o.dataDir];
  return {
    name: 'control-plane',
    role: 'control-plane',
    command: o.programs.node,
    args: [
      o.programs.controlPlane,
      '--grpc-port',
      String(o.grpcPort),
      '--http-port',
      String(o.httpPort),
      '--token-file',
      o.tokenFile,
      ...store,
    ],
    env: { MESH_HOME: o.meshHome },
    ready: { kind: 'line', pattern: CONTROL_PLANE_READY },
    ports: {},
  };
}

/** Ports one proxy listens on; all picked before it starts, so its app can be told its proxy. */
export interface ProxyPorts {
  outbound: number;
  admin: number;
  health: number;
  /** Where other proxies reach this workload (the endpoint it registers). */
  inbound: number;
  /** Istio's standard metrics (Envoy's 15090), which Prometheus and `meshctl stat` scrape. */
  stats: number;
}

/**
 * The local mesh's MeshConfig: Istio's demo-profile choices (access log on stdout, which the
 * supervisor keeps per component) with Istio's default 1% trace sampling.
 */
export const LOCAL_MESH_CONFIG = `# The local mesh's MeshConfig, in Istio's field names. meshctl up writes it at every start;
# give your own with meshctl up --mesh-config FILE.
accessLogFile: /dev/stdout
accessLogEncoding: JSON
enableTracing: true
defaultConfig:
  tracing:
    sampling: 1
`;

/** What every proxy of the local mesh is started with. */
export interface ProxyCommon {
  programs: LocalMeshPrograms;
  controlPlane: string;
  /** The MeshConfig file every proxy reads (access log, tracing). */
  meshConfig: string;
}

function proxyArgs(o: ProxyCommon, ports: ProxyPorts): string[] {
  const { programs, controlPlane } = o;
  return [
    ...programs.proxyNodeFlags,
    programs.proxy,
    '--control-plane',
    controlPlane,
    '--outbound-port',
    String(ports.outbound),
    '--admin-port',
    String(ports.admin),
    '--health-port',
    String(ports.health),
    '--stats-port',
    String(ports.stats),
    '--mesh-config',
    o.meshConfig,
    '--drain-seconds',
    DRAIN_SECONDS,
  ];
}

function proxyReady(ports: ProxyPorts): Readiness {
  return { kind: 'http', url: `http://${HOST}:${ports.health}/healthz/ready` };
}

export interface GatewayOptions extends ProxyCommon {
  ports: ProxyPorts;
  ingressPort: number;
  tcpPort: number;
}

/** The ingress gateway: Istio's istio-ingressgateway, its Gateway ports mapped to local ones. */
export function gatewaySpec(o: GatewayOptions): ComponentSpec {
  return {
    name: 'istio-ingressgateway',
    role: 'gateway',
    command: o.programs.node,
    args: [
      ...proxyArgs(o, o.ports),
      '--workload',
      'istio-ingressgateway',
      '--namespace',
      'istio-system',
      '--labels',
      'app=istio-ingressgateway,istio=ingressgateway',
      '--gateway-ports',
      `${GATEWAY_HTTP_PORT}:${o.ingressPort},${GATEWAY_TCP_PORT}:${o.tcpPort}`,
    ],
    env: {},
    ready: proxyReady(o.ports),
    ports: {
      'http (Gateway port 8080)': `${HOST}:${o.ingressPort}`,
      'tcp (Gateway port 31400)': `${HOST}:${o.tcpPort}`,
      admin: `${HOST}:${o.ports.admin}`,
      stats: `${HOST}:${o.ports.stats}`,
    },
  };
}

export interface ClientOptions extends ProxyCommon {
  ports: ProxyPorts;
}

/**
 * A sidecar with no app: the mesh's front door for a person or a load generator on this machine,
 * as Istio's `curl` sample pod is (`HTTP_PROXY=http://127.0.0.1:15001 curl http://httpbin:8000/`).
 */
export function clientSpec(o: ClientOptions): ComponentSpec {
  return {
    name: 'curl-sidecar',
    role: 'sidecar',
    command: o.programs.node,
    args: [...proxyArgs(o, o.ports), '--workload', 'curl', '--labels', 'app=curl,version=v1'],
    env: {},
    ready: proxyReady(o.ports),
    ports: {
      'HTTP_PROXY for you': `http://${HOST}:${o.ports.outbound}`,
      admin: `${HOST}:${o.ports.admin}`,
      stats: `${HOST}:${o.ports.stats}`,
    },
  };
}

export interface WorkloadOptions extends ProxyCommon {
  workload: DemoWorkload;
  appPort: number;
  proxy: ProxyPorts;
}

/** A demo app, which reaches other services through its sidecar as an HTTP forward proxy. */
export function appSpec(o: WorkloadOptions): ComponentSpec {
  const { workload } = o;
  return {
    name: workload.name,
    role: 'app',
    command: o.programs.node,
    args: [
      o.programs.bookinfo,
      workload.service,
      '--version',
      workload.version,
      '--port',
      String(o.appPort),
    ],
    env: { HTTP_PROXY: `http://${HOST}:${o.proxy.outbound}` },
    ready: { kind: 'line', pattern: APP_READY },
    ports: { app: `${HOST}:${o.appPort}` },
  };
}

export function sidecarSpec(o: WorkloadOptions): ComponentSpec {
  const { workload } = o;
  const port = workload.port;
  return {
    name: `${workload.name}-sidecar`,
    role: 'sidecar',
    command: o.programs.node,
    args: [
      ...proxyArgs(o, o.proxy),
      '--workload',
      workload.name,
      '--labels',
      `app=${workload.service},version=${workload.version}`,
      '--service-port',
      `${port.name}:${port.number}:${o.appPort}:${o.proxy.inbound}`,
    ],
    env: {},
    ready: proxyReady(o.proxy),
    ports: {
      inbound: `${HOST}:${o.proxy.inbound}`,
      outbound: `${HOST}:${o.proxy.outbound}`,
      admin: `${HOST}:${o.proxy.admin}`,
      stats: `${HOST}:${o.proxy.stats}`,
    },
  };
}
