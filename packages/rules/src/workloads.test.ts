import {
  groupByService,
  registryServiceHost,
  registryServiceName,
  selects,
  serviceNameLabel,
  type Labels,
} from './workloads.js';

const workload = (workloadName: string, labels: Labels, namespace = 'default') => ({
  workloadName,
  namespace,
  labels,
});

describe('the service a registered workload belongs to', () => {
  it.each([
    [
      'service.mesh.dev/name before app',
      { 'service.mesh.dev/name': 'critiques', app: 'reviews' },
      'critiques',
      'service.mesh.dev/name',
    ],
    ['app before the workload name', { app: 'reviews', version: 'v1' }, 'reviews', 'app'],
    ['the workload name without either label', { version: 'v1' }, 'reviews-v1', undefined],
    [
      'an empty label names nothing',
      { 'service.mesh.dev/name': '', app: '' },
      'reviews-v1',
      undefined,
    ],
    ['lower case, as it becomes a DNS name', { app: 'Reviews' }, 'reviews', 'app'],
  ] as const)('%s', (_rule, labels, name, label) => {
    const w = workload('reviews-v1', labels);
    expect(registryServiceName(w)).toBe(name);
    expect(serviceNameLabel(labels)).toBe(label);
  });

  it('is a host in the workload namespace, under the cluster domain unless told another', () => {
    const w = workload('reviews-v1', { app: 'reviews' }, 'shop');
    expect(registryServiceHost(w)).toBe('reviews.shop.svc.cluster.local');
    expect(registryServiceHost(w, 'svc.mesh.test')).toBe('reviews.shop.svc.mesh.test');
  });
});

describe('groupByService', () => {
  const port = (number: number, name: string) => ({ number, name });

  it('forms one service per namespace and name, ordered by namespace/name', () => {
    const groups = groupByService([
      { ...workload('reviews-v2', { app: 'reviews' }), ports: [] },
      { ...workload('ratings-v1', { app: 'ratings' }, 'shop'), ports: [] },
      { ...workload('reviews-v1', { app: 'reviews' }), ports: [] },
      { ...workload('reviews-v1', { app: 'reviews' }, 'shop'), ports: [] },
    ]);
    expect(groups.map((g) => [g.host, g.workloads.map((w) => w.workloadName)])).toEqual([
      ['reviews.default.svc.cluster.local', ['reviews-v2', 'reviews-v1']],
      ['ratings.shop.svc.cluster.local', ['ratings-v1']],
      ['reviews.shop.svc.cluster.local', ['reviews-v1']],
    ]);
  });

  it('offers the union of its workloads ports, the first declaration of a number naming it', () => {
    const [reviews] = groupByService([
      { ...workload('reviews-v1', { app: 'reviews' }), ports: [port(9080, 'http')] },
      {
        ...workload('reviews-v2', { app: 'reviews' }),
        ports: [port(9090, 'grpc-admin'), port(9080, 'http-other')],
      },
    ]);
    expect(reviews?.ports).toEqual([port(9080, 'http'), port(9090, 'grpc-admin')]);
  });
});

describe('selects (Istio label selection)', () => {
  it.each([
    ['every selector label present with the same value', { app: 'reviews' }, true],
    ['a label with another value', { app: 'ratings' }, false],
    ['a label the workload lacks', { track: 'canary' }, false],
    ['an empty selector selects everything', {}, true],
    ['no selector selects everything', undefined, true],
    ['an inherited property is not a label', { constructor: 'x' }, false],
  ] as const)('%s', (_rule, selector, expected) => {
    expect(selects(selector, { app: 'reviews', version: 'v1' })).toBe(expected);
  });
});
