import { parse } from 'yaml';
import { prometheusConfig } from './prometheus.js';

describe('prometheusConfig', () => {
  it("scrapes every proxy's stats port as Istio's envoy-stats job, and the control plane as pilot", () => {
    const text = prometheusConfig(
      {
        controlPlaneHttp: '127.0.0.1:15014',
        components: [
          { name: 'control-plane', role: 'control-plane', ports: {}, log: '', restarts: 0 },
          { name: 'reviews-v1', role: 'app', ports: { app: '127.0.0.1:1' }, log: '', restarts: 0 },
          {
            name: 'reviews-v1-sidecar',
            role: 'sidecar',
            ports: { admin: '127.0.0.1:2', stats: '127.0.0.1:3' },
            log: '',
            restarts: 0,
          },
        ],
      },
      '1s',
    );
    expect(parse(text)).toEqual({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        {
          job_name: 'envoy-stats',
          metrics_path: '/stats/prometheus',
          static_configs: [
            { targets: ['127.0.0.1:3'], labels: { component: 'reviews-v1-sidecar' } },
          ],
        },
        {
          job_name: 'pilot',
          metrics_path: '/metrics',
          static_configs: [{ targets: ['127.0.0.1:15014'] }],
        },
      ],
    });
  });
});
