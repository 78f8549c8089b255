// The control-plane commands as the command line reaches them: flags to options, usage errors.
import type { ApplyRequest, ListRequest } from '@mesh/proto';
import { runMeshctl } from './program.js';
import { fakeControlPlane } from './test-support/fake-control-plane.js';
import { vs } from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';

const files = { 'vs.yaml': vs('reviews', '  hosts: [reviews]\n') };

describe('meshctl control-plane commands', () => {
  it('lists them in the help, with their exit codes and examples', async () => {
    const io = memoryIo();
    expect(await runMeshctl(['--help'], io)).toBe(0);
    for (const command of ['apply', 'get', 'delete', 'proxy-status|ps'])
      expect(io.out()).toMatch(new RegExp(`\\n  ${command.replace('|', '\\|')} `));
    const apply = memoryIo();
    expect(await runMeshctl(['apply', '--help'], apply)).toBe(0);
    for (const text of [
      '--dry-run',
      '--control-plane <address>',
      '--token <token>',
      '--timeout <duration>',
      'MESH_CONTROL_PLANE',
      'MESH_TOKEN',
      '3 control plane unreachable',
    ])
      expect(apply.out()).toContain(text);
  });

  it('passes apply flags through, with the connection from flags and environment', async () => {
    const fake = fakeControlPlane(
      {
        apply: async (req) => ({
          results: req.documents.map((d) => ({ ...d, outcome: 'unchanged' as const })),
          diagnostics: [],
          revision: '1',
        }),
      },
      { MESH_CONTROL_PLANE: 'cp.example:15010', MESH_TOKEN: 'env-token' },
    );
    const io = memoryIo(files);
    expect(
      await runMeshctl(
        [
          'apply',
          '-f',
          'vs.yaml',
          '-n',
          'shop',
          '--dry-run',
          '--timeout',
          '3s',
          '--token',
          'flag-token',
        ],
        io,
        fake.deps,
      ),
    ).toBe(0);
    expect(fake.connects).toEqual([
      { address: 'cp.example:15010', token: 'flag-token', timeoutMs: 3000 },
    ]);
    const req = fake.calls[0]!.request as ApplyRequest;
    expect([req.dryRun, req.documents[0]!.namespace]).toEqual([true, 'shop']);
    expect(io.out()).toBe('virtualservice.networking.istio.io/reviews unchanged (dry run)\n');
  });

  it('passes get flags through', async () => {
    const fake = fakeControlPlane({ list: async () => ({ documents: [], revision: '1' }) });
    const io = memoryIo();
    expect(
      await runMeshctl(
        ['get', 'DR', '-A', '-o', 'json', '--control-plane', 'other:1'],
        io,
        fake.deps,
      ),
    ).toBe(0);
    expect(fake.calls[0]!.request as ListRequest).toEqual({
      kind: 'DestinationRule',
      namespace: 'default',
      allNamespaces: true,
    });
    expect(fake.connects[0]!.address).toBe('other:1');
  });

  it('runs proxy-status as ps too', async () => {
    const fake = fakeControlPlane({ proxyStatus: async () => ({ proxies: [] }) });
    const io = memoryIo();
    expect(await runMeshctl(['ps', 'p-1', '-n', 'shop', '-o', 'yaml'], io, fake.deps)).toBe(1);
    expect(fake.calls[0]!.request).toEqual({ namespace: 'shop', proxyId: 'p-1' });
    expect(io.err()).toBe('Error: no proxy "p-1" is connected in namespace shop\n');
  });

  it('passes delete flags through', async () => {
    const fake = fakeControlPlane({
      delete: async () => {
        const { RpcError, GRPC_STATUS } = await import('./rpc.js');
        throw new RpcError(GRPC_STATUS.NOT_FOUND, 'gone');
      },
    });
    const io = memoryIo(files);
    expect(
      await runMeshctl(['delete', '-f', 'vs.yaml', '--ignore-not-found', '-n', 'x'], io, fake.deps),
    ).toBe(0);
    expect(fake.calls[0]!.request).toEqual({
      kind: 'VirtualService',
      namespace: 'x',
      name: 'reviews',
      resourceVersion: '',
    });
  });

  it.each([
    [['get']],
    [['get', 'vs', '-o', 'xml']],
    [['get', 'pods']],
    [['get', 'vs', 'reviews', '-A']],
    [['apply']],
    [['apply', '-f', 'vs.yaml', '--timeout', 'later']],
    [['delete']],
    [['delete', 'vs']],
    [['delete', 'vs', 'reviews', '-f', 'vs.yaml']],
    [['proxy-status', '-o', 'name']],
    [['proxy-status', 'a', 'b']],
  ])('exits 2 on the usage error %j without connecting', async (args) => {
    const fake = fakeControlPlane({});
    const io = memoryIo(files);
    expect(await runMeshctl(args, io, fake.deps)).toBe(2);
    expect(io.err()).toMatch(/^meshctl: error: /);
    expect(io.out()).toBe('');
    expect(fake.connects).toEqual([]);
  });
});
