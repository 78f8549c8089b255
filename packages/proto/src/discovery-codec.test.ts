import {
  ackFor,
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
  makeResource,
  nackFor,
  requestKind,
  resourceVersion,
  TYPE_URLS,
  RESERVED_TYPE_URLS,
} from './discovery-codec.js';
import type { DiscoveryRequest, DiscoveryResponse, ProxyNode } from './discovery-codec.js';
import { WireDecodeError } from './errors.js';
import { loadMeshProtos } from './load.js';

// Round trips go through real protobuf bytes (the method serializers grpc-js uses), so a field
// the codec writes under a wrong name would be dropped and the test would see it.
const stream = loadMeshProtos().discoveryServiceDefinition.Stream;
const reqWire = (r: DiscoveryRequest) =>
  stream.requestDeserialize(stream.requestSerialize(encodeDiscoveryRequest(r)));
const resWire = (r: DiscoveryResponse) =>
  stream.responseDeserialize(stream.responseSerialize(encodeDiscoveryResponse(r)));

const node: ProxyNode = {
  id: 'reviews-v1-7f9c.default',
  workloadName: 'reviews-v1',
  namespace: 'default',
  labels: { app: 'reviews', version: 'v1' },
  serviceAccount: 'bookinfo-reviews',
  addresses: ['10.0.0.7', 'fd00::7'],
  ports: [{ name: 'http', number: 9080, protocol: 'HTTP', targetPort: 9080, endpointPort: 15006 }],
  proxyVersion: '0.1.0',
  ready: true,
  locality: 'us-east1/us-east1-b/rack-7',
};

const response: DiscoveryResponse = {
  typeUrl: TYPE_URLS.routes,
  versionInfo: 'v3',
  nonce: 'n-1',
  resources: [
    makeResource('mesh', {
      hosts: ['reviews'],
      routes: [{ weight: 100, cluster: 'outbound|9080|v1|reviews' }],
    }),
    makeResource('80', { hosts: [] }),
  ],
  removedResources: ['old'],
  incremental: true,
};

function decodeError(fn: () => unknown): WireDecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireDecodeError) return err;
    throw err;
  }
  throw new Error('expected a WireDecodeError');
}

describe('discovery codec round trips', () => {
  it('keeps a subscription equal through the wire', () => {
    const req: DiscoveryRequest = {
      node,
      typeUrl: TYPE_URLS.clusters,
      versionInfo: '',
      responseNonce: '',
      resourceNames: [],
    };
    expect(decodeDiscoveryRequest(reqWire(req))).toEqual(req);
    expect(requestKind(req)).toBe('subscribe');
  });

  it("carries the node's locality, and reads a node without one as ''", () => {
    const req: DiscoveryRequest = {
      node,
      typeUrl: TYPE_URLS.endpoints,
      versionInfo: '',
      responseNonce: '',
      resourceNames: [],
    };
    const wire = reqWire(req);
    expect(wire.node?.locality).toBe('us-east1/us-east1-b/rack-7');
    expect(decodeDiscoveryRequest(wire).node.locality).toBe('us-east1/us-east1-b/rack-7');
    // An older proxy never writes field 10: proto3 reads the absent string as ''.
    const old = stream.requestSerialize({
      ...encodeDiscoveryRequest(req),
      node: { id: 'p', namespace: 'default' },
    });
    expect(decodeDiscoveryRequest(stream.requestDeserialize(old)).node.locality).toBe('');
  });

  it('keeps a response with JSON bodies equal through the wire', () => {
    expect(decodeDiscoveryResponse(resWire(response))).toEqual(response);
  });

  it('builds ACKs that echo version and nonce without error_detail', () => {
    const ack = decodeDiscoveryRequest(reqWire(ackFor(node, response)));
    expect(ack).toEqual({
      node,
      typeUrl: TYPE_URLS.routes,
      versionInfo: 'v3',
      responseNonce: 'n-1',
      resourceNames: [],
    });
    expect(ack.errorDetail).toBeUndefined();
    expect(requestKind(ack)).toBe('ack');
  });

  it('builds NACKs that echo the nonce, keep the last applied version and carry the error', () => {
    const nack = decodeDiscoveryRequest(
      reqWire(nackFor(node, response, 'v2', { code: 3, message: 'route mesh: unknown cluster' })),
    );
    expect(nack.versionInfo).toBe('v2');
    expect(nack.responseNonce).toBe('n-1');
    expect(nack.errorDetail).toEqual({ code: 3, message: 'route mesh: unknown cluster' });
    expect(requestKind(nack)).toBe('nack');
  });

  it('versions resources by content', () => {
    expect(resourceVersion({ a: 1 })).toBe(resourceVersion({ a: 1 }));
    expect(resourceVersion({ a: 1 })).not.toBe(resourceVersion({ a: 2 }));
    expect(resourceVersion({ a: 1 })).toMatch(/^[0-9a-f]{16}$/);
    expect(makeResource('x', { a: 'ü' }).version).toBe(resourceVersion({ a: 'ü' }));
  });
});

