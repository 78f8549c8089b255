import { TYPE_URLS, type ProxyStatusRow, type SyncState, type TypeSyncStatus } from '@mesh/proto';
import { parse } from 'yaml';
import { renderProxyStatus, runProxyStatus, TYPE_COLUMNS } from './proxy-status.js';
import { GRPC_STATUS, RpcError } from './rpc.js';
import { fakeControlPlane } from './test-support/fake-control-plane.js';
import { memoryIo } from './test-support/memory-io.js';

const status = (typeUrl: string, state: SyncState, lastError = ''): TypeSyncStatus => ({
  typeUrl: typeUrl as TypeSyncStatus['typeUrl'],
  state,
  sentVersion: state === 'NOT_SENT' ? '' : 'v3',
  sentNonce: state === 'NOT_SENT' ? '' : 'n7',
  ackedVersion: state === 'SYNCED' ? 'v3' : 'v2',
  lastError,
});

const productpage: ProxyStatusRow = {
  proxyId: 'productpage-v1-1.bookinfo',
  workload: 'productpage-v1',
  namespace: 'bookinfo',
  controlPlane: 'control-plane-0',
  types: [
    status(TYPE_URLS.clusters, 'SYNCED'),
    status(TYPE_URLS.endpoints, 'STALE'),
    status(TYPE_URLS.listeners, 'SYNCED'),
    status(TYPE_URLS.routes, 'ERROR', 'route table reviews: unknown cluster'),
  ],
};
const ingress: ProxyStatusRow = {
  proxyId: 'ingress-1',
  workload: 'ingress',
  namespace: 'istio-system',
  controlPlane: 'control-plane-1',
  types: [status(TYPE_URLS.clusters, 'ERROR', ''), status(TYPE_URLS.listeners, 'NOT_SENT')],
};

describe('TYPE_COLUMNS', () => {
  it('covers every discovery type once', () => {
    expect(TYPE_COLUMNS.map((c) => c.typeUrl).sort()).toEqual(Object.values(TYPE_URLS).sort());
  });
});

describe('renderProxyStatus', () => {
  it('shows one state per type and, under the table, why each ERROR happened', () => {
    expect(renderProxyStatus([productpage, ingress])).toBe(
      'NAME                        NAMESPACE      CONTROL PLANE     CLUSTERS   ENDPOINTS   LISTENERS   ROUTES\n' +
        'productpage-v1-1.bookinfo   bookinfo       control-plane-0   SYNCED     STALE       SYNCED      ERROR\n' +
        'ingress-1                   istio-system   control-plane-1   ERROR      NOT SENT    NOT SENT    NOT SENT\n' +
        '\n' +
        'productpage-v1-1.bookinfo routes: route table reviews: unknown cluster\n' +
        'ingress-1 clusters: rejected (no error detail)\n',
    );
  });

  it('prints only the table when all is well', () => {
    const synced = {
      ...productpage,
      types: productpage.types.map((t) => ({ ...t, state: 'SYNCED' as const })),
    };
    expect(renderProxyStatus([synced]).split('\n')).toHaveLength(3);
  });
});

describe('runProxyStatus', () => {
  it('asks for every namespace by default and prints the table', async () => {
    const fake = fakeControlPlane({ proxyStatus: async () => ({ proxies: [productpage] }) });
    const io = memoryIo();
    expect(await runProxyStatus({}, io, fake.deps)).toBe(0);
    expect(fake.calls).toEqual([
      { method: 'proxyStatus', request: { namespace: '', proxyId: '' } },
    ]);
    expect(io.out()).toContain(
      'productpage-v1-1.bookinfo routes: route table reviews: unknown cluster\n',
    );
  });

  it('prints the rows in full with -o json and -o yaml', async () => {
    const fake = fakeControlPlane({ proxyStatus: async () => ({ proxies: [productpage] }) });
    const json = memoryIo();
    expect(await runProxyStatus({ namespace: 'bookinfo', output: 'json' }, json, fake.deps)).toBe(
      0,
    );
    expect(JSON.parse(json.out())).toEqual({ proxies: [productpage] });
    const yaml = memoryIo();
    expect(await runProxyStatus({ output: 'yaml' }, yaml, fake.deps)).toBe(0);
    expect(parse(yaml.out())).toEqual({ proxies: [productpage] });
    expect(fake.calls[0]!.request).toEqual({ namespace: 'bookinfo', proxyId: '' });
  });

  it('says when no proxy is connected, exit 0', async () => {
    const fake = fakeControlPlane({ proxyStatus: async () => ({ proxies: [] }) });
    const io = memoryIo();
    expect(await runProxyStatus({ namespace: 'shop' }, io, fake.deps)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('No proxies are connected in namespace shop.\n');
  });

  it('fails for one proxy that is not connected, whether the server says NOT_FOUND or nothing', async () => {
    for (const answer of [
      async () => ({ proxies: [] }),
      async () => {
        throw new RpcError(GRPC_STATUS.NOT_FOUND, 'no such proxy');
      },
    ]) {
      const fake = fakeControlPlane({ proxyStatus: answer });
      const io = memoryIo();
      expect(await runProxyStatus({ proxyId: 'ghost-1' }, io, fake.deps)).toBe(1);
      expect(io.err()).toBe('Error: no proxy "ghost-1" is connected\n');
      expect(fake.calls[0]!.request).toEqual({ namespace: '', proxyId: 'ghost-1' });
    }
  });

  it('exits 2 for an unknown output format', async () => {
    const fake = fakeControlPlane({});
    const io = memoryIo();
    expect(await runProxyStatus({ output: 'xml' as 'json' }, io, fake.deps)).toBe(2);
    expect(io.err()).toBe('meshctl: error: -o: "xml" is not one of table, json, yaml\n');
  });
});
