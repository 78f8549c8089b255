// Decoding the control plane's debug pages at the one boundary where raw JSON is seen.
import { decodeDebugPages } from './debug-pages.js';
import { UnexpectedAnswerError } from './proxy-config-http.js';
import { recordedPages } from './test-support/describe-recorded.js';

describe('decodeDebugPages', () => {
  it('decodes the recorded pages into typed resources, workloads and sync rows', () => {
    const view = decodeDebugPages(recordedPages('tasks'));
    expect(view.configz.map((r) => `${r.resource?.kind} ${r.resource?.metadata.name}`)).toContain(
      'VirtualService reviews',
    );
    expect(view.configz).toHaveLength(15);
    expect(view.configz.filter((r) => !r.resource)).toEqual([]);
    expect(view.registryz).toHaveLength(12);
    expect(view.registryz.find((w) => w.workloadName === 'reviews-v1')).toEqual({
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
    expect(view.syncz).toHaveLength(12);
  });

  it('decodes only the pages it is given', () => {
    const { configz, registryz } = recordedPages('demo');
    expect(Object.keys(decodeDebugPages({ configz, registryz }))).toEqual(['configz', 'registryz']);
  });

  it('keeps creation order (it decides which VirtualService sidecars use), whatever the page order', () => {
    const pages = recordedPages('tasks') as { configz: unknown[] };
    pages.configz.reverse();
    const revisions = decodeDebugPages(pages as never).configz.map((r) => r.createRevision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
  });

  it('ignores the bookkeeping `source` a writer stored with a resource', () => {
    const pages = recordedPages('demo') as { configz: { resource: Record<string, unknown> }[] };
    pages.configz[0]!.resource.source = { file: 'samples/bookinfo/bookinfo-gateway.yaml' };
    const { configz } = decodeDebugPages(pages as never);
    expect(configz[0]!.diagnostics).toEqual([]);
    expect(configz[0]!.resource?.source?.file).toBeUndefined();
  });

  it('keeps an entry it cannot type, named as far as the page names it, with the reason', () => {
    const pages = recordedPages('demo') as { configz: unknown[] };
    pages.configz.push({
      resource: { kind: 'Telemetry', apiVersion: 'telemetry.istio.io/v1', metadata: { name: 't' } },
      resourceVersion: '9',
      createRevision: 9,
    });
    const stored = decodeDebugPages(pages as never).configz.at(-1);
    expect(stored).toMatchObject({
      resource: undefined,
      kind: 'Telemetry',
      namespace: '',
      name: 't',
      at: 'configz[7]',
      diagnostics: [
        expect.objectContaining({
          message: 'not an Istio networking resource (telemetry.istio.io/v1); skipped',
        }),
      ],
    });
  });

  it.each([
    ['configz is not a list', { configz: {} }, '/debug/configz: expected a list'],
    [
      'a stored entry without a resource',
      { configz: [{ resourceVersion: '1', createRevision: 1 }] },
      '/debug/configz[0].resource: expected an object',
    ],
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
      expect(() => decodeDebugPages(pages)).toThrow(new UnexpectedAnswerError(message));
    },
  );
});