describe('discovery codec decode errors', () => {
  const good = () =>
    reqWire({
      node,
      typeUrl: TYPE_URLS.listeners,
      versionInfo: '',
      responseNonce: '',
      resourceNames: [],
    });

  it('rejects a request without a node', () => {
    const e = decodeError(() => decodeDiscoveryRequest({ ...good(), node: null }));
    expect([e.field, e.reason]).toEqual(['node', 'missing']);
  });

  it('rejects a node without an id, naming node.id', () => {
    const wire = good();
    const e = decodeError(() =>
      decodeDiscoveryRequest({ ...wire, node: { ...wire.node!, id: '' } }),
    );
    expect(e.field).toBe('node.id');
    expect(e.message).toBe('DiscoveryRequest.node.id: is required');
  });

  it('rejects a port out of range, naming its index', () => {
    const wire = good();
    const ports = [{ name: 'http', number: 70000, protocol: '', targetPort: 0, endpointPort: 0 }];
    const e = decodeError(() =>
      decodeDiscoveryRequest({ ...wire, node: { ...wire.node!, ports } }),
    );
    expect(e.field).toBe('node.ports[0].number');
  });

  it('rejects unknown and reserved type URLs', () => {
    const unknown = decodeError(() =>
      decodeDiscoveryRequest({
        ...good(),
        typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener',
      }),
    );
    expect([unknown.field, unknown.reason]).toEqual(['typeUrl', 'unknown-type-url']);
    const reserved = decodeError(() =>
      decodeDiscoveryRequest({ ...good(), typeUrl: RESERVED_TYPE_URLS.secrets }),
    );
    expect(reserved.message).toMatch(/reserved/);
  });

  it('rejects a NACK with code OK or without a nonce', () => {
    const withCode0 = decodeError(() =>
      decodeDiscoveryRequest({
        ...good(),
        responseNonce: 'n',
        errorDetail: { code: 0, message: 'x' },
      }),
    );
    expect(withCode0.field).toBe('errorDetail.code');
    const noNonce = decodeError(() =>
      decodeDiscoveryRequest({ ...good(), errorDetail: { code: 3, message: 'x' } }),
    );
    expect(noNonce.field).toBe('responseNonce');
  });

  it('rejects a body that is not JSON, naming the resource', () => {
    const wire = resWire(response);
    wire.resources[1]!.body = Buffer.from('{"hosts": [', 'utf8');
    const e = decodeError(() => decodeDiscoveryResponse(wire));
    expect([e.field, e.reason]).toEqual(['resources[1].body', 'bad-body']);
  });

  it('rejects other content types, missing names and duplicate names', () => {
    const ct = resWire(response);
    ct.resources[0]!.contentType = 'application/x-protobuf';
    expect(decodeError(() => decodeDiscoveryResponse(ct)).field).toBe('resources[0].contentType');
    const noName = resWire(response);
    noName.resources[0]!.name = '';
    expect(decodeError(() => decodeDiscoveryResponse(noName)).field).toBe('resources[0].name');
    const dup = resWire(response);
    dup.resources[1]!.name = 'mesh';
    expect(decodeError(() => decodeDiscoveryResponse(dup)).field).toBe('resources[1].name');
  });

  it('rejects a response without a nonce', () => {
    expect(
      decodeError(() => decodeDiscoveryResponse({ ...resWire(response), nonce: '' })).field,
    ).toBe('nonce');
  });

  it('rejects removals in a state-of-the-world response, which has no base to remove from', () => {
    expect(
      decodeError(() => decodeDiscoveryResponse({ ...resWire(response), incremental: false }))
        .field,
    ).toBe('removedResources');
  });

  it('refuses to encode a body with no JSON form', () => {
    expect(() =>
      encodeDiscoveryResponse({
        ...response,
        resources: [{ name: 'x', version: '1', body: undefined }],
      }),
    ).toThrow(/no JSON form/);
  });
});
