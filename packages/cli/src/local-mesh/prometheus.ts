// A Prometheus scrape config for the local mesh, written beside its state at every `meshctl up`:
// `prometheus --config.file=$MESH_HOME/local-mesh/prometheus.yml` then collects what Istio's
// Prometheus add-on collects, under the same job names (envoy-stats for every proxy's
// /stats/prometheus, pilot for the control plane's /metrics), so Istio's dashboards' queries work.
import { stringify } from 'yaml';
import type { LocalMeshState } from './state.js';

export function prometheusConfig(
  state: Pick<LocalMeshState, 'components' | 'controlPlaneHttp'>,
  scrapeInterval = '5s',
): string {
  const proxies = state.components
    .filter((c) => c.ports['stats'] !== undefined)
    .map((c) => ({ targets: [c.ports['stats']!], labels: { component: c.name } }));
  const config = {
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
    scrape_configs: [
      { job_name: 'envoy-stats', metrics_path: '/stats/prometheus', static_configs: proxies },
      ...(state.controlPlaneHttp
        ? [
            {
              job_name: 'pilot',
              metrics_path: '/metrics',
              static_configs: [{ targets: [state.controlPlaneHttp] }],
            },
          ]
        : []),
    ],
  };
  return `# Written by meshctl up; run: prometheus --config.file=<this file>\n${stringify(config)}`;
}
