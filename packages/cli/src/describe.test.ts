// meshctl describe end to end in-process: real HTTP over loopback (listen(0)) to a server that
// answers with the debug pages recorded from a real control plane (see
// test-support/describe-recorded.ts), byte for byte as the control plane sent them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { DebugPage } from './debug-pages.js';
import { runDescribe, type DescribeOptions } from './describe.js';
import { renderService, renderWorkload } from './describe-render.js';
import { describeService, type Found } from './describe-service.js';
import { describeWorkload } from './describe-workload.js';
import { nodeHttpGet } from './proxy-config-http.js';
import { memoryIo } from './test-support/memory-io.js';
import { pageText, recordedMesh, type Recording } from './test-support/describe-recorded.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A node:http server on 127.0.0.1:0; `answer` returns status and body per path, or hangs. */
async function serve(
  answer: (path: string) => { status: number; body: string } | 'hang',
): Promise<{ address: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const a = answer(req.url ?? '/');
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(a.body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** The control plane's HTTP port as recorded: the three debug pages, 404 for anything else. */
const controlPlane = (
  recording: Recording = 'tasks',
  override: Partial<Record<DebugPage, string>> = {},
) =>
  serve((path) => {
    const page = /^\/debug\/(configz|registryz|syncz)$/.exec(path)?.[1] as DebugPage | undefined;
    if (!page) return { status: 404, body: `not found: ${path}\n` };
    return { status: 200, body: override[page] ?? pageText(recording, page) };
  });

function found<T>(f: Found<T>): T {
  if (!f.ok) throw new Error(f.message);
  return f.value;
}

async function run(options: Partial<DescribeOptions> & { controlPlaneHttp: string }) {
  const io = memoryIo();
  const code = await runDescribe(
    { kind: 'service', name: 'reviews', namespace: 'default', output: 'text', ...options },
    io,
    { httpGet: nodeHttpGet },
  );
  return { code, out: io.out(), err: io.err() };
}

describe('meshctl describe (in-process, real HTTP)', () => {
  it('service: reads the three debug pages once each and prints the description', async () => {
    const cp = await controlPlane();
    const r = await run({ controlPlaneHttp: cp.address });
    expect(r).toEqual({
      code: 0,
      out: renderService(found(describeService(recordedMesh('tasks'), 'reviews', 'default'))),
      err: '',
    });
    expect([...cp.requests].sort()).toEqual(['/debug/configz', '/debug/registryz', '/debug/syncz']);
    expect(r.out).toContain(
      'Traffic from a sidecar in default now (GET / without headers): 50% subset v1 (1 endpoint), 50% subset v3 (1 endpoint)',
    );
  });

  it('workload (alias wl): the same facts seen from the workload', async () => {
    const cp = await controlPlane();
    const r = await run({ controlPlaneHttp: cp.address, kind: 'wl', name: 'reviews-v2' });
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      renderWorkload(found(describeWorkload(recordedMesh('tasks'), 'reviews-v2', 'default'))),
    );
  });

  it('-o json and -o yaml give the same facts as data', async () => {
    const cp = await controlPlane();
    const expected = JSON.parse(
      JSON.stringify(found(describeService(recordedMesh('tasks'), 'reviews', 'default'))),
    ) as unknown;
    const json = await run({ controlPlaneHttp: cp.address, output: 'json' });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(expected);
    const yaml = await run({ controlPlaneHttp: cp.address, output: 'yaml' });
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.out)).toEqual(expected);
  });

  it('an unknown name exits 1 and lists what exists', async () => {
    const cp = await controlPlane();
    const r = await run({ controlPlaneHttp: cp.address, kind: 'workload', name: 'reviews-v9' });
    expect(r).toEqual({
      code: 1,
      out: '',
      err: 'Error: no workload "reviews-v9" in namespace default. Workloads in default: curl, details-v1, httpbin-v1, httpbin-v2, productpage-v1, ratings-v1, reviews-v1, reviews-v2, reviews-v3, tcp-echo-v1, tcp-echo-v2\n',
    });
  });

  it('-n picks the namespace', async () => {
    const cp = await controlPlane();
    const r = await run({
      controlPlaneHttp: cp.address,
      kind: 'workload',
      name: 'istio-ingressgateway',
      namespace: 'istio-system',
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Workload: istio-ingressgateway \(istio-system\)\n/);
  });

  it('no control plane: exit 3 with the address tried and how to start one', async () => {
    const closed = await serve(() => 'hang');
    await new Promise((r) => servers.pop()!.close(r));
    const r = await run({ controlPlaneHttp: closed.address });
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `Error: cannot reach the control plane's HTTP port at ${closed.address}: connect ECONNREFUSED ${closed.address}. ` +
        "Start a local mesh with `meshctl up`, or point --control-plane-http at a running control plane's HTTP port (mesh-control-plane --http-port, 15014 by default).\n",
    );
  });

  it('a port that never answers: exit 3 naming the deadline', async () => {
    const silent = await serve(() => 'hang');
    const r = await run({ controlPlaneHttp: silent.address, timeout: '200ms' });
    expect(r).toEqual({
      code: 3,
      out: '',
      err: `Error: the control plane's HTTP port at ${silent.address} did not answer within 200ms. Check that it is running, or raise --timeout.\n`,
    });
  });

  it('something else on the port (404s): exit 3, asking whether it is the right port', async () => {
    const other = await serve((path) => ({ status: 404, body: `not found: ${path}\n` }));
    const r = await run({ controlPlaneHttp: other.address });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      new RegExp(
        `^Error: the control plane at ${other.address.replace(/\./g, '\\.')} answered /debug/(configz|registryz|syncz) with HTTP 404: not found: /debug/\\w+\\. Is --control-plane-http pointing at a mesh control plane's HTTP port \\(not its gRPC port\\)\\?\\n$`,
      ),
    );
  });

  it('a page of the wrong shape: exit 3 naming the page', async () => {
    const cp = await controlPlane('tasks', { registryz: '{"workloads":[]}\n' });
    const r = await run({ controlPlaneHttp: cp.address });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^Error: \/debug\/registryz: expected a list\. Is --control-plane-http/);
  });

  it('a stored resource this meshctl cannot read is skipped with a warning', async () => {
    const configz = JSON.parse(pageText('demo', 'configz')) as unknown[];
    configz.push({
      resource: { kind: 'Telemetry', apiVersion: 'telemetry.istio.io/v1' },
      resourceVersion: '9',
      createRevision: 9,
    });
    const cp = await controlPlane('demo', { configz: JSON.stringify(configz) });
    const r = await run({ controlPlaneHttp: cp.address });
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      'warning: skipped a stored resource this meshctl cannot read: configz[7]: not an Istio networking resource (telemetry.istio.io/v1); skipped\n',
    );
  });

  it.each<[string, Partial<DescribeOptions>, string]>([
    [
      'an unknown -o',
      { output: 'wide' as never },
      'meshctl: error: -o: "wide" is not one of text, json, yaml\n',
    ],
    [
      'an unknown kind',
      { kind: 'pod' },
      'meshctl: error: cannot describe "pod"; use service (svc) or workload (wl)\n',
    ],
    [
      'no name',
      { name: ' ' },
      'meshctl: error: say which service to describe: meshctl describe service NAME\n',
    ],
    [
      'a bad --timeout',
      { timeout: 'soon' },
      'meshctl: error: --timeout: "soon" is not a duration; use e.g. 10s, 500ms, 1m, or 0 for none\n',
    ],
  ])('usage errors exit 2 before any request: %s', async (_what, options, err) => {
    const cp = await controlPlane();
    const r = await run({ controlPlaneHttp: cp.address, ...options });
    expect(r).toEqual({ code: 2, out: '', err });
    expect(cp.requests).toEqual([]);
  });

  it('a bad --control-plane-http exits 2', async () => {
    const r = await run({ controlPlaneHttp: 'http://a b' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^meshctl: error: --control-plane-http: "http:\/\/a b" is not an address/,
    );
  });
});
