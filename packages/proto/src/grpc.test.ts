// Real grpc-js server and client on 127.0.0.1:0: the services load, the codecs meet the bytes
// grpc-js produces, and metadata (the bearer token, the diagnostics trailer) survives the trip.
import * as grpc from '@grpc/grpc-js';
import type { Diagnostic } from '@mesh/rules';
import {
  decodeApplyRequest,
  decodeApplyResponse,
  encodeApplyRequest,
  encodeApplyResponse,
} from './config-codec.js';
import {
  ackFor,
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
  makeResource,
  nackFor,
  requestKind,
  TYPE_URLS,
} from './discovery-codec.js';
import type { DiscoveryRequest, DiscoveryResponse, ProxyNode } from './discovery-codec.js';
import type {
  ConfigServiceClient,
  ConfigServiceHandlers,
} from './generated/mesh/v1/ConfigService.js';
import type {
  DiscoveryServiceClient,
  DiscoveryServiceHandlers,
} from './generated/mesh/v1/DiscoveryService.js';
import { loadMeshProtos } from './load.js';
import { conflict, diagnosticsFromError, invalidArgument } from './status.js';

const TOKEN = 'test-token';
const protos = loadMeshProtos();
const node: ProxyNode = {
  id: 'productpage-v1-1.default',
  workloadName: 'productpage-v1',
  namespace: 'default',
  labels: { app: 'productpage' },
  serviceAccount: 'bookinfo-productpage',
  addresses: ['10.0.0.9'],
  ports: [{ name: 'http', number: 9080, protocol: 'HTTP', targetPort: 0, endpointPort: 0 }],
  proxyVersion: '0.1.0',
  ready: false,
  locality: '',
};
const badDiagnostic: Diagnostic = {
  severity: 'error',
  code: 'MESH-V0001',
  kind: 'VirtualService',
  namespace: 'default',
  name: 'broken',
  path: 'spec.hosts',
  message: 'hosts must not be empty',
  // Document 0 is the case protobuf's "absent" default would hide.
  source: { file: 'vs.yaml', document: 0 },
};

function bearer(md: grpc.Metadata): string | undefined {
  const value = md.get('authorization')[0];
  return typeof value === 'string' ? value.replace(/^Bearer /, '') : undefined;
}

let server: grpc.Server;
let discovery: DiscoveryServiceClient;
let config: ConfigServiceClient;
const seenTokens: (string | undefined)[] = [];

// The echo server: one response per request; the response says what kind of request it saw.
const discoveryHandlers: DiscoveryServiceHandlers = {
  Stream(call) {
    let n = 0;
    call.on('data', (wire) => {
      seenTokens.push(bearer(call.metadata));
      const req = decodeDiscoveryRequest(wire);
      n += 1;
      const res: DiscoveryResponse = {
        typeUrl: req.typeUrl,
        versionInfo: `v${n}`,
        nonce: `nonce-${n}`,
        resources: [
          makeResource(req.node.id, {
            kind: requestKind(req),
            error: req.errorDetail?.message ?? null,
          }),
        ],
        removedResources: [],
        incremental: false,
      };
      call.write(encodeDiscoveryResponse(res));
    });
    call.on('end', () => call.end());
  },
};

