import { parse as parseYaml } from 'yaml';
import type { ApplyRequest, ApplyResponse } from '@mesh/proto';
import type { Diagnostic } from '@mesh/rules';
import { runApply } from './apply.js';
import { GRPC_STATUS, RpcError } from './rpc.js';
import { fakeControlPlane } from './test-support/fake-control-plane.js';
import { dr, service, vs } from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';

const REVIEWS = vs(
  'reviews',
  '  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v9}\n',
);
const files = {
  'bookinfo/platform.yaml': `${service('productpage')}---\n${service('reviews')}`,
  'bookinfo/reviews.yaml': `${dr('reviews', 'reviews', ['v1'])}---\n${REVIEWS}`,
};

/** Answers every document with `outcome`, as the control plane would. */
function answering(
  outcome: 'created' | 'configured' | 'unchanged',
  diagnostics: Diagnostic[] = [],
) {
  return async (req: ApplyRequest): Promise<ApplyResponse> => ({
    results: req.documents.map((d, i) => ({
      kind: d.kind,
      namespace: d.namespace,
      name: d.name,
      outcome,
      resourceVersion: String(i + 1),
    })),
    diagnostics,
    revision: '7',
  });
}

describe('runApply', () => {
  it('sends every mesh resource in one call and prints one line per result', async () => {
    const fake = fakeControlPlane({ apply: answering('created') });
    const io = memoryIo(files);
    expect(await runApply({ filenames: ['bookinfo'] }, io, fake.deps)).toBe(0);
    expect(fake.calls).toHaveLength(1);
    const request = fake.calls[0]!.request as ApplyRequest;
    expect(request.dryRun).toBe(false);
    expect(
      request.documents.map((d) => [d.kind, d.namespace, d.name, d.resourceVersion, d.source]),
    ).toEqual([
      ['DestinationRule', 'default', 'reviews', '', { file: 'bookinfo/reviews.yaml', document: 0 }],
      ['VirtualService', 'default', 'reviews', '', { file: 'bookinfo/reviews.yaml', document: 1 }],
    ]);
    expect(request.documents[1]!.text).toBe(REVIEWS);
    // The skipped Services are hosts the server's analysis must know about.
    expect(request.knownHosts).toEqual([
      'productpage.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
    ]);
    expect(io.out()).toBe(
      'destinationrule.networking.istio.io/reviews created\nvirtualservice.networking.istio.io/reviews created\n',
    );
    expect(io.err()).toBe(
      'skipped Service default/productpage: not a mesh resource (meshctl stores networking.istio.io kinds)\n' +
        'skipped Service default/reviews: not a mesh resource (meshctl stores networking.istio.io kinds)\n',
    );
    expect(fake.closed()).toBe(1);
  });

  it('marks a dry run and applies -n to resources without a namespace', async () => {
    const fake = fakeControlPlane({ apply: answering('configured') });
    const io = memoryIo(files);
    expect(
      await runApply(
        { filenames: ['bookinfo/reviews.yaml'], namespace: 'shop', dryRun: true },
        io,
        fake.deps,
      ),
    ).toBe(0);
    const request = fake.calls[0]!.request as ApplyRequest;
    expect(request.dryRun).toBe(true);
    expect(request.documents.map((d) => d.namespace)).toEqual(['shop', 'shop']);
    expect(io.out()).toBe(
      'destinationrule.networking.istio.io/reviews configured (dry run)\nvirtualservice.networking.istio.io/reviews configured (dry run)\n',
    );
  });

  it.each(['json', 'yaml'] as const)(
    'prints the results as one %s document with -o',
    async (output) => {
      const fake = fakeControlPlane({ apply: answering('created') });
      const io = memoryIo(files);
      expect(await runApply({ filenames: ['bookinfo/reviews.yaml'], output }, io, fake.deps)).toBe(
        0,
      );
      const doc: unknown = output === 'json' ? JSON.parse(io.out()) : parseYaml(io.out());
      expect(doc).toEqual({
        dryRun: false,
        results: [
          {
            kind: 'DestinationRule',
            namespace: 'default',
            name: 'reviews',
            outcome: 'created',
            resourceVersion: '1',
          },
          {
            kind: 'VirtualService',
            namespace: 'default',
            name: 'reviews',
            outcome: 'created',
            resourceVersion: '2',
          },
        ],
      });
    },
  );

  it('prints the warnings the control plane returns after the results, with file and line', async () => {
    const warning: Diagnostic = {
      severity: 'warning',
      code: 'MESH-A0007',
      kind: 'VirtualService',
      namespace: 'default',
      name: 'reviews',
      path: 'spec.http[0].route[0].destination.subset',
      message: 'looks odd',
      source: { file: 'bookinfo/reviews.yaml', document: 1 },
    };
    const fake = fakeControlPlane({ apply: answering('unchanged', [warning]) });
    const io = memoryIo(files);
    expect(await runApply({ filenames: ['bookinfo/reviews.yaml'] }, io, fake.deps)).toBe(0);
    expect(io.out()).toContain('virtualservice.networking.istio.io/reviews unchanged\n');
    expect(io.err()).toBe(
      'bookinfo/reviews.yaml:20: warning: VirtualService default/reviews: spec.http[0].route[0].destination.subset: looks odd\n',
    );
  });

  it('prints every diagnostic of an INVALID_ARGUMENT like validate, and applies nothing', async () => {
    const diagnostics: Diagnostic[] = [
      {
        severity: 'error',
        code: 'MESH-A0001',
        kind: 'VirtualService',
        namespace: 'default',
        name: 'reviews',
        path: 'spec.http[0].route[0].destination.subset',
        message: 'subset "v9" is not defined',
        hint: 'add it',
        source: { file: 'bookinfo/reviews.yaml', document: 1 },
      },
      {
        severity: 'error',
        code: 'MESH-V0001',
        kind: 'DestinationRule',
        namespace: 'default',
        name: 'reviews',
        path: 'spec.trafficPolicy',
        message: 'something missing',
        source: { file: 'bookinfo/reviews.yaml', document: 0 },
      },
    ];
    const fake = fakeControlPlane({
      apply: async () => {
        throw new RpcError(GRPC_STATUS.INVALID_ARGUMENT, 'first error', diagnostics);
      },
    });
    const io = memoryIo(files);
    expect(await runApply({ filenames: ['bookinfo/reviews.yaml'] }, io, fake.deps)).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      // The DestinationRule has no trafficPolicy: its line is where the spec starts.
      'bookinfo/reviews.yaml:5: DestinationRule default/reviews: spec.trafficPolicy: something missing\n' +
        'bookinfo/reviews.yaml:20: VirtualService default/reviews: spec.http[0].route[0].destination.subset: subset "v9" is not defined\n' +
        'error: nothing was applied (2 errors)\n',
    );
  });

  it('prints the conflict and a hint to re-read on ABORTED', async () => {
    const fake = fakeControlPlane({
      apply: async () => {
        throw new RpcError(
          GRPC_STATUS.ABORTED,
          'VirtualService default/reviews: resourceVersion 3 is stale (now 5); read it again and retry',
        );
      },
    });
    const io = memoryIo(files);
    expect(await runApply({ filenames: ['bookinfo/reviews.yaml'] }, io, fake.deps)).toBe(1);
    expect(io.err()).toMatch(
      /^Error: VirtualService default\/reviews: resourceVersion 3 is stale \(now 5\); read it again and retry\nhint: .*\(meshctl get <kind> <name> -o yaml\)/,
    );
    const versioned = memoryIo({
      'vs.yaml': REVIEWS.replace(
        '  name: reviews\n',
        '  name: reviews\n  namespace: shop\n  resourceVersion: "3"\n',
      ),
    });
    expect(await runApply({ filenames: ['vs.yaml'] }, versioned, fake.deps)).toBe(1);
    expect(versioned.err()).toContain('(meshctl get virtualservice reviews -n shop -o yaml)');
  });

  it('stops before calling when a document cannot be sent', async () => {
    const fake = fakeControlPlane({});
    const io = memoryIo({
      'a.yaml': `${REVIEWS}---\nhosts: [\n`,
      'b.yaml': REVIEWS,
    });
    expect(await runApply({ filenames: ['a.yaml', 'b.yaml'] }, io, fake.deps)).toBe(1);
    expect(fake.connects).toEqual([]);
    expect(io.err().split('\n')).toEqual([
      expect.stringMatching(/^Document a\.yaml#2: yaml: /),
      'b.yaml:4: VirtualService default/reviews: metadata.name: also defined at a.yaml:1; one apply writes each resource once, so keep one of them',
      'error: nothing was applied (2 errors)',
      '',
    ]);
  });

  it('fails when there is nothing to apply, like kubectl', async () => {
    const fake = fakeControlPlane({});
    const io = memoryIo(files);
    expect(await runApply({ filenames: ['bookinfo/platform.yaml'] }, io, fake.deps)).toBe(1);
    expect(io.err()).toMatch(
      /error: no networking.istio.io resources in the input; nothing was applied\n$/,
    );
    expect(fake.connects).toEqual([]);
  });

  it('exits 2 for a missing file or a bad --timeout, before connecting', async () => {
    const fake = fakeControlPlane({});
    const io = memoryIo(files);
    expect(await runApply({ filenames: ['nope.yaml'] }, io, fake.deps)).toBe(2);
    expect(io.err()).toBe('meshctl: error: nope.yaml: no such file or directory\n');
    const io2 = memoryIo(files);
    expect(await runApply({ filenames: ['bookinfo'], timeout: 'soon' }, io2, fake.deps)).toBe(2);
    expect(io2.err()).toMatch(/^meshctl: error: --timeout: "soon" is not a duration/);
    expect(fake.connects).toEqual([]);
  });

  it('reads stdin', async () => {
    const fake = fakeControlPlane({ apply: answering('created') });
    const io = memoryIo({}, REVIEWS);
    expect(await runApply({ filenames: ['-'] }, io, fake.deps)).toBe(0);
    expect((fake.calls[0]!.request as ApplyRequest).documents[0]!.source).toEqual({
      file: '<stdin>',
      document: 0,
    });
  });
});
