import type { ClusterBody } from '@mesh/proto';
import type { RuntimeCluster } from '../config/types.js';
import { ActiveRequests } from './active-requests.js';

describe('ActiveRequests', () => {
  it('counts per endpoint and forgets endpoints that go idle', () => {
    const active = new ActiveRequests();
    active.acquire('a:1');
    active.acquire('a:1');
    active.acquire('b:1');
    expect(active.of({ id: 'a:1' })).toBe(2);
    active.release('a:1');
    active.release('a:1');
    active.release('a:1');
    expect(active.get('a:1')).toBe(0);
    expect(active.get('b:1')).toBe(1);
  });

  it('holds circuit breakers and outlier detectors per cluster, dropped when clusters go', () => {
    const active = new ActiveRequests({ now: () => 42 });
    const cluster = {
      name: 'outbound|80||a',
      body: { trafficPolicy: { outlierDetection: {} } } as unknown as ClusterBody,
      endpoints: [],
      balancer: { policy: 'RANDOM', candidates: [{ id: 'a:1' }], pick: () => undefined },
    } satisfies RuntimeCluster;
    const breaker = active.breakers.of(cluster);
    const detector = active.outliers.of(cluster)!;
    expect(active.now()).toBe(42);
    active.retainClusters(new Set(['outbound|80||a']));
    expect(active.breakers.get(cluster.name)).toBe(breaker);
    expect(active.outliers.get(cluster.name)).toBe(detector);
    active.retainClusters(new Set());
    expect(active.breakers.get(cluster.name)).toBeUndefined();
    expect(active.outliers.get(cluster.name)).toBeUndefined();
  });
});
