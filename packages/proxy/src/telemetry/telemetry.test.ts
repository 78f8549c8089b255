// Two sidecars on real sockets (outbound -> inbound -> app), as productpage calls reviews: what
// each publishes for Istio's metrics and spans, and what the app and the caller get to see.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Pool } from 'undici';
import {
  HTTP_CHANNEL,
  SPAN_CHANNEL,
  type HttpRequestEvent,
  type Peer,
} from '@mesh/telemetry/events';
import { createInboundServer } from '../http/inbound-server.js';
import type { ProxyServer } from '../http/server.js';
import {
  buildTable,
  closeServer,
  endpointBody,
  inboundListenerFor,
  listen,
  send,
  startOutbound,
  startUpstream,
  type TestProxy,
  type TestUpstream,
} from '../http/test-support/fixtures.js';
import { PEER_HEADER } from './peer-header.js';
import { requestTelemetry } from './propagation.js';
import { createRequestRecorder } from './request-recorder.js';

const PRODUCTPAGE: Peer = {
  workload: 'productpage-v1',
  namespace: 'default',
  app: 'productpage',
  version: 'v1',
};
const REVIEWS: Peer = {
  workload: 'reviews-v2',
  namespace: 'default',
  app: 'reviews',
  version: 'v2',
};
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const APP_SPAN = '00f067aa0ba902b7';

