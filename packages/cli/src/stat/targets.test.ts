import { InputError } from '../inputs.js';
import type { LocalMeshState } from '../local-mesh/state.js';
import { resolveTargets, targetUrl } from './targets.js';

const mesh: LocalMeshState = {
  pid: 1,
  startedAt: '2025-01-01T00:00:00Z',
  ready: true,
  controlPlane: '127.0.0.1:15010',
  store: 'embedded store',
  components: [
    {
      name: 'control-plane',
      role: 'control-plane',
      ports: { grpc: '127.0.0.1:15010' },
      log: '',
      restarts: 0,
    },
    {
      name: 'istio-ingressgateway',
      role: 'gateway',
      ports: { 'ingress http': '127.0.0.1:8080', admin: '127.0.0.1:41000' },
      log: '',
      restarts: 0,
    },
    { name: 'reviews-v1', role: 'app', ports: { app: '127.0.0.1:41001' }, log: '', restarts: 0 },
    {
      name: 'reviews-v1-sidecar',
      role: 'sidecar',
      ports: { inbound: '127.0.0.1:41002', admin: '127.0.0.1:41003' },
      log: '',
      restarts: 0,
    },
  ],
};

describe('resolveTargets', () => {
  it("reads every local mesh component with an admin port, on the admin port's /stats/prometheus", () => {
    expect(resolveTargets([], mesh)).toEqual([
      { name: 'istio-ingressgateway', url: 'http://127.0.0.1:41000/stats/prometheus' },
      { name: 'reviews-v1-sidecar', url: 'http://127.0.0.1:41003/stats/prometheus' },
    ]);
  });

  it('takes --target instead of the local mesh when given', () => {
    expect(resolveTargets(['10.0.0.7:15000'], mesh)).toEqual([
      { name: '10.0.0.7:15000', url: 'http://10.0.0.7:15000/stats/prometheus' },
    ]);
  });

  it('has none without --target and without a local mesh', () => {
    expect(resolveTargets([], undefined)).toEqual([]);
  });
});

describe('targetUrl', () => {
  it.each([
    ['127.0.0.1:15000', 'http://127.0.0.1:15000/stats/prometheus'],
    ['http://127.0.0.1:15000', 'http://127.0.0.1:15000/stats/prometheus'],
    ['http://127.0.0.1:15000/', 'http://127.0.0.1:15000/stats/prometheus'],
    ['http://proxy.local:15020/stats/prometheus', 'http://proxy.local:15020/stats/prometheus'],
    ['[::1]:15000', 'http://[::1]:15000/stats/prometheus'],
  ])('%s -> %s', (flag, url) => {
    expect(targetUrl(flag)).toBe(url);
  });

  it.each([
    ['https://127.0.0.1:15000', 'only http:// is read'],
    ['127.0.0.1:port', 'is not HOST:PORT or an http:// URL'],
  ])('refuses %s', (flag, message) => {
    expect(() => targetUrl(flag)).toThrow(InputError);
    expect(() => targetUrl(flag)).toThrow(message);
  });
});
