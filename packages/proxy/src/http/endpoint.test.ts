import type { ClusterBody } from '@mesh/proto';
import { createLoadBalancer } from '@mesh/rules';
import type {
  EndpointLoadBalancer,
  LbEndpoint,
  LbPickContext,
  ResolvedTrafficPolicy,
} from '@mesh/rules';
import type { RuntimeCluster } from '../config/types.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { OVERFLOW_BODY } from './circuit-overflow.js';
import { endpointLayer, outlierStatusOf } from './endpoint.js';
import { localReply } from './local-reply.js';
import { buildTable, endpointBody } from './test-support/fixtures.js';
import { response, scripted, slowBody, testContext } from './test-support/context.js';
import { UpstreamTimeout, type ProxyResponse } from './types.js';

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
  it('hands the picked endpoint and the attempt count to the next handler', async () => {
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
    expect(next.calls[0]!.attemptCount).toBe(1);
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
        connectionPool: {
          tcp: { connectTimeout: '250ms', maxConnections: 4 },
          http: { maxRequestsPerConnection: 3, idleTimeout: '2s' },
        },
      },
    });
    const next = scripted(() => response(200));
    await endpointLayer({
      destination,
      clusterName: destination.cluster,
      cluster: cluster(balancer, [true], body),
      active: new ActiveRequests(),
    })(next)(testContext());
    // The pool settings ride along for the forward handler's pools.get().
    expect(next.calls[0]!.upstream).toMatchObject({
      connectTimeoutMs: 250,
      maxRequestsPerConnection: 3,
      maxConnections: 4,
      idleTimeoutMs: 2000,
    });
  });
});

/** The v1 subset cluster as compileTable builds it, endpoints on 127.0.0.1 at `ports`. */
function compiledCluster(ports: number[], trafficPolicy: ResolvedTrafficPolicy): RuntimeCluster {
  const table = buildTable({
    clusters: [
      { host: HOST, endpoints: ports },
      { host: HOST, subset: 'v1', endpoints: ports, trafficPolicy },
    ],
  });
  return table.clusters.get(destination.cluster)!;
}

/** A next handler whose responses the test releases one by one. */
function heldResponses() {
  const releases: (() => void)[] = [];
  const next = scripted(
    () => new Promise<ProxyResponse>((resolve) => releases.push(() => resolve(response(200)))),
  );
  return { next, releases };
}

describe('endpointLayer circuit breaking', () => {
  const policy: ResolvedTrafficPolicy = {
    connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } },
  };

  it('queues past maxConnections and answers 503 UO past http1MaxPendingRequests', async () => {
    const active = new ActiveRequests();
    const cluster = compiledCluster([1], policy);
    const { next, releases } = heldResponses();
    const layer = endpointLayer({ destination, clusterName: cluster.name, cluster, active })(next);
    const first = layer(testContext());
    const second = layer(testContext());
    const third = await layer(testContext());
    expect(third.status).toBe(503);
    expect(third.headers['x-envoy-overloaded']).toBe('true');
    expect(third.local).toEqual({
      flag: 'UO',
      reason: `${OVERFLOW_BODY} (circuit breaker of ${cluster.name}: all 1 connections (connectionPool.tcp.maxConnections) busy and 1 requests already waiting (connectionPool.http.http1MaxPendingRequests 1))`,
    });
    // The overflow never reached the upstream, and the queued request has not either.
    expect(next.calls).toHaveLength(1);
    expect(active.breakers.get(cluster.name)?.stats).toMatchObject({
      activeRequests: 1,
      pendingRequests: 1,
      pendingOverflows: 1,
    });
    releases[0]!();
    expect((await first).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(next.calls).toHaveLength(2);
    releases[1]!();
    expect((await second).status).toBe(200);
    expect(active.breakers.get(cluster.name)?.stats).toMatchObject({
      activeRequests: 0,
      pendingRequests: 0,
    });
  });

  it('overflows past http2MaxRequests and holds the connection until the body is delivered', async () => {
    const active = new ActiveRequests();
    const cluster = compiledCluster([1], { connectionPool: { http: { http2MaxRequests: 1 } } });
    const { body, more } = slowBody('x');
    const layer = endpointLayer({ destination, clusterName: cluster.name, cluster, active })(
      scripted(() => ({ status: 200, headers: {}, body })),
    );
    await layer(testContext());
    const over = await layer(testContext());
    expect(over.local?.flag).toBe('UO');
    expect(over.local?.reason).toMatch(
      /1 requests already in flight \(connectionPool\.http\.http2MaxRequests 1\)\)$/,
    );
    const closed = new Promise((r) => body.once('close', r));
    more('y');
    body.resume();
    await closed;
    expect(active.breakers.get(cluster.name)?.stats.activeRequests).toBe(0);
  });

  it('gives up waiting for a connection when the attempt times out', async () => {
    const active = new ActiveRequests();
    const cluster = compiledCluster([1], policy);
    const { next, releases } = heldResponses();
    const layer = endpointLayer({ destination, clusterName: cluster.name, cluster, active })(next);
    const first = layer(testContext());
    const controller = new AbortController();
    const waiting = layer(testContext({ signal: controller.signal }));
    controller.abort(new UpstreamTimeout('per-try', 10));
    expect((await waiting).local).toMatchObject({ flag: 'UT', failure: 'timeout' });
    expect(active.breakers.get(cluster.name)?.stats.pendingRequests).toBe(0);
    releases[0]!();
    await first;
    expect(next.calls).toHaveLength(1);
  });
});

