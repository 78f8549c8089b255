// Real gRPC over real sockets for the h2 tests: a tiny JSON-serialised service (no protobuf
// compiler needed; grpc-js takes any serializer), an app that answers as each test scripts it,
// and clients that reach it through the sidecar the way gRPC apps do, with grpc_proxy.
import * as grpc from '@grpc/grpc-js';
import { connect as connectH2, type ClientHttp2Session } from 'node:http2';
import { request, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface Hello {
  name: string;
  /** Set by the app: which app answered and what reached it. */
  from?: string;
  authority?: string;
  attempt?: string;
}

const json = {
  serialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()) as Hello,
};

export const GREETER: grpc.ServiceDefinition = {
  Greet: {
    path: '/test.Greeter/Greet',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
  Count: {
    path: '/test.Greeter/Count',
    requestStream: false,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

export type GreetHandler = (
  call: grpc.ServerUnaryCall<Hello, Hello>,
  callback: grpc.sendUnaryData<Hello>,
) => void;

export interface GrpcApp {
  readonly port: number;
  /** Calls received so far. */
  readonly calls: Hello[];
  /** Replaces how Greet answers (default: `hello <name>` from this app). */
  greet: GreetHandler | undefined;
  close(): Promise<void>;
}

export async function startGrpcApp(name: string): Promise<GrpcApp> {
  const server = new grpc.Server();
  const app: GrpcApp = {
    port: 0,
    calls: [],
    greet: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
  server.addService(GREETER, {
    Greet: (call: grpc.ServerUnaryCall<Hello, Hello>, callback: grpc.sendUnaryData<Hello>) => {
      app.calls.push(call.request);
      if (app.greet) return app.greet(call, callback);
      const trailer = new grpc.Metadata();
      trailer.set('x-app-trailer', name);
      callback(
        null,
        {
          name: `hello ${call.request.name}`,
          from: name,
          authority: call.getHost(),
          attempt: String(call.metadata.get('x-envoy-attempt-count')[0] ?? ''),
        },
        trailer,
      );
    },
    Count: (call: grpc.ServerWritableStream<Hello, Hello>) => {
      const n = Number(call.request.name);
      for (let i = 0; i < n; i++) call.write({ name: String(i), from: name });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return Object.assign(app, { port });
}

export type GreeterClient = grpc.Client & {
  Greet(
    req: Hello,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, res?: Hello) => void,
  ): grpc.ClientUnaryCall;
  Count(req: Hello): grpc.ClientReadableStream<Hello>;
};

const GreeterClientCtor = grpc.makeGenericClientConstructor(GREETER, 'Greeter');

/**
 * A client of `target` (e.g. `greeter:50051`) that goes through the forward proxy on
 * `proxyPort` as grpc-js does for any app: it reads grpc_proxy when the channel is created,
 * opens `CONNECT target` there and speaks h2c inside the tunnel.
 */
export function greeterViaProxy(
  target: string,
  proxyPort: number,
  options: grpc.ChannelOptions = {},
): GreeterClient {
  const saved = process.env.grpc_proxy;
  process.env.grpc_proxy = `http://127.0.0.1:${proxyPort}`;
  try {
    return new GreeterClientCtor(target, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      ...options,
    }) as unknown as GreeterClient;
  } finally {
    if (saved === undefined) delete process.env.grpc_proxy;
    else process.env.grpc_proxy = saved;
  }
}

export interface CallResult {
  readonly err: grpc.ServiceError | null;
  readonly res: Hello | undefined;
  /** Trailing metadata (status metadata) of the call. */
  readonly trailers: grpc.Metadata | undefined;
  /** Initial metadata (response headers, or the trailers-only block). */
  readonly headers: grpc.Metadata | undefined;
}

export function greet(
  client: GreeterClient,
  name: string,
  metadata: Record<string, string> = {},
  options: grpc.CallOptions = {},
): Promise<CallResult> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    let headers: grpc.Metadata | undefined;
    let result: { err: grpc.ServiceError | null; res: Hello | undefined } | undefined;
    let statusSeen = false;
    const done = () => {
      if (result && statusSeen) resolve({ ...result, trailers, headers });
    };
    const call = client.Greet(
      { name },
      md,
      { deadline: Date.now() + 10_000, ...options },
      (err, res) => {
        result = { err, res };
        done();
      },
    );
    call.on('metadata', (m: grpc.Metadata) => (headers = m));
    call.on('status', (s: grpc.StatusObject) => {
      trailers = s.metadata;
      statusSeen = true;
      done();
    });
  });
}

/** A raw CONNECT tunnel through the forward proxy: the socket once the proxy answered 200. */
export function openTunnel(proxyPort: number, target: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target });
    req.on('connect', (res, socket: Socket, head: Buffer) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(
          new Error(`CONNECT ${target}: ${res.statusCode} ${String(res.headers['x-mesh-error'])}`),
        );
        return;
      }
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A node:http2 (h2c) client session inside a CONNECT tunnel to `target`. */
export async function h2ViaTunnel(proxyPort: number, target: string): Promise<ClientHttp2Session> {
  const socket = await openTunnel(proxyPort, target);
  const session = connectH2(`http://${target}`, { createConnection: () => socket });
  session.on('error', () => undefined);
  return session;
}

export interface H2Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly trailers: Record<string, string | string[] | undefined>;
}

/** One request on an h2 session; resolves when the stream is done. */
export function h2Request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body?: string,
): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let responseHeaders: H2Reply['headers'] = {};
    let trailers: H2Reply['trailers'] = {};
    let text = '';
    stream.on('response', (h) => {
      status = Number(h[':status']);
      responseHeaders = h;
    });
    stream.on('trailers', (t) => (trailers = t));
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (text += d));
    stream.on('end', () => resolve({ status, headers: responseHeaders, body: text, trailers }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

export function listenOn(server: Server | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
