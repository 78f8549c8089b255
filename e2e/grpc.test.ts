// gRPC through real sidecar processes, the way a gRPC app uses a mesh without transparent capture:
// grpc-js with grpc_proxy opens `CONNECT greeter:50051` on its sidecar's outbound port and speaks
// h2c inside; the client sidecar routes each call by its headers and forwards over h2c to the
// server sidecar's gRPC inbound port, which forwards to the app.
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mesh/store/testing';
import { startMeshProxy, stopAllProxies, type ProxyProcess } from './support/mesh-proxy.js';
import {
  meshctl,
  startControlPlane,
  stopAllControlPlanes,
  type ControlPlaneProcess,
} from './support/processes.js';
import { waitFor } from './support/wait.js';

// grpc-js logs refused tunnels and reconnects; the tests assert on statuses.
grpc.setLogVerbosity(grpc.logVerbosity.NONE);

interface Hello {
  name: string;
  from?: string;
}

// JSON on the wire: grpc-js takes any serializer, so no protobuf compiler is needed.
const json = {
  serialize: (v: Hello) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()) as Hello,
};

const GREETER: grpc.ServiceDefinition = {
  Greet: {
    path: '/demo.Greeter/Greet',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

type GreeterClient = grpc.Client & {
  Greet(
    req: Hello,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, res?: Hello) => void,
  ): grpc.ClientUnaryCall;
};

const GreeterClient = grpc.makeGenericClientConstructor(GREETER, 'Greeter');

async function startGreeter(version: string): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(GREETER, {
    Greet: (call: grpc.ServerUnaryCall<Hello, Hello>, callback: grpc.sendUnaryData<Hello>) =>
      callback(null, { name: `hello ${call.request.name}`, from: `greeter-${version}` }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { server, port };
}

/** grpc-js reads grpc_proxy when the channel is created. */
function clientVia(proxyPort: number): GreeterClient {
  const saved = process.env.grpc_proxy;
  process.env.grpc_proxy = `http://127.0.0.1:${proxyPort}`;
  try {
    return new GreeterClient('greeter:50051', grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    }) as unknown as GreeterClient;
  } finally {
    if (saved === undefined) delete process.env.grpc_proxy;
    else process.env.grpc_proxy = saved;
  }
}

function greet(
  client: GreeterClient,
  name: string,
  metadata: Record<string, string> = {},
): Promise<{ err: grpc.ServiceError | null; res: Hello | undefined }> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.Greet({ name }, md, { deadline: Date.now() + 10_000 }, (err, res) =>
      resolve({ err, res }),
    );
  });
}

const RULES = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: greeter}
spec:
  host: greeter
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: greeter}
spec:
  hosts: [greeter]
  http:
  - match: [{headers: {x-user: {exact: jason}}}]
    route: [{destination: {host: greeter, subset: v2}}]
  - match: [{headers: {x-user: {exact: tester}}}]
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}
    route: [{destination: {host: greeter, subset: v1}}]
  - match: [{uri: {prefix: /demo.Greeter/Nope}}]
    directResponse: {status: 404}
  - route: [{destination: {host: greeter, subset: v1}}]
`;

describe('gRPC through sidecar processes', () => {
  let home: string;
  let cp: ControlPlaneProcess;
  const greeters: grpc.Server[] = [];
  const proxies: ProxyProcess[] = [];
  let client: GreeterClient;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mesh-e2e-grpc-'));
    cp = await startControlPlane({ home });
    for (const version of ['v1', 'v2']) {
      const g = await startGreeter(version);
      greeters.push(g.server);
      proxies.push(
        await startMeshProxy(
          [
            '--control-plane',
            cp.grpc,
            '--workload',
            `greeter-${version}`,
            '--labels',
            `app=greeter,version=${version}`,
            '--service-port',
            `grpc:50051:${g.port}:${await freePort()}`,
          ],
          { MESH_ACCESS_LOG: 'off' },
        ),
      );
    }
    const sidecar = await startMeshProxy(
      ['--control-plane', cp.grpc, '--workload', 'frontend', '--labels', 'app=frontend'],
      { MESH_ACCESS_LOG: 'off' },
    );
    proxies.push(sidecar);
    const file = join(home, 'greeter.yaml');
    writeFileSync(file, RULES);
    const applied = await meshctl(['apply', '-f', file], {
      env: { MESH_HOME: home, MESH_CONTROL_PLANE: cp.grpc },
    });
    expect(applied.code).toBe(0);
    client = clientVia(sidecar.outboundPort);
  });

  afterAll(async () => {
    client?.close();
    await Promise.all(proxies.map((p) => p.stop()));
    await stopAllProxies();
    await cp?.stop();
    await stopAllControlPlanes();
    for (const g of greeters) g.forceShutdown();
    rmSync(home, { recursive: true, force: true });
  });

  it('routes calls by metadata to the subset the VirtualService names', async () => {
    await waitFor(
      'the VirtualService in effect for gRPC',
      async () => {
        // Without the VirtualService the two greeters are balanced and give the expected pairs by
        // chance (ten picks: once in a thousand polls); only its fault answers tester's call.
        const t = await greet(client, 't', { 'x-user': 'tester' });
        if (t.err?.code !== grpc.status.UNAVAILABLE || !/fault filter abort/.test(t.err.details))
          return false;
        for (let i = 0; i < 5; i++) {
          const j = await greet(client, 'j', { 'x-user': 'jason' });
          const o = await greet(client, 'o');
          if (j.res?.from !== 'greeter-v2' || o.res?.from !== 'greeter-v1') return false;
        }
        return true;
      },
      (ok) => ok,
      15_000,
    );
    for (let i = 0; i < 10; i++) {
      const j = await greet(client, `jason-${i}`, { 'x-user': 'jason' });
      expect(j.err).toBeNull();
      expect(j.res).toEqual({ name: `hello jason-${i}`, from: 'greeter-v2' });
      const o = await greet(client, `other-${i}`);
      expect(o.res).toEqual({ name: `hello other-${i}`, from: 'greeter-v1' });
    }
  });

  it('answers with gRPC statuses: an injected abort, the app status, a direct response', async () => {
    const aborted = await greet(client, 't', { 'x-user': 'tester' });
    expect(aborted.err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(aborted.err?.details).toMatch(/fault filter abort/);

    const call = (method: string) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          method,
          json.serialize,
          json.deserialize,
          { name: 'x' },
          new grpc.Metadata(),
          { deadline: Date.now() + 10_000 },
          (err) => resolve(err),
        ),
      );
    // Not a method the app has: the app itself says UNIMPLEMENTED, through both sidecars.
    const missing = await call('/demo.Greeter/Missing');
    expect(missing?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(missing?.details).not.toMatch(/HTTP status/);
    // The directResponse route answers HTTP 404 at the client sidecar, which gRPC maps to
    // UNIMPLEMENTED, as with Envoy.
    const direct = await call('/demo.Greeter/Nope');
    expect(direct?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(direct?.details).toMatch(/HTTP status code 404/);
  });
});
