// The control plane as users run it: `mesh-control-plane` as a real process (local mode with its
// embedded store, or replicas on a real etcd), driven by `meshctl` processes and by simulated
// proxies on the real discovery stream. The lead's CI builds first; these tests build nothing.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TYPE_URLS,
  type EndpointsBody,
  type ProxyStatusRow,
  type RouteTableBody,
} from '@mesh/proto';
import { freePort, startEtcd, type TestEtcd } from '@mesh/store/testing';
import {
  meshctl,
  repo,
  runningPids,
  startControlPlane,
  stopAllControlPlanes,
  type ControlPlaneProcess,
  type Env,
} from './support/processes.js';
import { bookinfoNode, closeAllProxies, SimProxy } from './support/sim-proxy.js';
import { httpGet, lines, sleep, tableRows, waitFor } from './support/wait.js';

const SAMPLE_DRS = 'samples/bookinfo/destination-rule-all.yaml';
const SAMPLE_VSS = 'samples/bookinfo/virtual-service-all-v1.yaml';
const SAMPLE_VSS_ABS = join(repo, SAMPLE_VSS);
const REVIEWS_V3 = 'samples/bookinfo/tasks/virtual-service-reviews-v3.yaml';
const BOOKINFO = ['productpage', 'reviews', 'ratings', 'details'];
const REVIEWS_CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';
const DETAILS_CLUSTER = 'outbound|9080||details.default.svc.cluster.local';
const REVIEWS_V1_CLUSTER = 'outbound|9080|v1|reviews.default.svc.cluster.local';
const SYNCED_ROW = ['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED'];

const created = (kind: string, name: string) => `${kind}.networking.istio.io/${name} created`;

function vsYaml(name: string, host: string, subset?: string): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  hosts:',
    `    - ${host}`,
    '  http:',
    '    - route:',
    '        - destination:',
    `            host: ${host}`,
    ...(subset ? [`            subset: ${subset}`] : []),
    '',
  ].join('\n');
}

function drYaml(name: string, host: string, subsets: readonly string[]): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: DestinationRule',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  host: ${host}`,
    '  subsets:',
    ...subsets.flatMap((s) => [`    - name: ${s}`, '      labels:', `        version: ${s}`]),
    '',
  ].join('\n');
}

const stream = (...docs: string[]) => docs.join('---\n');

/** The four type columns of a proxy-status row, CLUSTERS ENDPOINTS LISTENERS ROUTES. */
function stateOf(row: ProxyStatusRow | undefined): string[] {
  const order = [TYPE_URLS.clusters, TYPE_URLS.endpoints, TYPE_URLS.listeners, TYPE_URLS.routes];
  return order.map((t) => row?.types.find((s) => s.typeUrl === t)?.state ?? 'MISSING');
}