const configHandlers: Partial<ConfigServiceHandlers> = {
  Apply(call, callback) {
    if (bearer(call.metadata) !== TOKEN) {
      callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or bad bearer token' });
      return;
    }
    const req = decodeApplyRequest(call.request);
    const first = req.documents[0];
    if (!first) return callback(invalidArgument([]));
    if (first.name === 'broken') return callback(invalidArgument([badDiagnostic]));
    if (first.resourceVersion === 'stale')
      return callback(conflict(first.kind, first.namespace, first.name, 'stale', '12'));
    callback(
      null,
      encodeApplyResponse({
        results: req.documents.map((d) => ({
          kind: d.kind,
          namespace: d.namespace,
          name: d.name,
          outcome: 'created',
          resourceVersion: '1',
        })),
        diagnostics: [],
        revision: '12',
      }),
    );
  },
};

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(protos.discoveryServiceDefinition, discoveryHandlers);
  server.addService(protos.configServiceDefinition, configHandlers as ConfigServiceHandlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  // grpc-js refuses to compose call credentials with insecure channel credentials, so tests set
  // the authorization header per call; production uses TLS plus call credentials.
  discovery = new protos.DiscoveryService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  config = new protos.ConfigService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  discovery.close();
  config.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

function withToken(token = TOKEN): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

describe('DiscoveryService.Stream over a real socket', () => {
  it('answers a subscription, an ACK and a NACK, each decoded on both sides', async () => {
    const call = discovery.Stream(withToken());
    const responses: DiscoveryResponse[] = [];
    const next = () =>
      new Promise<DiscoveryResponse>((resolve, reject) => {
        call.once('data', (wire) => resolve(decodeDiscoveryResponse(wire)));
        call.once('error', reject);
      });
    const send = async (req: DiscoveryRequest) => {
      const pending = next();
      call.write(encodeDiscoveryRequest(req));
      const res = await pending;
      responses.push(res);
      return res;
    };

    const first = await send({
      node,
      typeUrl: TYPE_URLS.clusters,
      versionInfo: '',
      responseNonce: '',
      resourceNames: [],
    });
    expect(first).toMatchObject({
      typeUrl: TYPE_URLS.clusters,
      versionInfo: 'v1',
      nonce: 'nonce-1',
    });
    expect(first.resources[0]).toMatchObject({
      name: node.id,
      body: { kind: 'subscribe', error: null },
    });

    const afterAck = await send(ackFor(node, first));
    expect(afterAck.resources[0]?.body).toEqual({ kind: 'ack', error: null });

    const afterNack = await send(
      nackFor(node, afterAck, first.versionInfo, {
        code: grpc.status.INVALID_ARGUMENT,
        message: 'bad cluster',
      }),
    );
    expect(afterNack.resources[0]?.body).toEqual({ kind: 'nack', error: 'bad cluster' });

    call.end();
    await new Promise<void>((resolve) => call.on('end', () => resolve()).resume());
    expect(responses).toHaveLength(3);
    expect(seenTokens).toEqual([TOKEN, TOKEN, TOKEN]);
  });
});

describe('ConfigService.Apply over a real socket', () => {
  const apply = (name: string, resourceVersion: string, md: grpc.Metadata) =>
    new Promise<unknown>((resolve, reject) =>
      config.Apply(
        encodeApplyRequest({
          documents: [
            {
              kind: 'VirtualService',
              namespace: 'default',
              name,
              resourceVersion,
              text: 'kind: VirtualService',
            },
          ],
          dryRun: false,
        }),
        md,
        (err, res) => (err ? reject(err) : resolve(decodeApplyResponse(res!))),
      ),
    );

  it('returns per-document outcomes and the revision', async () => {
    await expect(apply('reviews', '', withToken())).resolves.toEqual({
      results: [
        {
          kind: 'VirtualService',
          namespace: 'default',
          name: 'reviews',
          outcome: 'created',
          resourceVersion: '1',
        },
      ],
      diagnostics: [],
      revision: '12',
    });
  });

  it('fails INVALID_ARGUMENT with the diagnostics in the trailer', async () => {
    const err = (await apply('broken', '', withToken()).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe('VirtualService default/broken: spec.hosts: hosts must not be empty');
    expect(diagnosticsFromError(err)).toEqual([badDiagnostic]);
  });

  it('fails ABORTED on a stale resourceVersion and UNAUTHENTICATED without the token', async () => {
    const stale = (await apply('reviews', 'stale', withToken()).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(stale.code).toBe(grpc.status.ABORTED);
    expect(diagnosticsFromError(stale)).toEqual([]);
    const anon = (await apply('reviews', '', withToken('wrong')).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(anon.code).toBe(grpc.status.UNAUTHENTICATED);
  });
});
