// Outlier detection over real sockets: an endpoint answering 500s is ejected, traffic moves to
// the healthy one, and the endpoint comes back once its ejection time is over. The clock is the
// test's, so thirty seconds of ejection pass at once.
import { ActiveRequests } from '../upstream/active-requests.js';
import { clusterHealthView } from '../upstream/index.js';
import {
  buildTable,
  startOutbound,
  startUpstream,
  type TestUpstream,
} from './test-support/fixtures.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const URL = `http://${REVIEWS}:9080/reviews/0`;
const CLUSTER = `outbound|9080||${REVIEWS}`;

let healthy: TestUpstream;
let flaky: TestUpstream;
let flakyFails = true;

beforeAll(async () => {
  healthy = await startUpstream('healthy');
  flaky = await startUpstream('flaky', (_req, res) => {
    res.writeHead(flakyFails ? 500 : 200, { 'x-upstream': 'flaky' });
    res.end(flakyFails ? 'boom' : 'flaky');
  });
});
afterAll(async () => {
  await healthy.close();
  await flaky.close();
});

it('ejects an endpoint answering 500s, sends traffic to the healthy one, and brings it back', async () => {
  let now = Date.parse('2025-01-01T00:00:00Z');
  const active = new ActiveRequests({ now: () => now });
  const table = buildTable({
    clusters: [
      {
        host: REVIEWS,
        endpoints: [healthy.port, flaky.port],
        trafficPolicy: {
          loadBalancer: { simple: 'ROUND_ROBIN' },
          outlierDetection: {
            consecutive5xxErrors: 3,
            interval: '1s',
            baseEjectionTime: '30s',
            maxEjectionPercent: 100,
          },
        },
      },
    ],
  });
  const proxy = await startOutbound(table, { active });
  try {
    // Round robin alternates: the flaky endpoint's third 500 comes within six requests.
    const first = [];
    for (let i = 0; i < 6; i++) first.push((await proxy.request(URL)).status);
    expect(first.filter((s) => s === 500)).toHaveLength(3);
    expect(flaky.requests).toHaveLength(3);

    const view = clusterHealthView(table, active).find((c) => c.name === CLUSTER)!;
    expect(view.outlierDetection?.ejectedEndpoints).toBe(1);
    const flakyView = view.endpoints.find((e) => e.id === `127.0.0.1:${flaky.port}`)!;
    expect(flakyView.ejected).toEqual({
      since: '2025-01-01T00:00:00.000Z',
      until: '2025-01-01T00:00:30.000Z',
      times: 1,
    });

    for (let i = 0; i < 6; i++) {
      const res = await proxy.request(URL);
      expect(res.status).toBe(200);
      expect(res.headers['x-upstream']).toBe('healthy');
    }
    expect(flaky.requests).toHaveLength(3);

    // Thirty seconds later the sweep returns it; it has recovered meanwhile.
    flakyFails = false;
    now += 30_000;
    const after = [];
    for (let i = 0; i < 4; i++) after.push((await proxy.request(URL)).headers['x-upstream']);
    expect(after.sort()).toEqual(['flaky', 'flaky', 'healthy', 'healthy']);
    expect(
      clusterHealthView(table, active)
        .find((c) => c.name === CLUSTER)!
        .endpoints.find((e) => e.id === `127.0.0.1:${flaky.port}`),
    ).toMatchObject({ outlier: { timesEjected: 1, consecutive5xx: 0 } });
  } finally {
    await proxy.close();
  }
});