async function syncz(http: string): Promise<ProxyStatusRow[]> {
  const res = await httpGet(http, '/debug/syncz');
  if (res.status !== 200) throw new Error(`/debug/syncz: HTTP ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as ProxyStatusRow[];
}

async function readyz(http: string): Promise<{ status: number; body: string }> {
  const res = await httpGet(http, '/readyz');
  return { status: res.status, body: res.body };
}

afterEach(() => closeAllProxies());
afterAll(async () => {
  closeAllProxies();
  await stopAllControlPlanes();
  expect(runningPids()).toEqual([]);
});

describe('a local control plane (embedded store in $MESH_HOME)', () => {
  let home: string;
  let work: string;
  let cp: ControlPlaneProcess;

  /** meshctl as the user on this machine runs it: same MESH_HOME, address from the env. */
  const ctl = (args: readonly string[], env: Env = {}) =>
    meshctl(args, { env: { MESH_HOME: home, MESH_CONTROL_PLANE: cp.grpc, ...env } });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mesh-e2e-home-'));
    work = mkdtempSync(join(tmpdir(), 'mesh-e2e-work-'));
    cp = await startControlPlane({ home });
  });

  afterAll(async () => {
    await stopAllControlPlanes();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('starts in local mode: a 0600 token in $MESH_HOME, healthy, then ready', async () => {
    expect(cp.name).toBe(`control-plane-${hostname()}-${cp.pid}`);
    expect(cp.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(cp.http).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(cp.grpcPort).toBeGreaterThan(0);
    expect(cp.httpPort).toBeGreaterThan(0);
    expect(cp.store).toBe(`embedded store (${join(home, 'data')})`);

    const tokenFile = join(home, 'token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile, 'utf8')).toMatch(/^\S{16,}\n?$/);

    const health = await httpGet(cp.http, '/healthz');
    expect(health.status).toBe(200);

    const ready = await waitFor(
      '/readyz to answer 200',
      () => httpGet(cp.http, '/readyz'),
      (r) => r.status === 200,
      5000,
    );
    expect(ready.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, reasons: [] });
  });

  it('applies Bookinfo: created, then unchanged, then configured; get shows what is stored', async () => {
    const first = await ctl(['apply', '-f', SAMPLE_DRS, '-f', SAMPLE_VSS]);
    expect({ code: first.code, out: lines(first.out) }).toEqual({
      code: 0,
      out: [
        ...BOOKINFO.map((n) => created('destinationrule', n)),
        ...BOOKINFO.map((n) => created('virtualservice', n)),
      ],
    });

    const again = await ctl(['apply', '-f', SAMPLE_DRS, '-f', SAMPLE_VSS]);
    expect({ code: again.code, out: lines(again.out) }).toEqual({
      code: 0,
      out: [
        ...BOOKINFO.map((n) => `destinationrule.networking.istio.io/${n} unchanged`),
        ...BOOKINFO.map((n) => `virtualservice.networking.istio.io/${n} unchanged`),
      ],
    });

    // The same file with reviews moved to v2.
    const modified = join(work, 'virtual-service-all-v1-reviews-v2.yaml');
    const text = readFileSync(SAMPLE_VSS_ABS, 'utf8');
    const changed = text.replace(
      /(name: reviews\n[\s\S]*?subset: )v1/,
      (_m, head: string) => `${head}v2`,
    );
    expect(changed).not.toBe(text);
    writeFileSync(modified, changed);
    const third = await ctl(['apply', '-f', modified]);
    expect({ code: third.code, out: lines(third.out) }).toEqual({
      code: 0,
      out: BOOKINFO.map(
        (n) =>
          `virtualservice.networking.istio.io/${n} ${n === 'reviews' ? 'configured' : 'unchanged'}`,
      ),
    });

    const table = await ctl(['get', 'vs', '-A']);
    expect(table.code).toBe(0);
    const rows = tableRows(table.out);
    expect(rows[0]).toEqual(['NAMESPACE', 'NAME', 'HOSTS', 'GATEWAYS', 'RESOURCE VERSION']);
    expect(rows.slice(1).map((r) => r.slice(0, 4))).toEqual(
      [...BOOKINFO].sort().map((n) => ['default', n, n, '<none>']),
    );
    for (const r of rows.slice(1)) expect(r[4]).toMatch(/^\d+$/);
    const reviewsVersion = rows.find((r) => r[1] === 'reviews')![4]!;
    // reviews was written after the others, so its version is newer.
    expect(Number(reviewsVersion)).toBeGreaterThan(
      Number(rows.find((r) => r[1] === 'details')![4]),
    );

    const yaml = await ctl(['get', 'vs', 'reviews', '-o', 'yaml']);
    expect(yaml).toEqual({
      code: 0,
      err: '',
      out: [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata:',
        '  name: reviews',
        '  namespace: default',
        `  resourceVersion: "${reviewsVersion}"`,
        'spec:',
        '  hosts:',
        '    - reviews',
        '  http:',
        '    - route:',
        '        - destination:',
        '            host: reviews',
        '            subset: v2',
        '',
      ].join('\n'),
    });
    const roundTrip = join(work, 'reviews-from-get.yaml');
    writeFileSync(roundTrip, yaml.out);
    const reapplied = await ctl(['apply', '-f', roundTrip]);
    expect({ code: reapplied.code, out: reapplied.out }).toEqual({
      code: 0,
      out: 'virtualservice.networking.istio.io/reviews unchanged\n',
    });

    const json = await ctl(['get', 'dr', 'reviews', '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: {
        name: 'reviews',
        namespace: 'default',
        resourceVersion: expect.stringMatching(/^\d+$/),
      },
      spec: {
        host: 'reviews',
        subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })),
      },
    });
  });

  it('rejects a batch with one invalid document whole, reporting it as validate does', async () => {
    const file = join(work, 'batch.yaml');
    const bad = [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  name: batch-bad',
      'spec:',
      '  hosts:',
      '    - batch-bad',
      '  http:',
      '    - timeout: 5x',
      '      route:',
      '        - destination:',
      '            host: batch',
      '',
    ].join('\n');
    const text = stream(
      drYaml('batch-dr', 'batch', ['v1']),
      vsYaml('batch-ok', 'batch', 'v1'),
      bad,
    );
    writeFileSync(file, text);
    const badLine = text.split('\n').indexOf('    - timeout: 5x') + 1;

    const validate = await meshctl(['validate', '-f', file]);
    expect(validate.code).toBe(1);
    const validateErrors = lines(validate.out);
    expect(validateErrors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${escapeRegExp(file)}:${badLine}: VirtualService default/batch-bad: spec\\.http\\[0\\]\\.timeout: .*5x`,
        ),
      ),
    ]);

    const apply = await ctl(['apply', '-f', file]);
    expect(apply.code).toBe(1);
    expect(apply.out).toBe('');
    const errLines = lines(apply.err);
    // Errors in validate's format (warnings may come along, prefixed `warning:`), then the summary.
    expect(
      errLines.filter((l) => l.startsWith(`${file}:`) && !/^[^ ]+:\d+: warning: /.test(l)),
    ).toEqual(validateErrors);
    expect(errLines.at(-1)).toBe('error: nothing was applied (1 error)');

    for (const [kind, type, name] of [
      ['DestinationRule', 'dr', 'batch-dr'],
      ['VirtualService', 'vs', 'batch-ok'],
      ['VirtualService', 'vs', 'batch-bad'],
    ] as const) {
      const get = await ctl(['get', type, name]);
      expect({ name, code: get.code, out: get.out, err: get.err }).toEqual({
        name,
        code: 1,
        out: '',
        err: `Error: ${kind} default/${name} not found\n`,
      });
    }
  });

  it('refuses a stale resourceVersion with a conflict and keeps the newer write', async () => {
    const base = await ctl(['apply', '-f', SAMPLE_DRS, '-f', SAMPLE_VSS]);
    expect(base.code).toBe(0);
    const read = await ctl(['get', 'vs', 'reviews', '-o', 'yaml']);
    expect(read.code).toBe(0);
    const readVersion = /resourceVersion: "(\d+)"/.exec(read.out)?.[1];
    expect(readVersion).toBeDefined();
    const stale = join(work, 'reviews-stale.yaml');
    writeFileSync(stale, read.out.replace('subset: v1', 'subset: v2'));

    const change = await ctl(['apply', '-f', REVIEWS_V3]);
    expect({ code: change.code, out: change.out }).toEqual({
      code: 0,
      out: 'virtualservice.networking.istio.io/reviews configured\n',
    });
    const moved = await ctl(['get', 'vs', 'reviews', '-o', 'yaml']);
    const movedVersion = /resourceVersion: "(\d+)"/.exec(moved.out)?.[1];
    expect(Number(movedVersion)).toBeGreaterThan(Number(readVersion));

    const conflict = await ctl(['apply', '-f', stale]);
    expect(conflict.code).toBe(1);
    expect(conflict.out).toBe('');
    expect(conflict.err).toMatch(/^Error: .*VirtualService default\/reviews.*stale/m);
    expect(conflict.err).toContain(
      'hint: the resource changed since it was read. Read it again (meshctl get virtualservice reviews -n default -o yaml)',
    );

    const after = await ctl(['get', 'vs', 'reviews', '-o', 'yaml']);
    expect(after.out).toBe(moved.out);
    expect(after.out).toContain('subset: v3');
  });

  it('needs the bearer token to write: from $MESH_HOME/token, MESH_TOKEN or --token', async () => {
    const file = join(work, 'auth-check.yaml');
    writeFileSync(file, vsYaml('auth-check', 'auth-check'));
    const emptyHome = mkdtempSync(join(tmpdir(), 'mesh-e2e-nohome-'));
    try {
      const anonymous = await ctl(['apply', '-f', file], { MESH_HOME: emptyHome });
      expect(anonymous.code).toBe(1);
      expect(anonymous.out).toBe('');
      expect(anonymous.err).toMatch(/^Error: the control plane refused the call: unauthenticated/);

      const wrong = await ctl(['apply', '-f', file, '--token', 'wrong']);
      expect(wrong.code).toBe(1);
      expect(wrong.out).toBe('');
      expect(wrong.err).toMatch(/^Error: the control plane refused the call: unauthenticated/);

      const notStored = await ctl(['get', 'vs', 'auth-check']);
      expect(notStored.code).toBe(1);

      const token = readFileSync(join(home, 'token'), 'utf8').trim();
      const withEnv = await ctl(['apply', '-f', file], { MESH_HOME: emptyHome, MESH_TOKEN: token });
      expect({ code: withEnv.code, out: withEnv.out }).toEqual({
        code: 0,
        out: `${created('virtualservice', 'auth-check')}\n`,
      });

      const fromFile = await ctl(['delete', 'vs', 'auth-check']);
      expect({ code: fromFile.code, out: fromFile.out }).toEqual({
        code: 0,
        out: 'virtualservice.networking.istio.io "auth-check" deleted\n',
      });
    } finally {
      rmSync(emptyHome, { recursive: true, force: true });
    }
  });

  it('deletes by file and by name; a missing name fails unless --ignore-not-found', async () => {
    const file = join(work, 'delete-me.yaml');
    writeFileSync(
      file,
      stream(
        drYaml('delete-me', 'delete-me', ['v1']),
        vsYaml('delete-me-1', 'delete-me', 'v1'),
        vsYaml('delete-me-2', 'delete-me-2'),
      ),
    );
    const applied = await ctl(['apply', '-f', file]);
    expect(applied.code).toBe(0);
    expect(lines(applied.out)).toHaveLength(3);

    const byFile = await ctl(['delete', '-f', file]);
    expect({ code: byFile.code, out: lines(byFile.out) }).toEqual({
      code: 0,
      out: [
        'destinationrule.networking.istio.io "delete-me" deleted',
        'virtualservice.networking.istio.io "delete-me-1" deleted',
        'virtualservice.networking.istio.io "delete-me-2" deleted',
      ],
    });
    const names = await ctl(['get', 'vs,dr', '-A', '-o', 'name']);
    expect(names.code).toBe(0);
    expect(names.out).not.toMatch(/delete-me/);

    expect((await ctl(['apply', '-f', file])).code).toBe(0);
    const byName = await ctl(['delete', 'vs', 'delete-me-1']);
    expect({ code: byName.code, out: byName.out }).toEqual({
      code: 0,
      out: 'virtualservice.networking.istio.io "delete-me-1" deleted\n',
    });
    const gone = await ctl(['get', 'vs', 'delete-me-1']);
    expect(gone.code).toBe(1);
    const kept = await ctl(['get', 'vs', 'delete-me-2', '-o', 'name']);
    expect(kept).toEqual({
      code: 0,
      out: 'virtualservice.networking.istio.io/delete-me-2\n',
      err: '',
    });

    const nope = await ctl(['delete', 'vs', 'nope']);
    expect(nope).toEqual({
      code: 1,
      out: '',
      err: 'Error: VirtualService default/nope not found\n',
    });
    const ignored = await ctl(['delete', 'vs', 'nope', '--ignore-not-found']);
    expect(ignored.code).toBe(0);
    expect(ignored.out).toBe('');
  });

  it('proxy-status shows a synced proxy and one that NACKs routes, which gets no re-push', async () => {
    expect((await ctl(['apply', '-f', SAMPLE_DRS, '-f', SAMPLE_VSS])).code).toBe(0);

    const nackMessage = 'route default/reviews: cannot compile';
    const good = new SimProxy(cp.grpc, bookinfoNode('productpage-v1-1.default'));
    const picky = new SimProxy(cp.grpc, bookinfoNode('reviews-v2-1.default'), (res) =>
      res.typeUrl === TYPE_URLS.routes ? { code: 3, message: nackMessage } : undefined,
    );
    await good.until(
      () => BOOKINFO.every((n) => good.names(TYPE_URLS.routes).includes(`default/${n}`)),
      'the Bookinfo route tables',
    );
    await picky.until(
      () => picky.responsesOf(TYPE_URLS.routes).length > 0,
      'a RouteTable response',
    );

    const settled = await waitFor(
      'proxy-status states on /debug/syncz',
      () => syncz(cp.http),
      (rows) =>
        rows.length === 2 &&
        stateOf(rows.find((r) => r.proxyId === good.node.id)).join() === SYNCED_ROW.join() &&
        stateOf(rows.find((r) => r.proxyId === picky.node.id)).join() ===
          'SYNCED,SYNCED,SYNCED,ERROR',
      10_000,
    );
    expect(settled).toHaveLength(2);
    await Promise.all([good.settle(), picky.settle()]);

    const table = await ctl(['proxy-status']);
    expect(table.code).toBe(0);
    expect(tableRows(table.out)).toEqual([
      ['NAME', 'NAMESPACE', 'CONTROL PLANE', 'CLUSTERS', 'ENDPOINTS', 'LISTENERS', 'ROUTES'],
      ['productpage-v1-1.default', 'default', cp.name, ...SYNCED_ROW],
      ['reviews-v2-1.default', 'default', cp.name, 'SYNCED', 'SYNCED', 'SYNCED', 'ERROR'],
      [`reviews-v2-1.default routes: ${nackMessage}`],
    ]);
    // The NACK line comes after a blank line under the table.
    expect(table.out).toMatch(/\n\nreviews-v2-1\.default routes: /);

    const json = await ctl(['proxy-status', '-o', 'json']);
    expect(json.code).toBe(0);
    const { proxies } = JSON.parse(json.out) as { proxies: ProxyStatusRow[] };
    expect(proxies.map((p) => [p.proxyId, p.workload, p.namespace, p.controlPlane])).toEqual([
      ['productpage-v1-1.default', 'productpage-v1', 'default', cp.name],
      ['reviews-v2-1.default', 'reviews-v2', 'default', cp.name],
    ]);
    for (const t of proxies[0]!.types) {
      const acked = good.applied(t.typeUrl);
      expect(acked).not.toBe('');
      expect(t).toEqual({
        typeUrl: t.typeUrl,
        state: 'SYNCED',
        sentVersion: acked,
        sentNonce: expect.any(String),
        ackedVersion: acked,
        lastError: '',
      });
    }
    const lastRoutes = picky.responsesOf(TYPE_URLS.routes).at(-1)!;
    expect(proxies[1]!.types.find((t) => t.typeUrl === TYPE_URLS.routes)).toEqual({
      typeUrl: TYPE_URLS.routes,
      state: 'ERROR',
      sentVersion: lastRoutes.versionInfo,
      sentNonce: lastRoutes.nonce,
      ackedVersion: '',
      lastError: nackMessage,
    });
    // Both proxies are sent the same route tables (same namespace, no Sidecar).
    expect(lastRoutes.versionInfo).toBe(good.applied(TYPE_URLS.routes));

    // What the control plane wants the proxy to hold is what it holds.
    const snap = await httpGet(cp.http, `/debug/snapshotz?proxy=${good.node.id}`);
    expect(snap.status).toBe(200);
    const snapshot = JSON.parse(snap.body) as Record<
      string,
      { version: string; resources: { name: string }[] }
    >;
    for (const type of [
      TYPE_URLS.clusters,
      TYPE_URLS.endpoints,
      TYPE_URLS.listeners,
      TYPE_URLS.routes,
    ]) {
      expect({
        type,
        version: snapshot[type]?.version,
        names: snapshot[type]?.resources.map((r) => r.name),
      }).toEqual({
        type,
        version: good.applied(type),
        names: good.names(type),
      });
    }

    // A NACKed version is not pushed again: the proxy would only reject it again. Another
    // proxy joining makes a push (its service is new to everyone) that leaves routes alone.
    const mark = picky.responses.length;
    const newcomer = new SimProxy(cp.grpc, bookinfoNode('details-v1-1.default'));
    await picky.until(
      () =>
        picky
          .responsesOf(TYPE_URLS.clusters, mark)
          .some((r) => r.resources.some((c) => c.name === DETAILS_CLUSTER)),
      'the push of the details cluster',
    );
    await newcomer.until(() => newcomer.names(TYPE_URLS.routes).length > 0, 'its routes');
    await sleep(1000);
    expect(picky.responsesOf(TYPE_URLS.routes, mark)).toEqual([]);
    expect(picky.ended).toBeUndefined();
    const still = await syncz(cp.http);
    expect(stateOf(still.find((r) => r.proxyId === picky.node.id))[3]).toBe('ERROR');
  });

  it('keeps its config across a restart with the same MESH_HOME', async () => {
    expect((await ctl(['apply', '-f', SAMPLE_DRS, '-f', SAMPLE_VSS])).code).toBe(0);
    const vsBefore = await ctl(['get', 'vs', '-A']);
    const drBefore = await ctl(['get', 'dr', '-A']);
    expect(vsBefore.code).toBe(0);
    expect(tableRows(vsBefore.out).map((r) => r[1])).toEqual(expect.arrayContaining(BOOKINFO));
    const token = readFileSync(join(home, 'token'), 'utf8');
    // A connected proxy does not hold the shutdown up; its stream is closed so it can reconnect.
    const proxy = new SimProxy(cp.grpc, bookinfoNode('ratings-v1-1.default'));
    await proxy.until(
      () => proxy.names(TYPE_URLS.routes).includes('default/ratings'),
      'its routes before the stop',
    );

    const stopped = await cp.stop();
    expect(stopped).toEqual({ code: 0, signal: null, killed: false, ms: expect.any(Number) });
    expect(stopped.ms).toBeLessThan(5000);
    await proxy.until(() => proxy.ended !== undefined, 'its stream to end with the control plane');

    cp = await startControlPlane({ home });
    expect(cp.store).toBe(`embedded store (${join(home, 'data')})`);
    // The token is read back, not replaced.
    expect(readFileSync(join(home, 'token'), 'utf8')).toBe(token);
    await waitFor(
      '/readyz 200 after the restart',
      () => readyz(cp.http),
      (r) => r.status === 200,
      5000,
    );

    const vsAfter = await ctl(['get', 'vs', '-A']);
    expect(vsAfter).toEqual(vsBefore);
    expect(await ctl(['get', 'dr', '-A'])).toEqual(drBefore);
  });
});

