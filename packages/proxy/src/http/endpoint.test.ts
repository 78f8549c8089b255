import type { ClusterBody } from '@mesh/proto';
import type { EndpointLoadBalancer, LbEndpoint, LbPickContext } from '@mesh/rules';
import type { RuntimeCluster } from '../config/types.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { endpointLayer } from './endpoint.js';
import { endpointBody } from './test-support/fixtures.js';
import { response, scripted, slowBody, testContext } from './test-support/context.js';

const HOST = 'reviews.default.svc.cluster.local';
const destination = { host: HOST, subset: 'v1', port: 9080, cluster: `outbound|9080|v1|${HOST}` };

function clusterBody(overrides: Partial<ClusterBody> = {}): ClusterBody {
  return {
    name: destination.cluster,
    direction: 'outbound',
    host: HOST,
    port: { number: 9080, protocol: 'HTTP', name: 'http' },
    subset: 'v1',
    serviceNamespace: 'default',
    exportTo: ['*'],
    resolution: 'STATIC',
    trafficPolicy: {},
    destinationRule: '',
    ...overrides,
  };
}

/** A balancer that picks the given ids in turn and records what it was asked with. */
function scriptedBalancer(...ids: (string | undefined)[]) {
  const contexts: LbPickContext[] = [];
  let i = 0;
  const balancer: EndpointLoadBalancer = {
    policy: 'RANDOM',
    candidates: ids.filter((x): x is string => !!x).map((id) => ({ id })),
    pick(context) {
      contexts.push(context);
      const id = ids[Math.min(i++, ids.length - 1)];
      return id === undefined ? undefined : ({ id } as LbEndpoint);
    },
  };
  return { balancer, contexts };
}

function cluster(
  balancer: EndpointLoadBalancer,
  ready = [true],
  body = clusterBody(),
): RuntimeCluster {
  return {
    name: body.name,
    body,
    endpoints: ready.map((r, i) => endpointBody(20000 + i, { ready: r })),
    balancer,
  };
}