describe('endpointLayer outlier detection', () => {
  const od: ResolvedTrafficPolicy = {
    loadBalancer: { simple: 'ROUND_ROBIN' },
    outlierDetection: { consecutive5xxErrors: 2, maxEjectionPercent: 100, baseEjectionTime: '30s' },
  };

  it('stops picking an endpoint once its errors eject it, and says so when none is left', async () => {
    let now = 0;
    const active = new ActiveRequests({ now: () => now });
    const cluster = compiledCluster([1, 2], od);
    const next = scripted((ctx) =>
      ctx.upstream!.port === 1
        ? localReply(503, 'UF', 'refused', 'connect-failure')
        : response(200),
    );
    const layer = endpointLayer({ destination, clusterName: cluster.name, cluster, active })(next);
    for (let i = 0; i < 4; i++) await layer(testContext());
    expect(next.calls.map((c) => c.upstream!.port).sort()).toEqual([1, 1, 2, 2]);
    expect(active.outliers.get(cluster.name)?.isEjected('127.0.0.1:1')).toBe(true);
    for (let i = 0; i < 4; i++) await layer(testContext());
    expect(next.calls.slice(4).map((c) => c.upstream!.port)).toEqual([2, 2, 2, 2]);

    // Endpoint 2 starts failing too: both out, nothing to pick.
    const failing = endpointLayer({ destination, clusterName: cluster.name, cluster, active })(
      scripted(() => response(500)),
    );
    await failing(testContext());
    await failing(testContext());
    const res = await failing(testContext());
    expect(res.status).toBe(503);
    expect(res.local).toEqual({
      flag: 'UH',
      reason: `no healthy upstream for ${HOST} subset v1: 2 endpoints, 2 ejected by outlier detection`,
    });

    // After the ejection time, at the next sweep, both are back.
    now = 40_000;
    await layer(testContext());
    await layer(testContext());
    expect(
      next.calls
        .slice(8)
        .map((c) => c.upstream!.port)
        .sort(),
    ).toEqual([1, 2]);
  });

  it('leaves clusters without outlierDetection alone', async () => {
    const active = new ActiveRequests();
    const cluster = compiledCluster([1], {});
    const layer = endpointLayer({ destination, clusterName: cluster.name, cluster, active })(
      scripted(() => response(500)),
    );
    for (let i = 0; i < 10; i++) expect((await layer(testContext())).status).toBe(500);
    expect(active.outliers.get(cluster.name)).toBeUndefined();
  });

  it('reports outcomes as Envoy does: statuses, local failures as 503 or 504, not client aborts', () => {
    expect(outlierStatusOf(response(502))).toBe(502);
    expect(outlierStatusOf(response(200))).toBe(200);
    expect(outlierStatusOf(localReply(503, 'UF', 'x', 'connect-failure'))).toBe(503);
    expect(outlierStatusOf(localReply(503, 'UC', 'x', 'reset'))).toBe(503);
    expect(outlierStatusOf(localReply(504, 'UT', 'x', 'timeout'))).toBe(504);
    expect(outlierStatusOf(localReply(502, 'UPE', 'x'))).toBe(503);
    expect(outlierStatusOf(localReply(503, 'DC', 'x'))).toBeUndefined();
    expect(outlierStatusOf(localReply(500, undefined, 'bug'))).toBeUndefined();
  });

  describe('PASSTHROUGH (Envoy ORIGINAL_DST)', () => {
    const passthrough = () => {
      const balancer = createLoadBalancer({ simple: 'PASSTHROUGH' }, []);
      return cluster(
        balancer,
        [true],
        clusterBody({ trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } } }),
      );
    };
    const send = async (authority: string) => {
      const next = scripted(() => response(200));
      const ctx = testContext();
      ctx.info.authority = authority;
      const reply = await endpointLayer({
        destination,
        clusterName: destination.cluster,
        cluster: passthrough(),
        active: new ActiveRequests(),
      })(next)(ctx);
      return { reply, upstream: next.calls[0]?.upstream };
    };

    it("sends to the request's own destination, not to the cluster's endpoints", async () => {
      const { reply, upstream } = await send('10.9.8.7:8080');
      expect(reply.status).toBe(200);
      expect(upstream).toMatchObject({ id: '10.9.8.7:8080', address: '10.9.8.7', port: 8080 });
      // No port in the authority: the cluster's service port.
      expect((await send('10.9.8.7')).upstream).toMatchObject({ port: 9080 });
      expect((await send('[::1]:81')).upstream).toMatchObject({ id: '[::1]:81', address: '::1' });
    });

    it('resolves a hostname as the app would have (localhost: /etc/hosts, no DNS traffic)', async () => {
      const { upstream } = await send('localhost:8080');
      expect(['127.0.0.1:8080', '[::1]:8080']).toContain(upstream?.id);
    });

    it('answers UH saying why when there is no usable destination', async () => {
      const { reply, upstream } = await send('reviews:99999');
      expect(upstream).toBeUndefined();
      expect(reply.status).toBe(503);
      expect(reply.local).toMatchObject({ flag: 'UH' });
      expect(reply.local?.reason).toBe(
        'no healthy upstream for reviews.default.svc.cluster.local: PASSTHROUGH load balancer: original destination "reviews:99999" is not host:port',
      );
    });
  });
});
