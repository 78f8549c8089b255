// Locality failover over real sockets, as Istio's locality failover task runs it: a proxy in
// us-east/zone-a sends only to the endpoints of its zone while they answer; once outlier
// detection has ejected them, every request goes to the other zone. The detector's clock is the
// test's and never moves, so no ejection runs out however slow the machine is.
import {
  buildTable,
  endpointBody,
  seededRng,
  startOutbound,
  startUpstream,
  type TestUpstream,
} from '../http/test-support/fixtures.js';
import type { ResolvedTrafficPolicy } from '@mesh/rules';
import { ActiveRequests } from './active-requests.js';
import { clusterHealthView } from './index.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const URL = `http://${REVIEWS}:9080/reviews/0`;
const CLUSTER = `outbound|9080||${REVIEWS}`;
const HERE = 'us-east/zone-a';
const THERE = 'us-east/zone-b';

let localFails = false;
let local1: TestUpstream;
let local2: TestUpstream;
let remote: TestUpstream;

/** The three endpoints (two here, one in the other zone) under `trafficPolicy`. */
function zonesTable(trafficPolicy: ResolvedTrafficPolicy) {
  return buildTable({
    proxyLocality: HERE,
    clusters: [
      {
        host: REVIEWS,
        endpoints: [
          endpointBody(local1.port, { locality: HERE }),
          endpointBody(remote.port, { locality: THERE }),
          endpointBody(local2.port, { locality: HERE }),
        ],
        trafficPolicy,
      },
    ],
  });
}

beforeAll(async () => {
  const local = (name: string) =>
    startUpstream(name, (_req, res) => {
      res.writeHead(localFails ? 500 : 200, { 'x-upstream': name });
      res.end(localFails ? 'boom' : name);
    });
  local1 = await local('local-1');
  local2 = await local('local-2');
  remote = await startUpstream('remote');
});
afterAll(async () => {
  await local1.close();
  await local2.close();
  await remote.close();
});

it('keeps to its zone while it answers, then fails over to the next zone once it is ejected', async () => {
  const active = new ActiveRequests({ now: () => Date.parse('2025-01-01T00:00:00Z') });
  // No localityLbSetting: Istio's mesh default turns locality LB on, and outlierDetection makes
  // it failover.
  const table = zonesTable({
    loadBalancer: { simple: 'ROUND_ROBIN' },
    outlierDetection: {
      consecutive5xxErrors: 1,
      interval: '1s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 100,
    },
  });
  const proxy = await startOutbound(table, { active, rng: seededRng(3) });
  const local = () => local1.requests.length + local2.requests.length;
  try {
    // Healthy: the zone takes everything, both of its endpoints in turn.
    for (let i = 0; i < 20; i++) {
      const res = await proxy.request(URL);
      expect(res.status).toBe(200);
      expect(res.headers['x-upstream']).toMatch(/^local-/);
    }
    expect([local1.requests.length, local2.requests.length]).toEqual([10, 10]);
    expect(remote.requests).toHaveLength(0);

    // The zone breaks. The first failure still comes from it: nothing was ejected yet.
    localFails = true;
    const first = await proxy.request(URL);
    expect(first.status).toBe(500);
    expect(remote.requests).toHaveLength(0);

    // With one of two ejected, Envoy gives the zone 70% (1.4 x 50% healthy) and spills the rest;
    // the other local endpoint fails its first request too and goes out.
    for (let i = 0; i < 50 && local() < 22; i++) {
      const res = await proxy.request(URL);
      if (res.status === 500) expect(res.headers['x-upstream']).toMatch(/^local-/);
      else expect([res.status, res.headers['x-upstream']]).toEqual([200, 'remote']);
    }
    expect(local()).toBe(22);

    const view = clusterHealthView(table, active).find((c) => c.name === CLUSTER)!;
    expect(view.outlierDetection?.ejectedEndpoints).toBe(2);
    // Every endpoint is watched, the other zone's too; the zone's two are out.
    expect(
      view.endpoints.map((e) => [e.locality, e.priority, !!e.outlier, e.ejected !== undefined]),
    ).toEqual([
      [HERE, 0, true, true],
      [THERE, 1, true, false],
      [HERE, 0, true, true],
    ]);

    // Both out: every request goes to the next zone and succeeds.
    const remoteBefore = remote.requests.length;
    for (let i = 0; i < 20; i++) {
      const res = await proxy.request(URL);
      expect([res.status, res.headers['x-upstream'], res.body]).toEqual([200, 'remote', 'remote']);
    }
    expect(remote.requests).toHaveLength(remoteBefore + 20);
    expect(local()).toBe(22);
  } finally {
    await proxy.close();
  }
});

it('without outlierDetection spreads over every zone from the start', async () => {
  localFails = false;
  const counts = [local1, local2, remote].map((u) => u.requests.length);
  const table = zonesTable({ loadBalancer: { simple: 'ROUND_ROBIN' } });
  const proxy = await startOutbound(table, { active: new ActiveRequests() });
  try {
    for (let i = 0; i < 9; i++) expect((await proxy.request(URL)).status).toBe(200);
    // Round robin over all three: three each, the other zone included.
    expect([local1, local2, remote].map((u, i) => u.requests.length - counts[i]!)).toEqual([
      3, 3, 3,
    ]);
  } finally {
    await proxy.close();
  }
});

it('with `distribute`, splits by locality weight from the first request, no outlierDetection needed', async () => {
  localFails = false;
  const counts = [local1, local2, remote].map((u) => u.requests.length);
  // The istio.io task's shape: most traffic to the other zone, the rest stays home.
  const table = zonesTable({
    loadBalancer: {
      simple: 'ROUND_ROBIN',
      localityLbSetting: {
        distribute: [{ from: 'us-east/zone-a/*', to: { [HERE]: 20, [THERE]: 80 } }],
      },
    },
  });
  const proxy = await startOutbound(table, { active: new ActiveRequests(), rng: seededRng(5) });
  const n = 1_000;
  try {
    for (let i = 0; i < n; i++) expect((await proxy.request(URL)).status).toBe(200);
    const [a, b, r] = [local1, local2, remote].map((u, i) => u.requests.length - counts[i]!);
    // 80% to zone-b within 5 standard deviations of a binomial over n; zone-a's two share 20%.
    const sd = Math.sqrt((0.8 * 0.2) / n);
    expect(Math.abs(r! / n - 0.8)).toBeLessThan(5 * sd);
    expect(Math.abs(a! - b!)).toBeLessThanOrEqual(1);
    const view = clusterHealthView(table, new ActiveRequests()).find((c) => c.name === CLUSTER)!;
    // The weight is the locality's: zone-a's two endpoints share its 20.
    expect(view.endpoints.map((e) => [e.locality, e.localityWeight])).toEqual([
      [HERE, 20],
      [THERE, 80],
      [HERE, 20],
    ]);
  } finally {
    await proxy.close();
  }
});
