// A real grpc-js server with the ConfigService handlers on 127.0.0.1:0 and a real client from
// loadMeshProtos(), with calls promisified and decoded by the codec, as meshctl would use them.
import * as grpc from '@grpc/grpc-js';
import {
  decodeApplyResponse,
  decodeConfigEvent,
  decodeDeleteResponse,
  decodeGetResponse,
  decodeListResponse,
  decodeProxyStatusResponse,
  decodeValidateResponse,
  encodeApplyRequest,
  encodeDeleteRequest,
  encodeGetRequest,
  encodeListRequest,
  encodeProxyStatusRequest,
  encodeValidateRequest,
  encodeWatchRequest,
  loadMeshProtos,
} from '@mesh/proto';
import type {
  ApplyResponse,
  ConfigDocument,
  ConfigEvent,
  ConfigServiceClient,
  DeleteRequest,
  DeleteResponse,
  GetRequest,
  GetResponse,
  ListRequest,
  ListResponse,
  ProxyStatusRequest,
  ProxyStatusResponse,
  ProxyStatusRow,
  ValidateResponse,
  WatchRequest,
} from '@mesh/proto';
import type { ConfigStore } from '@mesh/store';
import { createConfigServiceHandlers } from '../index.js';
import type { ConfigApiDeps } from '../index.js';

export const TOKEN = 'test-token';
const CALL_DEADLINE_MS = 15_000;

export function withToken(token = TOKEN): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/** The authorize the tests run with: a bearer token, as the control plane checks it. */
export function tokenAuthorize(md: grpc.Metadata): Partial<grpc.StatusObject> | undefined {
  if (md.get('authorization')[0] === `Bearer ${TOKEN}`) return undefined;
  return { code: grpc.status.UNAUTHENTICATED, details: 'missing or bad bearer token' };
}

export interface Api {
  readonly client: ConfigServiceClient;
  validate(
    documents: readonly ConfigDocument[],
    knownHosts?: readonly string[],
  ): Promise<ValidateResponse>;
  apply(
    documents: readonly ConfigDocument[],
    options?: { dryRun?: boolean; metadata?: grpc.Metadata },
  ): Promise<ApplyResponse>;
  get(request: Partial<GetRequest> & Pick<GetRequest, 'kind' | 'name'>): Promise<GetResponse>;
  list(request?: Partial<ListRequest>): Promise<ListResponse>;
  delete(
    request: Partial<DeleteRequest> & Pick<DeleteRequest, 'kind' | 'name'>,
    metadata?: grpc.Metadata,
  ): Promise<DeleteResponse>;
  proxyStatus(request?: Partial<ProxyStatusRequest>): Promise<ProxyStatusResponse>;
  watch(request?: Partial<WatchRequest>): WatchStream;
  close(): Promise<void>;
}

export async function startApi(
  store: ConfigStore,
  overrides: Partial<ConfigApiDeps> & { rows?: readonly ProxyStatusRow[] } = {},
): Promise<Api> {
  const { rows = [], ...rest } = overrides;
  const server = new grpc.Server();
  const protos = loadMeshProtos();
  server.addService(
    protos.configServiceDefinition,
    createConfigServiceHandlers({
      store,
      authorize: tokenAuthorize,
      proxyStatus: () => rows,
      ...rest,
    }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const client = new protos.ConfigService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const options = () => ({ deadline: Date.now() + CALL_DEADLINE_MS });
  const settle =
    <W, R>(resolve: (r: R) => void, reject: (e: unknown) => void, decode: (w: W) => R) =>
    (err: grpc.ServiceError | null, res?: W) => {
      if (err) reject(err);
      else {
        try {
          resolve(decode(res!));
        } catch (error) {
          reject(error);
        }
      }
    };
  return {
    client,
    validate: (documents, knownHosts = []) =>
      new Promise((resolve, reject) =>
        client.Validate(
          encodeValidateRequest({ documents, knownHosts }),
          new grpc.Metadata(),
          options(),
          settle(resolve, reject, decodeValidateResponse),
        ),
      ),
    apply: (documents, { dryRun = false, metadata = withToken() } = {}) =>
      new Promise((resolve, reject) =>
        client.Apply(
          encodeApplyRequest({ documents, dryRun }),
          metadata,
          options(),
          settle(resolve, reject, decodeApplyResponse),
        ),
      ),
    get: (request) =>
      new Promise((resolve, reject) =>
        client.Get(
          encodeGetRequest({ namespace: '', ...request }),
          new grpc.Metadata(),
          options(),
          settle(resolve, reject, decodeGetResponse),
        ),
      ),
    list: (request = {}) =>
      new Promise((resolve, reject) =>
        client.List(
          encodeListRequest({ kind: '', namespace: '', allNamespaces: false, ...request }),
          new grpc.Metadata(),
          options(),
          settle(resolve, reject, decodeListResponse),
        ),
      ),
    delete: (request, metadata = withToken()) =>
      new Promise((resolve, reject) =>
        client.Delete(
          encodeDeleteRequest({ namespace: '', resourceVersion: '', ...request }),
          metadata,
          options(),
          settle(resolve, reject, decodeDeleteResponse),
        ),
      ),
    proxyStatus: (request = {}) =>
      new Promise((resolve, reject) =>
        client.ProxyStatus(
          encodeProxyStatusRequest({ namespace: '', proxyId: '', ...request }),
          new grpc.Metadata(),
          options(),
          settle(resolve, reject, decodeProxyStatusResponse),
        ),
      ),
    watch: (request = {}) =>
      new WatchStream(
        client.Watch(
          encodeWatchRequest({ fromRevision: '0', kind: '', namespace: '', ...request }),
          new grpc.Metadata(),
        ),
      ),
    close: async () => {
      client.close();
      server.forceShutdown();
    },
  };
}

/** A Watch call read in steps: events as they come, then how the stream ended. */
export class WatchStream {
  private readonly events: ConfigEvent[] = [];
  private waiters: (() => void)[] = [];
  private ended: grpc.ServiceError | 'ok' | undefined;

  constructor(readonly call: grpc.ClientReadableStream<unknown>) {
    const wake = () => {
      for (const w of this.waiters.splice(0)) w();
    };
    call.on('data', (wire) => {
      this.events.push(decodeConfigEvent(wire as Parameters<typeof decodeConfigEvent>[0]));
      wake();
    });
    call.on('error', (error: grpc.ServiceError) => {
      this.ended = error;
      wake();
    });
    call.on('end', () => {
      this.ended ??= 'ok';
      wake();
    });
  }

  /** The first `count` events, in order, once they have arrived. */
  async take(count: number, timeoutMs = 10_000): Promise<ConfigEvent[]> {
    await this.until(() => this.events.length >= count || this.ended !== undefined, timeoutMs);
    if (this.events.length < count) {
      throw new Error(
        `expected ${count} events, got ${JSON.stringify(this.events)} (ended: ${String(this.ended)})`,
      );
    }
    return this.events.slice(0, count);
  }

  /** How the stream ended: 'ok' or the error status. */
  async end(timeoutMs = 10_000): Promise<grpc.ServiceError | 'ok'> {
    await this.until(() => this.ended !== undefined, timeoutMs);
    if (this.ended === undefined) throw new Error('watch did not end');
    return this.ended;
  }

  received(): readonly ConfigEvent[] {
    return this.events;
  }

  cancel(): void {
    this.call.cancel();
  }

  private async until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** The error a rejected call failed with, for asserting on its status. */
export async function failure(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

/** Polls until `check` passes (or fails with its last error). */
export async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
