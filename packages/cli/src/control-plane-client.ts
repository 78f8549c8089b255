// The real ConfigService client: grpc-js over plaintext, the bearer token as call metadata,
// a deadline on every call, and the codecs of @mesh/proto on both directions.
import * as grpc from '@grpc/grpc-js';
import {
  decodeApplyResponse,
  decodeDeleteResponse,
  decodeGetResponse,
  decodeListResponse,
  decodeProxyStatusResponse,
  diagnosticsFromError,
  encodeApplyRequest,
  encodeDeleteRequest,
  encodeGetRequest,
  encodeListRequest,
  encodeProxyStatusRequest,
  loadMeshProtos,
} from '@mesh/proto';
import type { Diagnostic } from '@mesh/rules';
import type { ConnectOptions, ControlPlaneClient } from './connection.js';
import { GRPC_STATUS, RpcError } from './rpc.js';

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
type UnaryCall<T> = (metadata: grpc.Metadata, options: grpc.CallOptions, cb: Callback<T>) => void;

export function connectControlPlane(options: ConnectOptions): ControlPlaneClient {
  const { ConfigService } = loadMeshProtos();
  // grpc-js refuses call credentials on an insecure channel, so the token rides as plain
  // metadata on each call instead.
  const client = new ConfigService(options.address, grpc.credentials.createInsecure(), {
    // `get -A` of a large mesh can exceed gRPC's 4 MiB default.
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });

  function call<W, T>(method: string, start: UnaryCall<W>, decode: (wire: W) => T): Promise<T> {
    const metadata = new grpc.Metadata();
    if (options.token) metadata.set('authorization', `Bearer ${options.token}`);
    const callOptions: grpc.CallOptions =
      options.timeoutMs > 0 ? { deadline: Date.now() + options.timeoutMs } : {};
    return new Promise<T>((resolve, reject) => {
      start(metadata, callOptions, (err, wire) => {
        if (err) return reject(toRpcError(err));
        try {
          resolve(decode(wire as W));
        } catch (decodeErr) {
          reject(malformed(method, decodeErr));
        }
      });
    });
  }

  return {
    apply: (req) =>
      call(
        'Apply',
        (md, o, cb) => client.Apply(encodeApplyRequest(req), md, o, cb),
        decodeApplyResponse,
      ),
    get: (req) =>
      call('Get', (md, o, cb) => client.Get(encodeGetRequest(req), md, o, cb), decodeGetResponse),
    list: (req) =>
      call(
        'List',
        (md, o, cb) => client.List(encodeListRequest(req), md, o, cb),
        decodeListResponse,
      ),
    delete: (req) =>
      call(
        'Delete',
        (md, o, cb) => client.Delete(encodeDeleteRequest(req), md, o, cb),
        decodeDeleteResponse,
      ),
    proxyStatus: (req) =>
      call(
        'ProxyStatus',
        (md, o, cb) => client.ProxyStatus(encodeProxyStatusRequest(req), md, o, cb),
        decodeProxyStatusResponse,
      ),
    close: () => client.close(),
  };
}

export function toRpcError(err: grpc.ServiceError): RpcError {
  let diagnostics: Diagnostic[] = [];
  try {
    diagnostics = diagnosticsFromError(err);
  } catch {
    // A trailer we cannot decode still leaves the status message, which names the first error.
  }
  return new RpcError(err.code, err.details, diagnostics);
}

/** A response this build cannot read: a server of another version, or a broken one. */
function malformed(method: string, err: unknown): RpcError {
  const why = err instanceof Error ? err.message : String(err);
  return new RpcError(GRPC_STATUS.INTERNAL, `malformed ${method} response: ${why}`);
}
