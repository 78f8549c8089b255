// What the control-plane commands need from outside: the environment, the home directory and
// a way to open a client. Injected like CliIo, so each command runs as a function in tests,
// against a recording double or a real grpc server on a loopback port.
import { homedir } from 'node:os';
import type {
  ApplyRequest,
  ApplyResponse,
  DeleteRequest,
  DeleteResponse,
  GetRequest,
  GetResponse,
  ListRequest,
  ListResponse,
  ProxyStatusRequest,
  ProxyStatusResponse,
} from '@mesh/proto';
import { parseDuration } from '@mesh/rules';
import type { CliIo } from './io.js';
import { InputError } from './inputs.js';
import { describeRpcError, RpcError, type CallContext } from './rpc.js';
import { runningMesh } from './local-mesh/state.js';
import { meshHome, resolveToken, type Env } from './token.js';

export const DEFAULT_CONTROL_PLANE = 'localhost:15010';
export const DEFAULT_TIMEOUT = '10s';
const DEFAULT_PORT = '15010';

/** mesh.v1.ConfigService as the commands use it; every failure is an RpcError. */
export interface ControlPlaneClient {
  apply(request: ApplyRequest): Promise<ApplyResponse>;
  get(request: GetRequest): Promise<GetResponse>;
  list(request: ListRequest): Promise<ListResponse>;
  delete(request: DeleteRequest): Promise<DeleteResponse>;
  proxyStatus(request: ProxyStatusRequest): Promise<ProxyStatusResponse>;
  close(): void;
}

export interface ConnectOptions {
  /** grpc target, `host:port`. */
  address: string;
  /** Sent as `authorization: Bearer <token>` on every call when set. */
  token?: string;
  /** Deadline of each call; 0 = none. */
  timeoutMs: number;
}

export interface ControlPlaneDeps {
  env: Env;
  homeDir: string;
  connect(options: ConnectOptions): Promise<ControlPlaneClient>;
}

/** The real thing: process.env, the user's home, and grpc. */
export function nodeControlPlaneDeps(): ControlPlaneDeps {
  return {
    env: process.env,
    homeDir: homedir(),
    // Loaded on first use so validate and analyze start without grpc and protobuf.
    connect: async (options) =>
      (await import('./control-plane-client.js')).connectControlPlane(options),
  };
}

/** Flags every control-plane command takes. */
export interface ControlPlaneOptions {
  /** --control-plane; falls back to MESH_CONTROL_PLANE, then localhost:15010. */
  controlPlane?: string;
  /** --token; falls back to MESH_TOKEN, then $MESH_HOME/token. */
  token?: string;
  /** --timeout, a duration such as `10s`, `500ms` or `1m`, or plain seconds; `0` = no deadline. */
  timeout?: string;
  debug?: boolean;
}

/**
 * The flag, else MESH_CONTROL_PLANE, else the control plane of the local mesh `meshctl up` runs
 * (`localMesh`), else localhost:15010. `host` alone means the control plane's usual port, not
 * grpc's default of 443.
 */
export function resolveAddress(flag: string | undefined, env: Env, localMesh?: string): string {
  const address =
    (flag ?? '').trim() || env.MESH_CONTROL_PLANE?.trim() || localMesh || DEFAULT_CONTROL_PLANE;
  if (/^[\w.-]+$/.test(address)) return `${address}:${DEFAULT_PORT}`;
  return address;
}

/** Milliseconds of a --timeout value; a usage error when it is not a duration. */
export function parseTimeout(text: string | undefined): number {
  const value = (text ?? DEFAULT_TIMEOUT).trim();
  // kubectl's --request-timeout takes plain seconds too.
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms))
    throw new InputError(
      `--timeout: "${value}" is not a duration; use e.g. 10s, 500ms, 1m, or 0 for none`,
    );
  return Math.round(ms);
}

/**
 * Opens a client, runs `run` with it and closes it. A failed call that `run` does not handle
 * itself becomes the one `Error: ...` line and exit code of describeRpcError.
 */
export async function withControlPlane(
  options: ControlPlaneOptions,
  io: CliIo,
  deps: ControlPlaneDeps,
  run: (client: ControlPlaneClient, context: CallContext) => Promise<number>,
): Promise<number> {
  const timeoutMs = parseTimeout(options.timeout);
  const address = resolveAddress(
    options.controlPlane,
    deps.env,
    runningMesh(meshHome(deps.env, deps.homeDir))?.controlPlane,
  );
  const token = await resolveToken(options.token, deps.env, deps.homeDir, io);
  const context: CallContext = { address, timeoutMs };
  const client = await deps.connect({
    address,
    timeoutMs,
    ...(token && { token: token.token }),
  });
  try {
    return await run(client, context);
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    const { message, exitCode } = describeRpcError(err, context);
    io.stderr(`${message}\n`);
    return exitCode;
  } finally {
    client.close();
  }
}
