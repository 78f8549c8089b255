// Decoding the control plane's debug pages at the one boundary where raw JSON is seen.
import { decodeMeshView } from './describe-source.js';
import { UnexpectedAnswerError } from './proxy-config-source.js';
import { recordedPages } from './test-support/describe-recorded.js';

describe('decodeMeshView', () => {
  it('decodes the recorded pages into typed resources, workloads and sync rows', () => {
    const view = decodeMeshView(recordedPages('tasks'));
    expect(view.resources.map((r) => `${r.resource.kind} ${r.resource.metadata.name}`)).toContain(
      'VirtualService reviews',
    );
    expect(view.resources).toHaveLength(15);
    expect(view.workloads).toHaveLength(12);
    expect(view.workloads.find((w) => w.workloadName === 'reviews-v1')).toEqual({
      proxyId: 'reviews-v1-744.default',
      workloadName: 'reviews-v1',
      namespace: 'default',
      labels: { app: 'reviews', version: 'v1' },
      serviceAccount: 'default',
      addresses: ['127.0.0.1'],
      ports: [{ name: 'http', number: 9080, protocol: '', targetPort: 33205, endpointPort: 43171 }],
      proxyVersion: '0.1.0',
      ready: true,
      locality: '',
      controlPlane: 'control-plane-vm-552',
    });
    expect(view.proxies).toHaveLength(12);
    expect(view.unreadable).toEqual([]);
  });

  it('keeps creation order (it decides which VirtualService sidecars use), whatever the page order', () => {
    const pages = recordedPages('tasks') as { configz: unknown[] };
    pages.configz.reverse();
    const revisions = decodeMeshView(pages as never).resources.map((r) => r.createRevision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
  });

  it('ignores the bookkeeping `source` a writer stored with a resource', () => {
    const pages = recordedPages('demo') as { configz: { resource: Record<string, unknown> }[] };
    pages.configz[0]!.resource.source = { file: 'samples/bookinfo/bookinfo-gateway.yaml' };
    const view = decodeMeshView(pages as never);
    expect(view.unreadable).toEqual([]);
    expect(view.resources[0]!.resource.source?.file).toBeUndefined();
  });

  it.each([
    ['configz is not a list', { configz: {} }, '/debug/configz: expected a list'],
    [
      'a workload without a proxy id',
      { registryz: [{ workloadName: 'x', namespace: 'default' }] },
      '/debug/registryz[0].proxyId: expected a string',
    ],
    [
      'labels that are not strings',
      { registryz: [{ proxyId: 'p', workloadName: 'x', namespace: 'd', labels: { a: 1 } }] },
      '/debug/registryz[0].labels.a: expected a string',
    ],
    [
      'a sync row that is not an object',
      { syncz: ['SYNCED'] },
      '/debug/syncz[0]: expected an object',
    ],
  ])(
    'a page of the wrong shape is an UnexpectedAnswerError naming the field: %s',
    (_what, change, message) => {
      const pages = { ...recordedPages('demo'), ...change };
      expect(() => decodeMeshView(pages)).toThrow(new UnexpectedAnswerError(message));
    },
  );
});
