// A real grpc-js server with the ConfigService definition on 127.0.0.1, port 0, whose handlers
// record what arrived: the wire encoding, the authorization metadata and the deadline.
import * as grpc from '@grpc/grpc-js';
import { loadMeshProtos, type ConfigServiceHandlers } from '@mesh/proto';

export interface RecordedCall {
  method: string;
  /** The request as grpc-js decoded it (wire shape; decode with @mesh/proto's codecs). */
  request: unknown;
  authorization: string | undefined;
  /** Milliseconds from arrival to the call's deadline; undefined when it has none. */
  deadlineMs: number | undefined;
}

export interface ConfigServer {
  address: string;
  calls: RecordedCall[];
  stop(): Promise<void>;
}

type Handlers = Partial<ConfigServiceHandlers>;

export async function startConfigServer(handlers: Handlers): Promise<ConfigServer> {
  const calls: RecordedCall[] = [];
  const recorded = Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [
      method,
      (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const auth = call.metadata.get('authorization')[0];
        const deadline = call.getDeadline();
        const at = deadline instanceof Date ? deadline.getTime() : deadline;
        calls.push({
          method,
          request: call.request,
          authorization: typeof auth === 'string' ? auth : undefined,
          deadlineMs: Number.isFinite(at) ? at - Date.now() : undefined,
        });
        (handler as (c: typeof call, cb: typeof callback) => void)(call, callback);
      },
    ]),
  );
  const server = new grpc.Server();
  server.addService(
    loadMeshProtos().configServiceDefinition,
    recorded as grpc.UntypedServiceImplementation,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    // forceShutdown: a handler that never answers must not keep jest alive.
    stop: async () => server.forceShutdown(),
  };
}
