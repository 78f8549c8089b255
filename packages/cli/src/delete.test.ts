import { parse as parseYaml } from 'yaml';
import type { DeleteRequest } from '@mesh/proto';
import { runDelete, targetsFromArgs } from './delete.js';
import { GRPC_STATUS, RpcError } from './rpc.js';
import { fakeControlPlane } from './test-support/fake-control-plane.js';
import { dr, service, vs } from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';

const REVIEWS = vs('reviews', '  hosts: [reviews]\n');

/** Deletes what exists in `existing` (kind/ns/name keys), NOT_FOUND for the rest. */
function store(...existing: string[]) {
  return async (req: DeleteRequest) => {
    if (!existing.includes(`${req.kind}/${req.namespace}/${req.name}`))
      throw new RpcError(
        GRPC_STATUS.NOT_FOUND,
        `${req.kind} ${req.namespace}/${req.name} not found`,
      );
    return {
      result: {
        kind: req.kind,
        namespace: req.namespace,
        name: req.name,
        outcome: 'deleted' as const,
        resourceVersion: '4',
      },
      revision: '10',
    };
  };
}

describe('targetsFromArgs', () => {
  it('takes a type and names, or type/name pairs', () => {
    expect(targetsFromArgs(['vs', 'a', 'b'], 'shop')).toEqual([
      { kind: 'VirtualService', namespace: 'shop', name: 'a' },
      { kind: 'VirtualService', namespace: 'shop', name: 'b' },
    ]);
    expect(targetsFromArgs(['vs/a', 'DestinationRule/b'], 'default')).toEqual([
      { kind: 'VirtualService', namespace: 'default', name: 'a' },
      { kind: 'DestinationRule', namespace: 'default', name: 'b' },
    ]);
  });

  it.each([
    [['vs'], 'no name given: meshctl delete vs <name> [<name>...]'],
    [['vs/a', 'b'], '"b": write every resource as <type>/<name>'],
    [['vs', 'dr/b'], '"dr/b" is not a name'],
    [['all', 'x'], '"all" is not one type'],
    [['pods', 'x'], 'unknown resource type "pods"'],
  ])('rejects %j', (args, message) => {
    expect(() => targetsFromArgs(args, 'default')).toThrow(message);
  });
});

describe('runDelete', () => {
  it('deletes a named resource and prints it as kubectl does', async () => {
    const fake = fakeControlPlane({ delete: store('VirtualService/default/reviews') });
    const io = memoryIo();
    expect(await runDelete({ resources: ['vs', 'reviews'] }, io, fake.deps)).toBe(0);
    expect(fake.calls).toEqual([
      {
        method: 'delete',
        request: {
          kind: 'VirtualService',
          namespace: 'default',
          name: 'reviews',
          resourceVersion: '',
        },
      },
    ]);
    expect(io.out()).toBe('virtualservice.networking.istio.io "reviews" deleted\n');
  });

  it('deletes what -f files define, skipping Kubernetes objects and repeats', async () => {
    const fake = fakeControlPlane({
      delete: store('DestinationRule/shop/reviews', 'VirtualService/shop/reviews'),
    });
    const io = memoryIo({
      'a.yaml': `${service('reviews')}---\n${dr('reviews', 'reviews', ['v1'])}---\n${REVIEWS}`,
      'b.yaml': REVIEWS,
    });
    expect(
      await runDelete({ filenames: ['a.yaml', 'b.yaml'], namespace: 'shop' }, io, fake.deps),
    ).toBe(0);
    expect(fake.calls.map((c) => (c.request as DeleteRequest).kind)).toEqual([
      'DestinationRule',
      'VirtualService',
    ]);
    expect(io.out()).toBe(
      'destinationrule.networking.istio.io "reviews" deleted\nvirtualservice.networking.istio.io "reviews" deleted\n',
    );
    expect(io.err()).toBe(
      'skipped Service shop/reviews: not a mesh resource (meshctl stores networking.istio.io kinds)\n',
    );
  });

  it('reports each missing resource, goes on with the rest, and exits 1', async () => {
    const fake = fakeControlPlane({ delete: store('VirtualService/default/b') });
    const io = memoryIo();
    expect(await runDelete({ resources: ['vs', 'a', 'b'] }, io, fake.deps)).toBe(1);
    expect(io.out()).toBe('virtualservice.networking.istio.io "b" deleted\n');
    expect(io.err()).toBe('Error: VirtualService default/a not found\n');
  });

  it('prints what it deleted as one YAML document with -o yaml, errors still on stderr', async () => {
    const fake = fakeControlPlane({ delete: store('VirtualService/default/b') });
    const io = memoryIo();
    expect(await runDelete({ resources: ['vs', 'a', 'b'], output: 'yaml' }, io, fake.deps)).toBe(1);
    expect(parseYaml(io.out())).toEqual({
      results: [
        expect.objectContaining({ kind: 'VirtualService', namespace: 'default', name: 'b' }),
      ],
    });
    expect(io.err()).toBe('Error: VirtualService default/a not found\n');
  });

  it('exits 0 for missing resources with --ignore-not-found', async () => {
    const fake = fakeControlPlane({ delete: store() });
    const io = memoryIo();
    expect(await runDelete({ resources: ['vs/a'], ignoreNotFound: true }, io, fake.deps)).toBe(0);
    expect(io.out() + io.err()).toBe('');
  });

  it('stops at the first call that cannot reach the control plane', async () => {
    const fake = fakeControlPlane({
      delete: async () => {
        throw new RpcError(
          GRPC_STATUS.UNAVAILABLE,
          'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:15010. Resolution note: ',
        );
      },
    });
    const io = memoryIo();
    expect(await runDelete({ resources: ['vs', 'a', 'b'] }, io, fake.deps)).toBe(3);
    expect(fake.calls).toHaveLength(1);
    expect(io.err()).toMatch(
      /^Error: cannot reach the control plane at localhost:15010: connect ECONNREFUSED/,
    );
  });

  it('reports documents it cannot name and deletes nothing', async () => {
    const fake = fakeControlPlane({});
    const io = memoryIo({ 'x.yaml': 'kind: VirtualService\nspec: {}\n' });
    expect(await runDelete({ filenames: ['x.yaml'] }, io, fake.deps)).toBe(1);
    expect(io.err()).toBe(
      'x.yaml:1: VirtualService default/<unnamed>: metadata: required field is missing\nerror: nothing was deleted (1 error)\n',
    );
    expect(fake.connects).toEqual([]);
  });

  it.each([
    [{}, 'nothing to delete'],
    [
      { filenames: ['a.yaml'], resources: ['vs', 'a'] },
      'give either -f or a type and names, not both',
    ],
    [{ resources: ['vs'] }, 'no name given'],
  ])('exits 2 for %j', async (options, message) => {
    const fake = fakeControlPlane({});
    const io = memoryIo({ 'a.yaml': REVIEWS });
    expect(await runDelete(options, io, fake.deps)).toBe(2);
    expect(io.err()).toContain(`meshctl: error: ${message}`);
    expect(fake.connects).toEqual([]);
  });
});