describe('meshctl without a control plane', () => {
  it('exits 3 naming the address it cannot reach', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mesh-e2e-nocp-'));
    try {
      const port = await freePort();
      const r = await meshctl(['get', 'vs', '--control-plane', `127.0.0.1:${port}`], {
        env: { MESH_HOME: home },
      });
      expect(r.code).toBe(3);
      expect(r.out).toBe('');
      expect(r.err).toContain(`cannot reach the control plane at 127.0.0.1:${port}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('replicas sharing one etcd', () => {
  const TTL_SECONDS = 2;
  let etcd: TestEtcd | undefined;
  let dir: string;
  let token: string;
  let tokenFile: string;

  const replica = (name: string) =>
    startControlPlane({
      home: join(dir, 'home'),
      args: [
        '--etcd-endpoints',
        etcd!.endpoint,
        '--token-file',
        tokenFile,
        '--registry-ttl',
        String(TTL_SECONDS),
        '--name',
        name,
      ],
    });

  /** meshctl from a machine without a local control plane: address flag and MESH_TOKEN. */
  const ctlAt = (cp: ControlPlaneProcess, args: readonly string[]) =>
    meshctl([...args, '--control-plane', cp.grpc], {
      env: { MESH_HOME: join(dir, 'client-home'), MESH_TOKEN: token },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-e2e-etcd-'));
    mkdirSync(join(dir, 'home'));
    mkdirSync(join(dir, 'client-home'));
    token = randomBytes(24).toString('hex');
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    etcd = await startEtcd();
  });

  // Each case starts its own replicas and leaves none behind for the next.
  afterEach(async () => {
    closeAllProxies();
    await stopAllControlPlanes();
  });

  afterAll(async () => {
    closeAllProxies();
    await stopAllControlPlanes();
    await etcd?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a change applied through one replica reaches proxies of the other; a dead replica's proxies expire", async () => {
    const [a, b] = await Promise.all([replica('cp-a'), replica('cp-b')]);
    expect(a.store).toBe(`etcd at ${etcd!.endpoint}`);

    const onB = new SimProxy(b.grpc, bookinfoNode('productpage-v1-1.default'));
    await onB.until(() => onB.names(TYPE_URLS.listeners).length > 0, 'its first listeners');

    const file = join(dir, 'reviews.yaml');
    writeFileSync(
      file,
      stream(drYaml('reviews', 'reviews', ['v1', 'v2']), vsYaml('reviews', 'reviews', 'v1')),
    );
    const applied = await ctlAt(a, ['apply', '-f', file]);
    expect({ code: applied.code, out: lines(applied.out) }).toEqual({
      code: 0,
      out: [created('destinationrule', 'reviews'), created('virtualservice', 'reviews')],
    });
    await onB.until(
      () => onB.names(TYPE_URLS.routes).includes('default/reviews'),
      'the reviews route table applied through cp-a',
    );
    const route = onB.body<RouteTableBody>(TYPE_URLS.routes, 'default/reviews')!;
    expect(route.virtualService.spec.http?.[0]?.route?.[0]?.destination?.subset).toBe('v1');

    const reviews = bookinfoNode('reviews-v1-1.default');
    expect(reviews.labels).toEqual({ app: 'reviews', version: 'v1' });
    const onA = new SimProxy(a.grpc, reviews);
    const hasReviewsEndpoint = (cluster: string) =>
      (onB.body<EndpointsBody>(TYPE_URLS.endpoints, cluster)?.endpoints ?? []).some(
        (e) => e.source === 'proxy reviews-v1-1.default' && e.port === 9080,
      );
    await onB.until(
      () => hasReviewsEndpoint(REVIEWS_CLUSTER) && hasReviewsEndpoint(REVIEWS_V1_CLUSTER),
      'the endpoint of reviews-v1-1 (connected to cp-a)',
    );
    expect(
      onB.body<EndpointsBody>(
        TYPE_URLS.endpoints,
        'outbound|9080|v2|reviews.default.svc.cluster.local',
      )?.endpoints,
    ).toEqual([]);

    await waitFor(
      'both proxies synced',
      async () => [...(await syncz(a.http)), ...(await syncz(b.http))],
      (rows) => rows.length === 2 && rows.every((r) => stateOf(r).join() === SYNCED_ROW.join()),
      10_000,
    );
    await Promise.all([onA.settle(), onB.settle()]);
    const status = await ctlAt(b, ['proxy-status']);
    expect(status.code).toBe(0);
    expect(tableRows(status.out)).toEqual([
      ['NAME', 'NAMESPACE', 'CONTROL PLANE', 'CLUSTERS', 'ENDPOINTS', 'LISTENERS', 'ROUTES'],
      ['productpage-v1-1.default', 'default', 'cp-b', ...SYNCED_ROW],
      ['reviews-v1-1.default', 'default', 'cp-a', ...SYNCED_ROW],
    ]);

    // cp-a crashes: its proxy's stream ends, and the proxy's record outlives it by the lease TTL.
    await a.kill();
    await onA.until(() => onA.ended !== undefined, 'its stream to end after cp-a died');
    // The lease runs out TTL_SECONDS after cp-a's last keepalive; etcd then revokes it on its own
    // schedule and cp-b's watch pushes the removal. Generous: a busy machine delays every step,
    // and a record that never expires still fails here.
    await onB.until(
      () => !onB.names(TYPE_URLS.endpoints).includes(REVIEWS_CLUSTER),
      'the reviews endpoints to go with the dead replica',
      15_000,
    );
    expect(onB.names(TYPE_URLS.clusters)).not.toContain(REVIEWS_CLUSTER);
    expect(onB.ended).toBeUndefined();
    // The route itself is config, not registry: it stays.
    expect(onB.names(TYPE_URLS.routes)).toContain('default/reviews');

    // The proxy reconnects to the surviving replica and its endpoints come back.
    const again = new SimProxy(b.grpc, reviews);
    await onB.until(
      () => hasReviewsEndpoint(REVIEWS_CLUSTER),
      'the reviews endpoint after reviews-v1-1 reconnected to cp-b',
    );
    await again.until(
      () => again.names(TYPE_URLS.routes).includes('default/reviews'),
      'its routes',
    );
    const after = await ctlAt(b, ['proxy-status', '-o', 'json']);
    expect(after.code).toBe(0);
    expect(
      (JSON.parse(after.out) as { proxies: ProxyStatusRow[] }).proxies.map((p) => [
        p.proxyId,
        p.controlPlane,
      ]),
    ).toEqual([
      ['productpage-v1-1.default', 'cp-b'],
      ['reviews-v1-1.default', 'cp-b'],
    ]);
  });

  it('serves connected proxies while etcd is down, refuses writes, and recovers', async () => {
    const cp = await replica('cp-c');
    const base = join(dir, 'ratings.yaml');
    writeFileSync(base, vsYaml('ratings', 'ratings'));
    expect((await ctlAt(cp, ['apply', '-f', base])).code).toBe(0);

    const proxy = new SimProxy(cp.grpc, bookinfoNode('details-v1-1.default'));
    await proxy.until(
      () =>
        proxy.names(TYPE_URLS.routes).includes('default/ratings') &&
        proxy.names(TYPE_URLS.clusters).includes(DETAILS_CLUSTER),
      'the ratings route and its own service',
    );
    await proxy.settle();
    const held = proxy.heldCopy();

    await etcd!.stop();
    const down = await waitFor(
      '/readyz 503 after etcd stopped',
      () => readyz(cp.http),
      (r) => r.status === 503,
      15_000,
    );
    const reasons = JSON.parse(down.body) as { ready: boolean; reasons: string[] };
    expect(reasons.ready).toBe(false);
    expect(reasons.reasons.join('\n')).toMatch(/unreachable/);

    const downFile = join(dir, 'while-down.yaml');
    writeFileSync(downFile, vsYaml('while-down', 'details'));
    const refused = await ctlAt(cp, ['apply', '-f', downFile]);
    expect(refused.code).toBe(3);
    expect(refused.out).toBe('');
    expect(refused.err).toContain(`the control plane at ${cp.grpc} is unavailable`);
    expect(refused.err).toMatch(/etcd/);

    // The proxy keeps its stream and everything it was sent.
    expect(proxy.ended).toBeUndefined();
    expect(proxy.heldCopy()).toEqual(held);

    await etcd!.restart();
    const restartedAt = Date.now();
    await waitFor(
      '/readyz 200 after etcd restarted',
      () => readyz(cp.http),
      (r) => r.status === 200,
      15_000,
    );

    const mark = proxy.responses.length;
    const backFile = join(dir, 'after-restart.yaml');
    writeFileSync(backFile, vsYaml('after-restart', 'details'));
    const applied = await ctlAt(cp, ['apply', '-f', backFile]);
    expect({ code: applied.code, out: applied.out }).toEqual({
      code: 0,
      out: `${created('virtualservice', 'after-restart')}\n`,
    });
    await proxy.until(
      () => proxy.names(TYPE_URLS.routes).includes('default/after-restart'),
      'the route applied after etcd came back',
      10_000,
    );
    await proxy.settle(1000);
    const carrying = proxy
      .responsesOf(TYPE_URLS.routes, mark)
      .filter((r) => r.resources.some((x) => x.name === 'default/after-restart'));
    expect(carrying).toHaveLength(1);
    expect(proxy.names(TYPE_URLS.routes)).not.toContain('default/while-down');
    // The refused write stays refused: nothing stored it later.
    const refusedGet = await ctlAt(cp, ['get', 'vs', 'while-down']);
    expect(refusedGet).toEqual({
      code: 1,
      out: '',
      err: 'Error: VirtualService default/while-down not found\n',
    });

    // The proxy's own registration outlives the outage: once any lease from before it must have
    // expired, its service still has its endpoint.
    await sleep(Math.max(0, restartedAt + 2 * TTL_SECONDS * 1000 + 500 - Date.now()));
    await proxy.until(
      () =>
        (proxy.body<EndpointsBody>(TYPE_URLS.endpoints, DETAILS_CLUSTER)?.endpoints ?? []).some(
          (e) => e.source === 'proxy details-v1-1.default',
        ),
      'its own endpoint in the details service after the outage',
      10_000,
    );
    expect(proxy.ended).toBeUndefined();
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
