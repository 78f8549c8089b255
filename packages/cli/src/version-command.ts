// `meshctl version`: this meshctl's version and, like `istioctl version`, the control plane's,
// read from the `/version` page of its HTTP port (packages/control-plane/src/http-server.ts).
// A control plane that cannot be asked is reported on stderr and does not fail the command.
import { stringify as stringifyYaml } from 'yaml';
import { parseTimeout } from './connection.js';
import { EXIT_OK, guarded } from './guard.js';
import { InputError } from './inputs.js';
import type { CliIo } from './io.js';
import { runningMesh } from './local-mesh/state.js';
import { HttpGetError, type HttpGet } from './proxy-config-http.js';
import { controlPlaneHttpAddress } from './proxy-config-source.js';
import { formatTimeout } from './rpc.js';
import { meshHome, type Env } from './token.js';
import { VERSION } from './version.js';

export type VersionOutput = 'text' | 'json' | 'yaml';
export const VERSION_OUTPUTS: readonly VersionOutput[] = ['text', 'json', 'yaml'];

export interface VersionOptions {
  /** --client: this meshctl only; the control plane is not asked. */
  client?: boolean;
  /** --short: versions only, without the replica and its address (text output). */
  short?: boolean;
  output?: VersionOutput;
  /** --control-plane-http; else the local mesh's, else localhost:15014. */
  controlPlaneHttp?: string;
  /** Deadline of the request, as --timeout of the other commands. */
  timeout?: string;
  debug?: boolean;
}

export interface VersionDeps {
  env: Env;
  homeDir: string;
  httpGet: HttpGet;
}

/** The control plane as `meshctl version` reports it. */
export interface ControlPlaneVersion {
  version: string;
  /** The replica's name, as proxy-status shows it. */
  name: string;
  /** host:port of the HTTP port that answered. */
  address: string;
}

/** What `-o json` and `-o yaml` print. */
export interface VersionReport {
  clientVersion: string;
  /** null with --client, or when the control plane could not be asked. */
  controlPlane: ControlPlaneVersion | null;
}

export function runVersion(options: VersionOptions, io: CliIo, deps: VersionDeps): Promise<number> {
  return guarded(io, options.debug, async () => {
    const output = options.output ?? 'text';
    if (!VERSION_OUTPUTS.includes(output))
      throw new InputError(`-o: "${String(output)}" is not one of ${VERSION_OUTPUTS.join(', ')}`);
    const report: VersionReport = { clientVersion: VERSION, controlPlane: null };
    if (options.client) {
      if (options.controlPlaneHttp !== undefined)
        throw new InputError(
          '--client prints this meshctl only; --control-plane-http is where to ask the control plane: pass one',
        );
    } else {
      const timeoutMs = parseTimeout(options.timeout);
      const address = controlPlaneHttpAddress(
        options.controlPlaneHttp ?? runningMesh(meshHome(deps.env, deps.homeDir))?.controlPlaneHttp,
      );
      const answer = await askControlPlane(deps.httpGet, address, timeoutMs);
      if ('problem' in answer) io.stderr(`${answer.problem}\n`);
      else report.controlPlane = answer;
    }
    io.stdout(render(report, output, options.short ?? false));
    return EXIT_OK;
  });
}

function render(report: VersionReport, output: VersionOutput, short: boolean): string {
  if (output === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (output === 'yaml') return stringifyYaml(report, { lineWidth: 0 });
  const lines = [`client version: ${report.clientVersion}`];
  const cp = report.controlPlane;
  if (cp)
    lines.push(
      short
        ? `control plane version: ${cp.version}`
        : `control plane version: ${cp.version} (mesh-control-plane ${cp.name} at ${cp.address})`,
    );
  return `${lines.join('\n')}\n`;
}

/** The control plane's `/version`, or the line that says why there is none. */
export async function askControlPlane(
  httpGet: HttpGet,
  address: string,
  timeoutMs: number,
): Promise<ControlPlaneVersion | { problem: string }> {
  let status: number;
  let body: string;
  try {
    ({ status, body } = await httpGet(`http://${address}/version`, timeoutMs));
  } catch (err) {
    if (!(err instanceof HttpGetError)) throw err;
    const reason =
      err.reason === 'timeout' ? `no answer within ${formatTimeout(timeoutMs)}` : err.details;
    return { problem: `control plane: not reachable at ${address} (${reason})` };
  }
  const wrong = (what: string) => ({
    problem:
      `control plane: no version from ${address} (${what}). ` +
      "Is --control-plane-http pointing at mesh-control-plane's HTTP port (--http-port, 15014 by default)?",
  });
  if (status !== 200) {
    const line = firstLine(body);
    return wrong(`HTTP ${status}${line ? `: ${line}` : ''}`);
  }
  let info: unknown;
  try {
    info = JSON.parse(body);
  } catch {
    return wrong(`the answer is not JSON: ${firstLine(body)}`);
  }
  const { version, name } = (info ?? {}) as Record<string, unknown>;
  if (typeof version !== 'string' || typeof name !== 'string')
    return wrong('the answer has no "version" and "name"');
  return { version, name, address };
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 120)}...` : line;
}
