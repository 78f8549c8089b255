// `meshctl describe service|workload NAME`: which VirtualServices, DestinationRules, Gateways,
// ServiceEntries and Sidecars apply, and where traffic goes now, from the control plane's HTTP
// debug port. Fetching (debug-pages.ts) is kept apart from the pure derivation
// (describe-service.ts, describe-workload.ts) and rendering (describe-render.ts).
import { DEFAULT_NAMESPACE } from '@mesh/rules';
import { stringify as stringifyYaml } from 'yaml';
import { parseTimeout } from './connection.js';
import { DEBUG_PAGES, readDebugPages, type DebugPages } from './debug-pages.js';
import { buildMesh } from './describe-mesh.js';
import { renderService, renderWorkload } from './describe-render.js';
import { describeService } from './describe-service.js';
import { describeWorkload } from './describe-workload.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import { InputError } from './inputs.js';
import type { CliIo } from './io.js';
import { HttpGetError, UnexpectedAnswerError, type HttpGet } from './proxy-config-http.js';
import { controlPlaneHttpAddress } from './proxy-config-source.js';
import { EXIT_UNREACHABLE, formatTimeout } from './rpc.js';

export type DescribeKind = 'service' | 'workload';
export const DESCRIBE_KINDS: readonly DescribeKind[] = ['service', 'workload'];
export type DescribeOutput = 'text' | 'json' | 'yaml';
export const DESCRIBE_OUTPUTS: readonly DescribeOutput[] = ['text', 'json', 'yaml'];

export interface DescribeOptions {
  /** `service` (`svc`) or `workload` (`wl`). */
  kind: DescribeKind | string;
  name: string;
  /** Default `default`. */
  namespace?: string;
  /** host:port of the control plane's HTTP (debug) port. */
  controlPlaneHttp: string;
  output?: DescribeOutput;
  /** Deadline of each HTTP request, as --timeout of the other commands. */
  timeout?: string;
  debug?: boolean;
}

export interface DescribeDeps {
  httpGet: HttpGet;
}

const KIND_NAMES: Readonly<Record<string, DescribeKind>> = {
  service: 'service',
  services: 'service',
  svc: 'service',
  workload: 'workload',
  workloads: 'workload',
  wl: 'workload',
};

export function parseDescribeKind(text: string): DescribeKind {
  const kind = KIND_NAMES[text.trim().toLowerCase()];
  if (!kind) throw new InputError(`cannot describe "${text}"; use service (svc) or workload (wl)`);
  return kind;
}

/** `meshctl describe`: exit 0 described, 1 unknown name, 2 usage, 3 control plane unreachable. */
export function runDescribe(
  options: DescribeOptions,
  io: CliIo,
  deps: DescribeDeps,
): Promise<number> {
  return guarded(io, options.debug, async () => {
    const output = options.output ?? 'text';
    if (!DESCRIBE_OUTPUTS.includes(output))
      throw new InputError(`-o: "${String(output)}" is not one of ${DESCRIBE_OUTPUTS.join(', ')}`);
    const kind = parseDescribeKind(options.kind);
    const name = options.name.trim();
    if (!name) throw new InputError(`say which ${kind} to describe: meshctl describe ${kind} NAME`);
    const namespace = options.namespace?.trim() || DEFAULT_NAMESPACE;
    const timeoutMs = parseTimeout(options.timeout);
    const address = controlPlaneHttpAddress(options.controlPlaneHttp);

    let pages: DebugPages;
    try {
      pages = await readDebugPages(deps.httpGet, address, timeoutMs, DEBUG_PAGES);
    } catch (err) {
      const failure = describeReadFailure(err, address, timeoutMs);
      if (!failure) throw err;
      io.stderr(`${failure}\n`);
      return EXIT_UNREACHABLE;
    }
    const mesh = buildMesh(pages);
    const found =
      kind === 'service'
        ? describeService(mesh, name, namespace)
        : describeWorkload(mesh, name, namespace);
    if (!found.ok) {
      io.stderr(`Error: ${found.message}\n`);
      return EXIT_FINDINGS;
    }
    const value = found.value;
    if (output === 'json') io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    else if (output === 'yaml') io.stdout(stringifyYaml(value, { lineWidth: 0 }));
    else io.stdout(value.kind === 'service' ? renderService(value) : renderWorkload(value));
    for (const u of mesh.unreadable)
      io.stderr(`warning: skipped a stored resource this meshctl cannot read: ${u}\n`);
    return EXIT_OK;
  });
}

const HOW_TO_START =
  'Start a local mesh with `meshctl up`, or point --control-plane-http at a running control ' +
  "plane's HTTP port (mesh-control-plane --http-port, 15014 by default).";

/** The `Error: ...` text for a failed read; undefined for our own bugs. */
export function describeReadFailure(
  err: unknown,
  address: string,
  timeoutMs: number,
): string | undefined {
  const where = `the control plane's HTTP port at ${address}`;
  if (err instanceof HttpGetError)
    return err.reason === 'timeout'
      ? `Error: ${where} did not answer within ${formatTimeout(timeoutMs)}. Check that it is running, or raise --timeout.`
      : `Error: cannot reach ${where}: ${err.details}. ${HOW_TO_START}`;
  if (err instanceof UnexpectedAnswerError)
    return `Error: ${err.message}. Is --control-plane-http pointing at a mesh control plane's HTTP port (not its gRPC port)?`;
  return undefined;
}