describe('endpointLayer', () => {
  it('hands the picked endpoint to the next handler with the attempt count header', async () => {
    const { balancer } = scriptedBalancer('10.1.2.3:9080');
    const next = scripted(() => response(200));
    const ctx = testContext();
    await endpointLayer({
      destination,
      clusterName: destination.cluster,
      cluster: cluster(balancer),
      active: new ActiveRequests(),
    })(next)(ctx);
    expect(next.calls[0]!.upstream).toMatchObject({
      id: '10.1.2.3:9080',
      address: '10.1.2.3',
      port: 9080,
      cluster: destination.cluster,
    });
    expect(next.calls[0]!.headers['x-envoy-attempt-count']).toBe('1');
    expect(ctx.info).toMatchObject({ attempts: 1, upstreamHost: '10.1.2.3:9080' });
  });

  it('splits IPv6 endpoint ids at the last colon', async () => {
    const { balancer } = scriptedBalancer('[fd00::1]:8080');
    const next = scripted(() => response(200));
    await endpointLayer({
      destination,
      clusterName: destination.cluster,
      cluster: cluster(balancer),
      active: new ActiveRequests(),
    })(next)(testContext());
    expect(next.calls[0]!.upstream).toMatchObject({ address: 'fd00::1', port: 8080 });
  });

  it('re-picks up to five times to avoid hosts earlier attempts used, then takes the last pick', async () => {
    const avoid = { previousHosts: ['a:1', 'b:1'] };
    const first = scriptedBalancer('a:1', 'b:1', 'a:1', 'c:1');
    const next = scripted(() => response(200));
    const layer = (b: EndpointLoadBalancer) =>
      endpointLayer({
        destination,
        clusterName: destination.cluster,
        cluster: cluster(b),
        active: new ActiveRequests(),
      })(next);
    await layer(first.balancer)(testContext(avoid));
    expect(next.calls[0]!.upstream?.id).toBe('c:1');
    expect(first.contexts).toHaveLength(4);

    const stuck = scriptedBalancer('a:1');
    await layer(stuck.balancer)(testContext(avoid));
    expect(next.calls[1]!.upstream?.id).toBe('a:1');
    expect(stuck.contexts).toHaveLength(6);
  });

  it('counts the request in flight until its body is delivered, and feeds the count to the balancer', async () => {
    const active = new ActiveRequests();
    const { balancer, contexts } = scriptedBalancer('a:1');
    const { body, more } = slowBody('x');
    const layer = endpointLayer({
      destination,
      clusterName: destination.cluster,
      cluster: cluster(balancer),
      active,
    });
    const res = await layer(scripted(() => ({ status: 200, headers: {}, body })))(testContext());
    expect(active.get('a:1')).toBe(1);
    // The balancer reads live counts, this request included.
    expect(contexts[0]!.activeRequestsOf?.({ id: 'a:1' })).toBe(1);
    const closed = new Promise((r) => body.once('close', r));
    more('y');
    body.resume();
    await closed;
    expect(res.body).toBe(body);
    expect(active.get('a:1')).toBe(0);

    await expect(layer(() => Promise.reject(new Error('bug')))(testContext())).rejects.toThrow(
      'bug',
    );
    expect(active.get('a:1')).toBe(0);
  });

  it('passes the consistent-hash key of the request to the balancer', async () => {
    const { balancer, contexts } = scriptedBalancer('a:1');
    const body = clusterBody({
      trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
    });
    await endpointLayer({
      destination,
      clusterName: destination.cluster,
      cluster: cluster(balancer, [true], body),
      active: new ActiveRequests(),
    })(scripted(() => response(200)))(testContext({ headers: { 'x-user': 'alice' } }));
    expect(contexts[0]!.hashKey).toBe('alice');
  });

  it('answers 503 UH saying how many endpoints there are and how many are ready', async () => {
    const next = scripted(() => response(200));
    const layer = (ready: boolean[], b = scriptedBalancer(undefined).balancer) =>
      endpointLayer({
        destination,
        clusterName: destination.cluster,
        cluster: cluster(b, ready),
        active: new ActiveRequests(),
      })(next)(testContext());
    expect((await layer([false, false])).local).toEqual({
      flag: 'UH',
      reason: `no healthy upstream for ${HOST} subset v1: 2 endpoints, 0 ready`,
    });
    expect((await layer([])).local?.reason).toBe(
      `no healthy upstream for ${HOST} subset v1: 0 endpoints, 0 ready`,
    );
    expect((await layer([true])).local?.reason).toBe(
      `no healthy upstream for ${HOST} subset v1: 1 endpoint, 1 ready (the RANDOM load balancer picked none of them)`,
    );
    expect(next.calls).toHaveLength(0);
  });

  it('answers 503 NC when the table has no such cluster', async () => {
    const ctx = testContext();
    const res = await endpointLayer({
      destination,
      clusterName: 'outbound|9080|v9|x',
      cluster: undefined,
      active: new ActiveRequests(),
    })(scripted(() => response(200)))(ctx);
    expect(res.status).toBe(503);
    expect(res.local?.flag).toBe('NC');
    expect(res.local?.reason).toMatch(/^no cluster outbound\|9080\|v9\|x in this proxy's config/);
    expect(ctx.info.attempts).toBe(0);
  });

  it('takes connection settings from the cluster policy', async () => {
    const { balancer } = scriptedBalancer('a:1');
    const body = clusterBody({
      trafficPolicy: {
        connectionPool: { tcp: { connectTimeout: '250ms' }, http: { maxRequestsPerConnection: 3 } },
      },
    });
    const next = scripted(() => response(200));
    await endpointLayer({
      destination,
      clusterName: destination.cluster,
      cluster: cluster(balancer, [true], body),
      active: new ActiveRequests(),
    })(next)(testContext());
    expect(next.calls[0]!.upstream).toMatchObject({
      connectTimeoutMs: 250,
      maxRequestsPerConnection: 3,
    });
  });
});
