// The command line is a contract with `meshctl up`'s supervisor: keep flags, defaults and exit
// codes stable.

export const SERVICES = [
  'productpage',
  'details',
  'reviews',
  'ratings',
  'tcp-echo',
  'httpbin',
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The versions each workload has in Bookinfo (and in Istio's tcp-echo and httpbin samples). */
export const VERSIONS: Readonly<Record<ServiceName, readonly string[]>> = {
  productpage: ['v1'],
  details: ['v1'],
  reviews: ['v1', 'v2', 'v3'],
  ratings: ['v1'],
  'tcp-echo': ['v1', 'v2'],
  httpbin: ['v1', 'v2'],
};

export const DEFAULT_HOST = '127.0.0.1';
/** Every Bookinfo workload serves on 9080; Istio's tcp-echo sample on 9000, httpbin on 8000. */
export function defaultPort(service: ServiceName): number {
  if (service === 'tcp-echo') return 9000;
  if (service === 'httpbin') return 8000;
  return 9080;
}
/** tcp-echo's line prefix per version, as in Istio's TCP traffic shifting task. */
const DEFAULT_PREFIX: Readonly<Record<string, string>> = { v1: 'one', v2: 'two' };

export interface ServiceArgs {
  readonly service: ServiceName;
  readonly version: string;
  readonly host: string;
  /** 0 asks the OS for a free port. */
  readonly port: number;
  /** tcp-echo only. */
  readonly prefix?: string;
}

export type ParsedArgs = { readonly kind: 'run'; readonly args: ServiceArgs } | { kind: 'help' };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: bookinfo <service> [--version v1] [--port 9080] [--host 127.0.0.1] [--prefix one]

services:
  productpage  v1          HTML page and /api/v1/products; calls details and reviews
  details      v1          GET /details/{id}
  reviews      v1 v2 v3    GET /reviews/{id}; v2 (black stars) and v3 (red stars) call ratings
  ratings      v1          GET /ratings/{id}
  tcp-echo     v1 v2       TCP: answers each line with "<prefix> <line>" (prefix one / two)
  httpbin      v1 v2       /get /headers /ip /anything /status/{code} /delay/{seconds};
                           writes one access line per request on stdout

flags:
  --version V    workload version (default v1)
  --port N       port to listen on; 0 picks a free one
                 (default 9080, tcp-echo 9000, httpbin 8000)
  --host H       address to listen on (default 127.0.0.1)
  --prefix P     tcp-echo only: the prefix of each echoed line

env:
  HTTP_PROXY         forward proxy (the sidecar) for calls to other services
  BOOKINFO_SERVICES  direct addresses, e.g. details=127.0.0.1:1234,reviews=127.0.0.1:5678
`;

const FLAGS = new Set(['version', 'port', 'host', 'prefix']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq === -1 ? arg : arg.slice(0, eq)).replace(/^--?/, '');
    if (!arg.startsWith('--') || !FLAGS.has(name)) throw new UsageError(`unknown flag ${arg}`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    flags.set(name, value);
  }

  if (positional.length === 0) throw new UsageError('missing <service>');
  if (positional.length > 1) throw new UsageError(`unexpected argument ${positional[1]}`);
  const service = positional[0]!;
  if (!isService(service)) {
    throw new UsageError(`unknown service ${service} (one of ${SERVICES.join(', ')})`);
  }

  const version = flags.get('version') ?? 'v1';
  const versions = VERSIONS[service];
  if (!versions.includes(version)) {
    throw new UsageError(`${service} has no version ${version} (one of ${versions.join(', ')})`);
  }

  const host = flags.get('host') ?? DEFAULT_HOST;
  if (host === '') throw new UsageError('--host must not be empty');

  const portText = flags.get('port');
  const port = portText === undefined ? defaultPort(service) : parsePort(portText);

  let prefix = flags.get('prefix');
  if (prefix !== undefined) {
    if (service !== 'tcp-echo') throw new UsageError('--prefix only applies to tcp-echo');
    if (prefix === '' || /[\r\n]/.test(prefix)) {
      throw new UsageError('--prefix must be non-empty and on one line');
    }
  } else if (service === 'tcp-echo') {
    prefix = DEFAULT_PREFIX[version];
  }

  return {
    kind: 'run',
    args: { service, version, host, port, ...(prefix !== undefined ? { prefix } : {}) },
  };
}

function isService(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`--port must be a number from 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}
