import { createServer } from 'node:http';
import { buildTable, closeServer, endpointBody, listen } from '../http/test-support/fixtures.js';
import { ActiveRequests } from './active-requests.js';
import { clusterHealthView, createUpstreamPools, UNLIMITED } from './index.js';
import { get, text } from './test-support/requests.js';

const HOST = 'ratings.default.svc.cluster.local';

describe('clusterHealthView', () => {
  it("shows each cluster's breaker counters and each endpoint's ejection", async () => {
    let now = Date.parse('2025-03-01T12:00:00Z');
    const active = new ActiveRequests({ now: () => now });
    const server = createServer((_req, res) => res.end('ok'));
    const port = await listen(server);
    const table = buildTable({
      clusters: [
        {
          host: HOST,
          endpoints: [port, endpointBody(port + 1), endpointBody(port + 2, { ready: false })],
          trafficPolicy: {
            connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } },
            outlierDetection: { maxEjectionPercent: 100 },
          },
        },
        { host: HOST, subset: 'v1', endpoints: [port] },
      ],
    });
    const cluster = table.clusters.get(`outbound|9080||${HOST}`)!;
    const pools = createUpstreamPools();
    try {
      // One request in flight, one waiting, one turned away; one endpoint ejected.
      const breaker = active.breakers.of(cluster);
      const held = await breaker.admit();
      void breaker.admit();
      await breaker.admit();
      const detector = active.outliers.of(cluster)!;
      for (let i = 0; i < 5; i++) detector.record(`127.0.0.1:${port + 1}`, 503);
      active.acquire(`127.0.0.1:${port}`);
      const pool = pools.get({ address: '127.0.0.1', port });
      await text((await pool.request(get(port))).body);
      now += 1_000;

      const views = clusterHealthView(table, active, pools);
      const main = views.find((c) => c.name === `outbound|9080||${HOST}`);
      const v1 = views.find((c) => c.name === `outbound|9080|v1|${HOST}`);
      expect(main).toMatchObject({
        name: `outbound|9080||${HOST}`,
        circuitBreakers: {
          limits: {
            maxConnections: 1,
            maxPendingRequests: 1,
            maxRequests: UNLIMITED,
            maxRetries: UNLIMITED,
          },
          activeRequests: 1,
          pendingRequests: 1,
          pendingOverflows: 1,
        },
        outlierDetection: { ejectedEndpoints: 1, ejectionOverflows: 0 },
      });
      expect(main!.endpoints).toEqual([
        {
          id: `127.0.0.1:${port}`,
          ready: true,
          // outlierDetection turns on locality failover; without localities all rank alike.
          locality: '',
          priority: 0,
          activeRequests: 1,
          openConnections: 1,
          outlier: {
            consecutive5xx: 0,
            consecutiveGatewayErrors: 0,
            timesEjected: 0,
            ejectionMultiplier: 0,
          },
        },
        {
          id: `127.0.0.1:${port + 1}`,
          ready: true,
          locality: '',
          priority: 0,
          activeRequests: 0,
          openConnections: 0,
          outlier: {
            // The 5xx count started over at the ejection; gateway errors are not watched here.
            consecutive5xx: 0,
            consecutiveGatewayErrors: 5,
            timesEjected: 1,
            ejectionMultiplier: 1,
          },
          ejected: {
            since: '2025-03-01T12:00:00.000Z',
            until: '2025-03-01T12:00:30.000Z',
            times: 1,
          },
        },
        // Not ready: never in the balancer, so outlier detection does not watch it.
        {
          id: `127.0.0.1:${port + 2}`,
          ready: false,
          locality: '',
          activeRequests: 0,
          openConnections: 0,
        },
      ]);
      // A cluster nothing was sent to yet: its limits, nothing counted, no outlier detection.
      expect(v1).toMatchObject({
        circuitBreakers: { limits: { maxConnections: UNLIMITED }, activeRequests: 0 },
      });
      expect(v1!.outlierDetection).toBeUndefined();
      expect(v1!.localityFailover).toBeUndefined();
      expect(v1!.endpoints[0]!.priority).toBeUndefined();

      // Time passes: the view shows the endpoint back.
      now += 30_000;
      if (held.kind === 'admitted') held.release();
      const later = clusterHealthView(table, active).find((c) => c.name === main!.name)!;
      expect(later.outlierDetection?.ejectedEndpoints).toBe(0);
      expect(later.endpoints[1]!.ejected).toBeUndefined();
      expect(later.endpoints[1]!.openConnections).toBeUndefined();
      expect(later.circuitBreakers).toMatchObject({ activeRequests: 1, pendingRequests: 0 });
    } finally {
      await pools.close();
      await closeServer(server);
    }
  });

  it("shows each endpoint's locality and, with locality failover, its priority level", () => {
    const endpoints = [
      endpointBody(1, { locality: 'us-east/zone-b' }),
      endpointBody(2, { locality: 'us-east/zone-a' }),
      endpointBody(3, { locality: 'eu-west/zone-c' }),
      endpointBody(4, { locality: 'us-east/zone-a', ready: false }),
    ];
    const table = buildTable({
      proxyLocality: 'us-east/zone-a',
      clusters: [
        { host: HOST, endpoints, trafficPolicy: { outlierDetection: {} } },
        { host: HOST, subset: 'flat', endpoints },
      ],
    });
    const views = clusterHealthView(table, new ActiveRequests());
    const ranked = views.find((c) => c.name === `outbound|9080||${HOST}`)!;
    expect(ranked.localityFailover).toEqual({ proxyLocality: 'us-east/zone-a' });
    expect(ranked.endpoints.map((e) => [e.id, e.locality, e.priority])).toEqual([
      ['127.0.0.1:1', 'us-east/zone-b', 1],
      ['127.0.0.1:2', 'us-east/zone-a', 0],
      ['127.0.0.1:3', 'eu-west/zone-c', 2],
      ['127.0.0.1:4', 'us-east/zone-a', undefined],
    ]);
    // No outlierDetection, no failover: localities are shown, priorities are not.
    const flat = views.find((c) => c.name === `outbound|9080|flat|${HOST}`)!;
    expect(flat.localityFailover).toBeUndefined();
    expect(flat.endpoints.map((e) => [e.locality, e.priority])).toEqual([
      ['us-east/zone-b', undefined],
      ['us-east/zone-a', undefined],
      ['eu-west/zone-c', undefined],
      ['us-east/zone-a', undefined],
    ]);
  });
});
