import { parseMeshConfig } from '@mesh/rules';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  appSpec,
  BOOKINFO_CONFIG,
  BOOKINFO_WORKLOADS,
  CONTROL_PLANE_READY,
  controlPlaneSpec,
  gatewaySpec,
  LOCAL_MESH_CONFIG,
  sidecarSpec,
  type LocalMeshPrograms,
} from './plan.js';

const programs: LocalMeshPrograms = {
  node: '/usr/bin/node',
  controlPlane: '/m/cp.js',
  proxy: '/m/proxy.js',
  proxyNodeFlags: ['--max-semi-space-size=1'],
  bookinfo: '/m/bookinfo.js',
  samples: '/m/samples',
};
const proxy = { outbound: 101, admin: 102, health: 103, inbound: 104, stats: 105 };

describe('local mesh plan', () => {
  it('runs the control plane on the embedded store in the mesh home, or on etcd', () => {
    const embedded = controlPlaneSpec({
      programs,
      meshHome: '/h',
      grpcPort: 15010,
      httpPort: 15014,
      dataDir: '/h/local-mesh/data',
      tokenFile: '/h/token',
    });
    expect(embedded.args).toEqual([
      '/m/cp.js',
      '--grpc-port',
      '15010',
      '--http-port',
      '15014',
      '--token-file',
      '/h/token',
      '--data-dir',
      '/h/local-mesh/data',
    ]);
    expect(embedded.env).toEqual({ MESH_HOME: '/h' });
    const etcd = controlPlaneSpec({
      programs,
      meshHome: '/h',
      grpcPort: 0,
      httpPort: 0,
      dataDir: '/h/d',
      tokenFile: '/h/token',
      etcd: 'http://127.0.0.1:2379',
    });
    expect(etcd.args.slice(-2)).toEqual(['--etcd-endpoints', 'http://127.0.0.1:2379']);
    expect(etcd.args).not.toContain('--data-dir');
  });

  it("reads the control plane's address from the line it prints when it serves", () => {
    const line =
      'mesh-control-plane cp-1 serving grpc 127.0.0.1:41000 http 127.0.0.1:41001 store embedded store (/h/d)';
    const m = CONTROL_PLANE_READY.exec(line)!;
    expect([m[1], m[2], m[3], m[4], m[5]]).toEqual([
      '127.0.0.1',
      '41000',
      '127.0.0.1',
      '41001',
      'embedded store (/h/d)',
    ]);
  });

  it('maps the Gateway ports of the samples (8080, 31400) to the local ingress ports', () => {
    const spec = gatewaySpec({
      programs,
      controlPlane: '127.0.0.1:15010',
      meshConfig: '/h/local-mesh/mesh-config.yaml',
      ports: proxy,
      ingressPort: 8080,
      tcpPort: 31401,
    });
    expect(spec.args.slice(0, 2)).toEqual(['--max-semi-space-size=1', '/m/proxy.js']);
    const flag = (name: string) => spec.args[spec.args.indexOf(name) + 1];
    expect(flag('--gateway-ports')).toBe('8080:8080,31400:31401');
    expect(flag('--labels')).toContain('istio=ingressgateway');
    expect(flag('--control-plane')).toBe('127.0.0.1:15010');
    expect(flag('--health-port')).toBe('103');
    // Every proxy serves Istio's metrics on its own port and reads the local mesh's MeshConfig.
    expect(flag('--stats-port')).toBe('105');
    expect(flag('--mesh-config')).toBe('/h/local-mesh/mesh-config.yaml');
    expect(spec.ports['stats']).toBe('127.0.0.1:105');
    expect(spec.ready).toEqual({ kind: 'http', url: 'http://127.0.0.1:103/healthz/ready' });
  });

  it("points each app at its own sidecar's outbound port, and the sidecar at the app", () => {
    const reviews = BOOKINFO_WORKLOADS.find((w) => w.name === 'reviews-v2')!;
    const options = {
      programs,
      controlPlane: 'cp:1',
      meshConfig: '/m.yaml',
      workload: reviews,
      appPort: 200,
      proxy,
    };
    const app = appSpec(options);
    expect(app.args).toEqual(['/m/bookinfo.js', 'reviews', '--version', 'v2', '--port', '200']);
    expect(app.env).toEqual({ HTTP_PROXY: 'http://127.0.0.1:101' });
    expect(
      app.ready.kind === 'line' &&
        app.ready.pattern.test('bookinfo reviews v2 listening on 127.0.0.1:200'),
    ).toBe(true);
    const sidecar = sidecarSpec(options);
    const flag = (name: string) => sidecar.args[sidecar.args.indexOf(name) + 1];
    expect(flag('--workload')).toBe('reviews-v2');
    expect(flag('--labels')).toBe('app=reviews,version=v2');
    expect(flag('--service-port')).toBe('http:9080:200:104');
    expect(flag('--outbound-port')).toBe('101');
    expect(flag('--stats-port')).toBe('105');
    expect(sidecar.ports['stats']).toBe('127.0.0.1:105');
    const echo = BOOKINFO_WORKLOADS.find((w) => w.name === 'tcp-echo-v2')!;
    const tcp = sidecarSpec({ ...options, workload: echo });
    expect(tcp.args[tcp.args.indexOf('--service-port') + 1]).toBe('tcp:9000:200:104');
  });

  it('writes a MeshConfig that proxies accept: access log on stdout, 1% of traces sampled', () => {
    const parsed = parseMeshConfig(LOCAL_MESH_CONFIG);
    expect(parsed).toEqual({
      ok: true,
      settings: {
        accessLogFile: '/dev/stdout',
        accessLogEncoding: 'JSON',
        enableTracing: true,
        samplingPercent: 1,
      },
      warnings: [],
    });
  });

  it("runs BOOKINFO.md's workloads, one name each, and applies samples that exist", () => {
    const names = BOOKINFO_WORKLOADS.map((w) => w.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'productpage-v1',
        'details-v1',
        'reviews-v1',
        'reviews-v2',
        'reviews-v3',
        'ratings-v1',
        'tcp-echo-v1',
        'tcp-echo-v2',
        'httpbin-v1',
        'httpbin-v2',
      ]),
    );
    const samples = resolve(__dirname, '../../../../samples');
    for (const file of BOOKINFO_CONFIG) expect(existsSync(join(samples, file))).toBe(true);
  });
});
