// meshctl analyze without files, end to end in-process: real HTTP over loopback to a server that
// answers /debug/configz and /debug/registryz with pages recorded from a real control plane
// (analyze-live-fixtures/README.md says how they were made).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runAnalyzeLive, type AnalyzeLiveOptions, type LiveReport } from './analyze-live.js';
import { nodeHttpGet } from './proxy-config-http.js';
import { memoryIo } from './test-support/memory-io.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, 'analyze-live-fixtures', name), 'utf8')) as unknown;
const HEALTHY = fixture('healthy-configz.json');
const BROKEN = fixture('broken-configz.json');
const REGISTRY = fixture('registryz.json');

interface Page {
  status?: number;
  /** Sent as JSON unless a string. */
  body: unknown;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A control plane's HTTP port on 127.0.0.1:0, answering by path; `hang` never answers. */
async function controlPlane(
  pages: Record<string, Page | 'hang'> = {
    '/debug/configz': { body: HEALTHY },
    '/debug/registryz': { body: REGISTRY },
  },
): Promise<string> {
  const server = createServer((req, res) => {
    const page = pages[new URL(req.url ?? '/', 'http://x').pathname];
    if (page === 'hang') return;
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: /debug/x\ntry /healthz /readyz /metrics /debug/syncz\n');
      return;
    }
    res.writeHead(page.status ?? 200, { 'content-type': 'application/json' });
    res.end(typeof page.body === 'string' ? page.body : `${JSON.stringify(page.body, null, 2)}\n`);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function run(options: Partial<AnalyzeLiveOptions> & { controlPlaneHttp: string }) {
  const io = memoryIo();
  const code = await runAnalyzeLive({ output: 'text', ...options }, io, { httpGet: nodeHttpGet });
  return { code, out: io.out(), err: io.err() };
}

/** `Severity [code] Kind ns/name: path` of each finding line (hints and messages left out). */
const heads = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^[A-Z]\w+ \[/.test(l))
    .map((l) => l.split(': ').slice(0, 2).join(': '));

describe('meshctl analyze (live mesh)', () => {
  it('a healthy Bookinfo mesh: no findings, exit 0, the summary names what was read', async () => {
    const address = await controlPlane();
    const { code, out, err } = await run({ controlPlaneHttp: address });
    expect(out).toBe('');
    expect(err).toBe(
      `analyzed 7 resources and 12 workloads from the control plane at ${address}: 0 errors, 0 warnings\n`,
    );
    expect(code).toBe(0);
  });

  it('a broken mesh: findings by resource in creation order, exit 1', async () => {
    const address = await controlPlane({
      '/debug/configz': { body: BROKEN },
      '/debug/registryz': { body: REGISTRY },
    });
    const { code, out, err } = await run({ controlPlaneHttp: address });
    expect(heads(out)).toEqual([
      'Error [MESH-A0005] VirtualService default/reviews: spec.hosts[0]',
      'Error [MESH-A0021] VirtualService default/reviews: spec.http[0].route[0].destination.subset',
      'Error [MESH-A0024] VirtualService default/ratings: spec.http[0].route[0].destination.port.number',
      'Error [MESH-A0002] VirtualService default/payments: spec.http[0].route[0].destination.host',
      'Warning [MESH-A0007] DestinationRule default/inventory: spec.host',
      'Warning [MESH-A0022] Gateway default/egress: spec.selector',
      'Warning [MESH-A0023] VirtualService default/via-egress: spec.gateways',
      'Warning [MESH-A0023] VirtualService default/private-frontend: spec.gateways[0]',
      'Warning [MESH-A0022] Sidecar default/reviews-v5: spec.workloadSelector.labels',
      'Warning [MESH-A0022] ServiceEntry default/legacy-billing: spec.workloadSelector.labels',
      'Error [MESH-A0005] VirtualService shop/reviews-canary: spec.hosts[0]',
      'Error [MESH-A0021] VirtualService shop/reviews-canary: spec.http[0].route[0].destination.subset',
    ]);
    // No file:line: the resource is named as <Kind> <ns>/<name>; each finding has its hint.
    expect(out).toContain(
      'Error [MESH-A0021] VirtualService default/reviews: spec.http[0].route[0].destination.subset: subset "v4" of reviews.default.svc.cluster.local selects no endpoints: DestinationRule default/reviews gives it version=v4, and the host\'s 3 registered workloads have version=v1, v2, v3; requests on this route get 503 (UH)\n' +
        '  hint: Route to a subset that has endpoints ("v1", "v2", "v3"), or start workloads labelled version=v4.\n',
    );
    expect(out).toContain(
      'Warning [MESH-A0023] VirtualService default/private-frontend: spec.gateways[0]: Gateway default/bookinfo-gateway is served by proxies in namespace "istio-system" (istio-ingressgateway-3290.istio-system)',
    );
    expect(err).toBe(
      `analyzed 18 resources and 12 workloads from the control plane at ${address}: 6 errors, 6 warnings\n`,
    );
    expect(code).toBe(1);
  });

  it('-o json: the analyze -o json shape, with the control plane in place of files', async () => {
    const address = await controlPlane({
      '/debug/configz': { body: BROKEN },
      '/debug/registryz': { body: REGISTRY },
    });
    const { code, out, err } = await run({ controlPlaneHttp: address, output: 'json' });
    const report = JSON.parse(out) as LiveReport;
    expect(Object.keys(report)).toEqual([
      'controlPlane',
      'resources',
      'workloads',
      'errors',
      'warnings',
      'info',
    ]);
    expect(report.controlPlane).toBe(address);
    expect([report.resources, report.workloads]).toEqual([18, 12]);
    expect(report.errors.map((d) => `${d.code} ${d.namespace}/${d.name}`)).toEqual([
      'MESH-A0005 default/reviews',
      'MESH-A0021 default/reviews',
      'MESH-A0024 default/ratings',
      'MESH-A0002 default/payments',
      'MESH-A0005 shop/reviews-canary',
      'MESH-A0021 shop/reviews-canary',
    ]);
    expect(report.warnings).toHaveLength(6);
    expect(report.errors[1]).toEqual({
      severity: 'error',
      code: 'MESH-A0021',
      kind: 'VirtualService',
      namespace: 'default',
      name: 'reviews',
      path: 'spec.http[0].route[0].destination.subset',
      message: expect.stringContaining('subset "v4"') as string,
      hint: expect.stringContaining('version=v4') as string,
    });
    expect(err).toContain('6 errors, 6 warnings');
    expect(code).toBe(1);
  });

  it('-n reports on one namespace, still analysing it against all the others', async () => {
    const address = await controlPlane({
      '/debug/configz': { body: BROKEN },
      '/debug/registryz': { body: REGISTRY },
    });
    const shop = await run({ controlPlaneHttp: address, namespace: 'shop' });
    expect(heads(shop.out)).toEqual([
      'Error [MESH-A0005] VirtualService shop/reviews-canary: spec.hosts[0]',
      'Error [MESH-A0021] VirtualService shop/reviews-canary: spec.http[0].route[0].destination.subset',
    ]);
    expect(shop.err).toBe(
      `analyzed 2 resources and 0 workloads in namespace "shop" from the control plane at ${address}: 2 errors, 0 warnings\n`,
    );
    expect(shop.code).toBe(1);

    const system = await run({ controlPlaneHttp: address, namespace: 'istio-system' });
    expect([system.out, system.code]).toEqual(['', 0]);
    expect(system.err).toContain('0 resources and 1 workload in namespace "istio-system"');
  });

  it('a stored resource this meshctl rejects is reported and left out of the analysis', async () => {
    const configz = structuredClone(HEALTHY) as { resource: { spec: Record<string, unknown> } }[];
    // What a newer control plane might store: a field this meshctl does not know.
    configz[1]!.resource.spec.newField = true;
    const address = await controlPlane({
      '/debug/configz': { body: configz },
      '/debug/registryz': { body: REGISTRY },
    });
    const { code, out } = await run({ controlPlaneHttp: address });
    expect(out).toBe(
      'Error [MESH-V0001] VirtualService default/bookinfo: spec.newField: unknown field "newField"\n',
    );
    expect(code).toBe(1);
  });

  it('an empty mesh is not an error', async () => {
    const address = await controlPlane({
      '/debug/configz': { body: [] },
      '/debug/registryz': { body: [] },
    });
    const { code, out, err } = await run({ controlPlaneHttp: address });
    expect([code, out]).toEqual([0, '']);
    expect(err).toContain('analyzed 0 resources and 0 workloads');
  });
});

describe('meshctl analyze (live mesh): when the control plane cannot be read', () => {
  it('nothing listening: exit 3, the address tried and how to start a mesh', async () => {
    const address = await controlPlane();
    const closed = servers.pop()!;
    await new Promise((r) => closed.close(r));
    const { code, out, err } = await run({ controlPlaneHttp: address });
    expect(out).toBe('');
    expect(err).toMatch(
      new RegExp(
        `^Error: cannot reach the control plane's HTTP port at ${address}: connect ECONNREFUSED ${address}\\. Start a local mesh with "meshctl up"`,
      ),
    );
    expect(err).toContain('--control-plane-http');
    expect(err).toContain('meshctl analyze -f <file>');
    expect(code).toBe(3);
  });

  it('no answer within --timeout: exit 3', async () => {
    const address = await controlPlane({
      '/debug/configz': 'hang',
      '/debug/registryz': 'hang',
    });
    const { code, err } = await run({ controlPlaneHttp: address, timeout: '200ms' });
    expect(err).toBe(
      `Error: the control plane's HTTP port at ${address} did not answer within 200ms. Check that it is running, or raise --timeout.\n`,
    );
    expect(code).toBe(3);
  });

  it('something that is not a mesh control plane (or one without /debug/registryz): exit 3', async () => {
    const address = await controlPlane({ '/debug/configz': { body: HEALTHY } });
    const { code, err } = await run({ controlPlaneHttp: address });
    expect(err).toBe(
      `Error: the control plane at ${address} answered /debug/registryz with HTTP 404: not found: /debug/x. Is --control-plane-http pointing at a mesh control plane's HTTP port (not its gRPC port)?\n`,
    );
    expect(code).toBe(3);
  });

  it.each([
    { page: '/debug/configz', body: { resources: [] }, says: '/debug/configz: expected a list' },
    { page: '/debug/configz', body: 'not json', says: 'with something that is not JSON' },
    {
      page: '/debug/registryz',
      body: [{ proxyId: 'x' }],
      says: '/debug/registryz[0].workloadName: expected a string',
    },
  ])('$page answering $says: exit 3', async ({ page, body, says }) => {
    const address = await controlPlane({
      '/debug/configz': { body: HEALTHY },
      '/debug/registryz': { body: REGISTRY },
      [page]: { body },
    });
    const { code, err } = await run({ controlPlaneHttp: address });
    expect(err).toContain(says);
    expect(code).toBe(3);
  });

  it.each([
    { options: { controlPlaneHttp: 'not an address!' }, says: '--control-plane-http' },
    { options: { controlPlaneHttp: '127.0.0.1:1', timeout: 'soon' }, says: '--timeout' },
    { options: { controlPlaneHttp: '127.0.0.1:1', output: 'xml' as 'json' }, says: '-o' },
  ])('usage errors exit 2 before any request: $says', async ({ options, says }) => {
    const { code, err } = await run(options);
    expect(err).toMatch(new RegExp(`^meshctl: error: ${says.replace(/-/g, '\\-')}`));
    expect(code).toBe(2);
  });
});
