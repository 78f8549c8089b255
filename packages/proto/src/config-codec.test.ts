import type { Diagnostic } from '@mesh/rules';
import * as c from './config-codec.js';
import type { ConfigDocument } from './config-codec.js';
import { TYPE_URLS } from './discovery-codec.js';
import { WireDecodeError } from './errors.js';
import { loadMeshProtos } from './load.js';

// Each round trip goes domain -> wire -> protobuf bytes -> wire -> domain through the method
// serializers grpc-js uses, so a misnamed field would be lost and the test would see it.
const svc = loadMeshProtos().configServiceDefinition;
type Method = (typeof svc)[keyof typeof svc];
const viaReq = (m: Method, wire: object) => m.requestDeserialize(m.requestSerialize(wire as never));
const viaRes = (m: Method, wire: object) =>
  m.responseDeserialize(m.responseSerialize(wire as never));

const doc: ConfigDocument = {
  kind: 'VirtualService',
  namespace: 'default',
  name: 'reviews',
  resourceVersion: '42',
  text: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\n',
  source: { file: 'samples/bookinfo/vs.yaml', document: 0 },
};
const bare: ConfigDocument = {
  kind: 'DestinationRule',
  namespace: '',
  name: 'r',
  resourceVersion: '',
  text: '{}',
};
const diag: Diagnostic = {
  severity: 'error',
  code: 'MESH-V0003',
  kind: 'VirtualService',
  namespace: 'default',
  name: 'reviews',
  path: 'spec.http[0].route[0].weight',
  message: 'weight -1 is negative',
  hint: 'use 0-100',
  source: { file: 'vs.yaml', document: 2 },
};
const info: Diagnostic = {
  severity: 'info',
  code: 'MESH-I0001',
  kind: 'Service',
  namespace: '',
  name: 'x',
  path: '',
  message: 'skipped',
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

describe('config codec round trips', () => {
  it('Validate', () => {
    const req = { documents: [doc, bare], knownHosts: ['productpage.default.svc.cluster.local'] };
    expect(c.decodeValidateRequest(viaReq(svc.Validate, c.encodeValidateRequest(req)))).toEqual(
      req,
    );
    const res = { valid: false, diagnostics: [diag, info] };
    expect(c.decodeValidateResponse(viaRes(svc.Validate, c.encodeValidateResponse(res)))).toEqual(
      res,
    );
  });

  it('keeps source.document 0 apart from absent', () => {
    const [zero, none] = c.decodeValidateRequest(
      viaReq(svc.Validate, c.encodeValidateRequest({ documents: [doc, bare] })),
    ).documents;
    expect(zero?.source?.document).toBe(0);
    expect(none?.source).toBeUndefined();
  });

  it('Apply, with int64 revisions past 2^53 kept exact', () => {
    const req = { documents: [doc], dryRun: true, knownHosts: [] };
    expect(c.decodeApplyRequest(viaReq(svc.Apply, c.encodeApplyRequest(req)))).toEqual(req);
    const res = {
      results: [
        {
          kind: 'VirtualService',
          namespace: 'default',
          name: 'reviews',
          outcome: 'configured' as const,
          resourceVersion: '43',
        },
      ],
      diagnostics: [{ ...diag, severity: 'warning' as const }],
      revision: '9007199254740993',
    };
    expect(c.decodeApplyResponse(viaRes(svc.Apply, c.encodeApplyResponse(res)))).toEqual(res);
  });

  it('Get, List, Delete', () => {
    const key = { kind: 'Gateway', namespace: 'istio-system', name: 'gw' };
    expect(c.decodeGetRequest(viaReq(svc.Get, c.encodeGetRequest(key)))).toEqual(key);
    const got = { document: doc, revision: '7' };
    expect(c.decodeGetResponse(viaRes(svc.Get, c.encodeGetResponse(got)))).toEqual(got);
    const list = { kind: '', namespace: '', allNamespaces: true };
    expect(c.decodeListRequest(viaReq(svc.List, c.encodeListRequest(list)))).toEqual(list);
    const listed = { documents: [doc, bare], revision: '8' };
    expect(c.decodeListResponse(viaRes(svc.List, c.encodeListResponse(listed)))).toEqual(listed);
    const del = { ...key, resourceVersion: '5' };
    expect(c.decodeDeleteRequest(viaReq(svc.Delete, c.encodeDeleteRequest(del)))).toEqual(del);
    const deleted = {
      result: { ...key, outcome: 'deleted' as const, resourceVersion: '5' },
      revision: '9',
    };
    expect(c.decodeDeleteResponse(viaRes(svc.Delete, c.encodeDeleteResponse(deleted)))).toEqual(
      deleted,
    );
  });

  it('Watch', () => {
    const req = { fromRevision: '100', kind: 'VirtualService', namespace: '' };
    expect(c.decodeWatchRequest(viaReq(svc.Watch, c.encodeWatchRequest(req)))).toEqual(req);
    for (const type of ['put', 'delete'] as const) {
      const ev = { type, document: doc, revision: '101' };
      expect(c.decodeConfigEvent(viaRes(svc.Watch, c.encodeConfigEvent(ev)))).toEqual(ev);
    }
  });

  it('ProxyStatus', () => {
    const req = { namespace: 'default', proxyId: '' };
    expect(
      c.decodeProxyStatusRequest(viaReq(svc.ProxyStatus, c.encodeProxyStatusRequest(req))),
    ).toEqual(req);
    const res = {
      proxies: [
        {
          proxyId: 'reviews-v1-7f9c.default',
          workload: 'reviews-v1',
          namespace: 'default',
          controlPlane: 'control-plane-0',
          types: [
            {
              typeUrl: TYPE_URLS.clusters,
              state: 'SYNCED' as const,
              sentVersion: 'v3',
              sentNonce: 'n3',
              ackedVersion: 'v3',
              lastError: '',
            },
            {
              typeUrl: TYPE_URLS.routes,
              state: 'ERROR' as const,
              sentVersion: 'v4',
              sentNonce: 'n4',
              ackedVersion: 'v3',
              lastError: 'bad',
            },
            {
              typeUrl: TYPE_URLS.listeners,
              state: 'STALE' as const,
              sentVersion: 'v2',
              sentNonce: 'n2',
              ackedVersion: '',
              lastError: '',
            },
            {
              typeUrl: TYPE_URLS.endpoints,
              state: 'NOT_SENT' as const,
              sentVersion: '',
              sentNonce: '',
              ackedVersion: '',
              lastError: '',
            },
          ],
        },
      ],
    };
    expect(
      c.decodeProxyStatusResponse(viaRes(svc.ProxyStatus, c.encodeProxyStatusResponse(res))),
    ).toEqual(res);
  });
});

describe('config codec decode errors', () => {
  const wireDoc = () =>
    viaReq(svc.Apply, c.encodeApplyRequest({ documents: [doc, bare], dryRun: false }));

  it('names the document and field that is missing', () => {
    const wire = wireDoc();
    wire.documents[1]!.name = '';
    const e = decodeError(() => c.decodeApplyRequest(wire));
    expect([e.messageType, e.field, e.reason]).toEqual([
      'ApplyRequest',
      'documents[1].name',
      'missing',
    ]);
  });

  it('rejects the same resource twice in one Apply', () => {
    const wire = viaReq(svc.Apply, c.encodeApplyRequest({ documents: [doc, doc], dryRun: false }));
    expect(decodeError(() => c.decodeApplyRequest(wire)).field).toBe('documents[1]');
  });

  it('rejects UNSPECIFIED enums, naming the field', () => {
    const wire = viaRes(
      svc.Validate,
      c.encodeValidateResponse({ valid: false, diagnostics: [diag] }),
    );
    wire.diagnostics[0]!.severity = 'SEVERITY_UNSPECIFIED';
    expect(decodeError(() => c.decodeValidateResponse(wire)).field).toBe('diagnostics[0].severity');
    const ev = viaRes(
      svc.Watch,
      c.encodeConfigEvent({ type: 'put', document: doc, revision: '1' }),
    );
    ev.type = 'EVENT_TYPE_UNSPECIFIED';
    expect(decodeError(() => c.decodeConfigEvent(ev)).field).toBe('type');
  });

  it('rejects missing Get keys, missing documents and negative revisions', () => {
    expect(
      decodeError(() => c.decodeGetRequest({ kind: 'Gateway', namespace: '', name: '' })).field,
    ).toBe('name');
    expect(decodeError(() => c.decodeGetResponse({ document: null, revision: '1' })).field).toBe(
      'document',
    );
    expect(
      decodeError(() => c.decodeWatchRequest({ fromRevision: '-1', kind: '', namespace: '' }))
        .field,
    ).toBe('fromRevision');
  });

  it('rejects an unknown type URL in proxy status', () => {
    const wire = viaRes(
      svc.ProxyStatus,
      c.encodeProxyStatusResponse({
        proxies: [
          {
            proxyId: 'p',
            workload: '',
            namespace: '',
            controlPlane: '',
            types: [
              {
                typeUrl: TYPE_URLS.routes,
                state: 'SYNCED',
                sentVersion: '',
                sentNonce: '',
                ackedVersion: '',
                lastError: '',
              },
            ],
          },
        ],
      }),
    );
    wire.proxies[0]!.types[0]!.typeUrl = 'type.mesh.dev/mesh.v1.Nope';
    expect(decodeError(() => c.decodeProxyStatusResponse(wire)).field).toBe(
      'proxies[0].types[0].typeUrl',
    );
  });

  it('refuses to encode a revision that is not a number', () => {
    expect(() => c.encodeListResponse({ documents: [], revision: 'abc' })).toThrow(
      /ListResponse.revision/,
    );
  });
});
