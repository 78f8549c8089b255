import { runAnalyze } from './analyze.js';
import {
  dr,
  lines,
  removeTempTrees,
  routeToSubset,
  service,
  tempTree,
  capturingNodeIo,
  vs,
} from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';

afterAll(removeTempTrees);

const FINDING = /^(\S+: )?(Error|Warning|Info) \[[A-Z0-9-]+\] /;

describe('runAnalyze', () => {
  it('uses Services in the input as known hosts and hides their "skipped" warning', async () => {
    const root = tempTree({
      'platform.yaml': service('reviews'),
      'dr.yaml': dr('reviews', 'reviews', ['v1']),
      'vs.yaml': routeToSubset('reviews', 'reviews', 'v1'),
    });
    const io = capturingNodeIo();
    expect(await runAnalyze({ filenames: [root] }, io)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('analyzed 2 resources in 3 files: 0 errors, 0 warnings\n');
  });

  it('still reports objects it skipped and did not use', async () => {
    const io = memoryIo({
      'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: reviews-v1\n',
    });
    expect(await runAnalyze({ filenames: ['deploy.yaml'] }, io)).toBe(0);
    expect(io.out()).toBe(
      'deploy.yaml: Info [MESH-V0002] Deployment default/reviews-v1: not an Istio networking resource (apps/v1); skipped\n',
    );
    expect(io.err()).toBe('analyzed 0 resources in 1 file: 0 errors, 0 warnings\n');
  });

  it('reports validation errors as findings with their code', async () => {
    const io = memoryIo({ 'bad.yaml': vs('r', '  hosts: [reviews]\n  bogus: 1\n') });
    expect(await runAnalyze({ filenames: ['bad.yaml'] }, io)).toBe(1);
    expect(io.out()).toBe(
      'bad.yaml:7: Error [MESH-V0001] VirtualService default/r: spec.bogus: unknown field "bogus"\n',
    );
  });

  it('finds a route to a subset no DestinationRule defines', async () => {
    // Istio's analyzer: IST0101 ReferencedResourceNotFound for the undefined subset.
    const io = memoryIo({
      'svc.yaml': service('reviews'),
      'dr.yaml': dr('reviews', 'reviews', ['v1']),
      'vs.yaml': routeToSubset('reviews', 'reviews', 'v9'),
    });
    expect(await runAnalyze({ filenames: ['svc.yaml', 'dr.yaml', 'vs.yaml'] }, io)).toBe(1);
    const out = lines(io.out());
    const subsetLine = out.findIndex((l) =>
      /^vs\.yaml:\d+: Error \[[A-Z0-9-]+\] VirtualService default\/reviews: spec\.http\[0\]\.route\[0\]\.destination\.subset: .*v9/.test(
        l,
      ),
    );
    expect(subsetLine).toBeGreaterThanOrEqual(0);
    expect(out[subsetLine + 1]).toMatch(/^ {2}hint: \S/);
  });

  it('prints JSON with the findings', async () => {
    const io = memoryIo({
      'dr.yaml': dr('reviews', 'reviews', ['v1']),
      'vs.yaml': routeToSubset('reviews', 'reviews', 'v9'),
    });
    const code = await runAnalyze(
      { filenames: ['dr.yaml', 'vs.yaml'], output: 'json', knownHosts: ['reviews'] },
      io,
    );
    const doc = JSON.parse(io.out()) as {
      resources: number;
      files: number;
      errors: { code: string; hint?: string }[];
    };
    expect(doc.resources).toBe(2);
    expect(doc.files).toBe(2);
    expect(code).toBe(doc.errors.length > 0 ? 1 : 0);
    expect(doc.errors.length).toBeGreaterThan(0);
    expect(doc.errors.every((e) => typeof e.hint === 'string')).toBe(true);
  });

  it('resolves --known-host short names in --namespace before analysis', async () => {
    const io = memoryIo({
      'vs.yaml': routeToSubset('reviews', 'reviews', 'v1'),
      'dr.yaml': dr('reviews', 'reviews', ['v1']),
    });
    expect(
      await runAnalyze(
        { filenames: ['vs.yaml', 'dr.yaml'], namespace: 'shop', knownHosts: ['reviews'] },
        io,
      ),
    ).toBe(0);
    expect(lines(io.out()).filter((l) => /^(\S+: )?Error \[/.test(l))).toEqual([]);
  });

  it('never crashes on garbage, and analyzes what is valid', async () => {
    const root = tempTree({
      'binary.yaml': Buffer.from([0x00, 0xff, 0x10]),
      'empty.yml': '',
      'syntax.yaml': 'spec: {\n',
      'foo.yaml': 'kind: Foo\n',
      'ok.yaml': routeToSubset('ratings', 'ratings', 'v1'),
    });
    const io = capturingNodeIo();
    expect(
      await runAnalyze(
        { filenames: [root], knownHosts: ['ratings.default.svc.cluster.local'] },
        io,
      ),
    ).toBe(1);
    const out = lines(io.out());
    expect(out.filter((l) => !l.startsWith('  hint: ')).every((l) => FINDING.test(l))).toBe(true);
    expect(out).toContainEqual(
      expect.stringMatching(/^Error \[MESH-V0003\] Document .*binary\.yaml: binary content/),
    );
    expect(io.err()).toMatch(/^analyzed 1 resource in 5 files: \d+ errors?, \d+ warnings?\n$/);
  });
});