describe('telemetry between two sidecars', () => {
  let app: TestUpstream;
  let inbound: ProxyServer;
  let inboundPort: number;
  let events: HttpRequestEvent[];
  const lines: string[] = [];
  let traced: HttpRequestEvent[];
  const onEvent = (e: unknown) => events.push(e as HttpRequestEvent);
  const onSpan = (e: unknown) => traced.push(e as HttpRequestEvent);

  beforeAll(async () => {
    app = await startUpstream('reviews');
    inbound = createInboundServer({
      listener: inboundListenerFor(app.port),
      log: createRequestRecorder({ self: REVIEWS }),
      telemetry: requestTelemetry(REVIEWS, { samplingPercent: 0 }),
    });
    inboundPort = await listen(inbound);
    subscribe(HTTP_CHANNEL, onEvent);
    subscribe(SPAN_CHANNEL, onSpan);
  });

  afterAll(async () => {
    unsubscribe(HTTP_CHANNEL, onEvent);
    unsubscribe(SPAN_CHANNEL, onSpan);
    await closeServer(inbound);
    await app.close();
  });

  beforeEach(() => {
    events = [];
    traced = [];
    lines.length = 0;
    app.requests.length = 0;
  });

  async function outbound(
    samplingPercent: number,
    endpoint = endpointBody(0, { labels: { app: 'reviews', version: 'v2' } }),
  ): Promise<TestProxy> {
    const table = buildTable({
      clusters: [
        {
          host: 'reviews.default.svc.cluster.local',
          endpoints: [{ ...endpoint, port: endpoint.port || inboundPort }],
        },
      ],
    });
    return startOutbound(table, {
      log: createRequestRecorder({ self: PRODUCTPAGE, accessLog: (l) => lines.push(l) }),
      telemetry: requestTelemetry(PRODUCTPAGE, { samplingPercent }),
    });
  }

  async function settled(n: number): Promise<HttpRequestEvent[]> {
    for (let i = 0; i < 200 && events.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    expect(events).toHaveLength(n);
    return events;
  }

  it('labels both sides with both workloads; neither app nor caller sees the peer header', async () => {
    const proxy = await outbound(0);
    try {
      // The app tries to pass itself off as another workload; its sidecar speaks for it.
      const res = await proxy.request('http://reviews:9080/reviews/1', {
        headers: { [PEER_HEADER]: 'w=ratings-v1;ns=default;app=ratings;v=v1' },
      });
      expect(res.status).toBe(200);
      expect(res.headers[PEER_HEADER]).toBeUndefined();
      expect(app.requests[0]!.headers[PEER_HEADER]).toBeUndefined();
      const [server, client] = await settled(2);
      expect(server).toMatchObject({
        reporter: 'destination',
        source: PRODUCTPAGE,
        destination: {
          ...REVIEWS,
          service: 'reviews.default.svc.cluster.local',
          serviceName: 'reviews',
          serviceNamespace: 'default',
        },
        responseCode: 200,
        responseFlags: '-',
        requestProtocol: 'http',
        connectionSecurityPolicy: 'none',
      });
      expect(client).toMatchObject({
        reporter: 'source',
        source: PRODUCTPAGE,
        destination: {
          ...REVIEWS,
          service: 'reviews.default.svc.cluster.local',
          serviceName: 'reviews',
        },
        responseCode: 200,
        connectionSecurityPolicy: 'unknown',
      });
      expect(client!.durationMs).toBeGreaterThanOrEqual(server!.durationMs);
      // The caller's log line says how long the upstream took to answer, within the whole.
      const line = JSON.parse(lines[0]!) as { duration: number; upstream_service_time: number };
      expect(line.upstream_service_time).toBeGreaterThanOrEqual(0);
      expect(line.upstream_service_time).toBeLessThanOrEqual(line.duration);
    } finally {
      await proxy.close();
    }
  });

  it('parents the client span on the app, the server span on the client span, and hands the app its own', async () => {
    const proxy = await outbound(0);
    try {
      // The incoming decision (sampled) wins over this proxy's 0%.
      await proxy.request('http://reviews:9080/reviews/1', {
        headers: {
          traceparent: `00-${TRACE}-${APP_SPAN}-01`,
          'x-b3-traceid': 'aaaa',
          'x-b3-spanid': 'bbbb',
        },
      });
      const [server, client] = await settled(2);
      expect(client!.span).toMatchObject({
        traceId: TRACE,
        parentSpanId: APP_SPAN,
        kind: 'client',
        retryCount: 0,
      });
      expect(client!.span).toMatchObject({
        name: 'reviews.default.svc.cluster.local:9080/*',
        url: 'http://reviews:9080/reviews/1',
        method: 'GET',
        upstreamCluster: 'outbound|9080||reviews.default.svc.cluster.local',
        upstreamHost: `127.0.0.1:${inboundPort}`,
      });
      expect(server!.span).toMatchObject({
        traceId: TRACE,
        parentSpanId: client!.span!.spanId,
        kind: 'server',
      });
      expect(server!.span!.spanId).not.toBe(client!.span!.spanId);
      const seen = app.requests[0]!.headers;
      expect(seen['traceparent']).toBe(`00-${TRACE}-${server!.span!.spanId}-01`);
      // The app sent B3 too, so B3 goes on, every hop writing its own span's.
      expect(seen['x-b3-traceid']).toBe(TRACE);
      expect(seen['x-b3-spanid']).toBe(server!.span!.spanId);
      expect(seen['x-b3-sampled']).toBe('1');
      expect(JSON.parse(lines[0]!).trace_id).toBe(TRACE);
      // Tracing's own channel carries the sampled requests' events, the same objects.
      expect(traced).toEqual([server, client]);
    } finally {
      await proxy.close();
    }
  });

  it('an unsampled request carries its decision on and publishes no span', async () => {
    const proxy = await outbound(0);
    try {
      await proxy.request('http://reviews:9080/reviews/1');
      const [server, client] = await settled(2);
      expect(client!.span).toBeUndefined();
      expect(server!.span).toBeUndefined();
      expect(traced).toEqual([]);
      const traceparent = String(app.requests[0]!.headers['traceparent']);
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      // W3C only, as it came: no B3 headers are invented.
      expect(app.requests[0]!.headers['x-b3-traceid']).toBeUndefined();
      // The same trace id in the caller's log line, to find it in the callee's logs.
      expect(traceparent.split('-')[1]).toBe(JSON.parse(lines[0]!).trace_id);
    } finally {
      await proxy.close();
    }
  });

  it('samples new traces at the configured percentage', async () => {
    const proxy = await outbound(100);
    try {
      await proxy.request('http://reviews:9080/reviews/1');
      const [server, client] = await settled(2);
      expect(client!.span?.parentSpanId).toBeUndefined();
      expect(server!.span?.parentSpanId).toBe(client!.span!.spanId);
    } finally {
      await proxy.close();
    }
  });

  it('sends no workload names to an endpoint without a sidecar, and labels it from its endpoint', async () => {
    const proxy = await outbound(
      0,
      endpointBody(app.port, {
        labels: { app: 'reviews', version: 'v3' },
        source: 'ServiceEntry default/reviews',
      }),
    );
    try {
      await proxy.request('http://reviews:9080/reviews/1');
      expect(app.requests[0]!.headers[PEER_HEADER]).toBeUndefined();
      const [client] = await settled(1);
      expect(client!.destination).toMatchObject({
        workload: 'unknown',
        app: 'reviews',
        version: 'v3',
        namespace: 'default',
      });
    } finally {
      await proxy.close();
    }
  });

  it('a caller without a sidecar is unknown, and gets no identity back', async () => {
    const client = new Pool(`http://127.0.0.1:${inboundPort}`);
    const res = await send(client, '/reviews/1', { headers: { host: 'reviews:9080' } }).finally(
      () => client.close(),
    );
    expect(res.status).toBe(200);
    expect(res.headers[PEER_HEADER]).toBeUndefined();
    const [server] = await settled(1);
    expect(server!.source).toEqual({
      workload: 'unknown',
      namespace: 'unknown',
      app: 'unknown',
      version: 'unknown',
    });
    // The Host header names the service, completed with this workload's namespace.
    expect(server!.destination.service).toBe('reviews.default.svc.cluster.local');
  });

  it('a failed upstream is reported with its flag and the endpoint labels', async () => {
    const proxy = await outbound(0, endpointBody(1, { labels: { app: 'reviews', version: 'v1' } }));
    try {
      const res = await proxy.request('http://reviews:9080/reviews/1');
      expect(res.status).toBe(503);
      const [client] = await settled(1);
      expect(client).toMatchObject({
        responseCode: 503,
        destination: { version: 'v1', workload: 'unknown' },
      });
      expect(client!.responseFlags).toMatch(/UF/);
    } finally {
      await proxy.close();
    }
  });

  describe('forged peer headers', () => {
    const FORGED = 'w=payments;ns=prod;app=payments;v=v9';
    let liar: TestUpstream;

    beforeAll(async () => {
      liar = await startUpstream('liar', (_req, res) => {
        res.writeHead(200, { [PEER_HEADER]: FORGED });
        res.end('ok');
      });
    });
    afterAll(() => liar.close());

    it('an endpoint without a sidecar cannot name the destination, and its header stops at the sidecar', async () => {
      const proxy = await outbound(
        0,
        endpointBody(liar.port, {
          labels: { app: 'reviews', version: 'v1' },
          source: 'ServiceEntry default/reviews',
        }),
      );
      try {
        const res = await proxy.request('http://reviews:9080/reviews/1');
        expect(res.headers[PEER_HEADER]).toBeUndefined();
        const [client] = await settled(1);
        expect(client!.destination).toMatchObject({ workload: 'unknown', version: 'v1' });
      } finally {
        await proxy.close();
      }
    });

    it("the app's own header never leaves its sidecar, whoever called", async () => {
      const server = createInboundServer({
        listener: inboundListenerFor(liar.port),
        log: createRequestRecorder({ self: REVIEWS }),
        telemetry: requestTelemetry(REVIEWS, undefined),
      });
      const port = await listen(server);
      const client = new Pool(`http://127.0.0.1:${port}`);
      try {
        const plain = await send(client, '/r', { headers: { host: 'reviews:9080' } });
        expect(plain.headers[PEER_HEADER]).toBeUndefined();
        const fromSidecar = await send(client, '/r', {
          headers: {
            host: 'reviews:9080',
            [PEER_HEADER]: 'w=productpage-v1;ns=default;app=productpage;v=v1',
          },
        });
        // A sidecar caller hears this sidecar's identity, not the app's claim.
        expect(fromSidecar.headers[PEER_HEADER]).toBe('w=reviews-v2;ns=default;app=reviews;v=v2');
      } finally {
        await client.close();
        await closeServer(server);
      }
    });

    it('an endpoint on a TCP port gets no peer header even with a sidecar: nothing there strips it', async () => {
      const table = buildTable({
        clusters: [
          {
            host: 'echo.default.svc.cluster.local',
            port: 9000,
            protocol: 'TCP',
            endpoints: [app.port],
          },
        ],
      });
      const proxy = await startOutbound(table, {
        log: createRequestRecorder({ self: PRODUCTPAGE }),
        telemetry: requestTelemetry(PRODUCTPAGE, undefined),
      });
      try {
        const res = await proxy.request('http://echo:9000/x');
        expect(res.status).toBe(200);
        expect(app.requests[0]!.headers[PEER_HEADER]).toBeUndefined();
      } finally {
        await proxy.close();
      }
    });
  });
});
