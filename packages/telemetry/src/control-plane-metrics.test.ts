// The control plane's registry on the real SDK and serializer: the exposition text is pinned
// exactly, since istiod's names, types and buckets are what dashboards query.
import {
  createControlPlaneMetrics,
  type ControlPlaneMetrics,
  type ControlPlaneMetricsOptions,
} from './control-plane-metrics.js';
import { parseExposition } from './test-support/exposition.js';

let metrics: ControlPlaneMetrics | undefined;

function start(options: ControlPlaneMetricsOptions = {}): ControlPlaneMetrics {
  metrics = createControlPlaneMetrics(options);
  return metrics;
}

afterEach(async () => {
  await metrics?.shutdown();
  metrics = undefined;
});

test('prints counters under their exact name with TYPE counter, no _total added', async () => {
  const m = start();
  const pushes = m.counter('pilot_xds_pushes', 'Responses sent, by type.', ['type']);
  pushes.add({ type: 'cds' });
  pushes.add({ type: 'cds' });
  pushes.add({ type: 'eds' }, 3);
  expect(await m.prometheusText()).toBe(
    [
      '# HELP pilot_xds_pushes Responses sent, by type.',
      '# TYPE pilot_xds_pushes counter',
      'pilot_xds_pushes{type="cds"} 2',
      'pilot_xds_pushes{type="eds"} 3',
      '',
    ].join('\n'),
  );
});

test('leaves a counter that already ends in _total as it is', async () => {
  const m = start();
  m.counter('pilot_sds_certificate_errors_total', 'Failures.').add();
  expect(await m.prometheusText()).toBe(
    [
      '# HELP pilot_sds_certificate_errors_total Failures.',
      '# TYPE pilot_sds_certificate_errors_total counter',
      'pilot_sds_certificate_errors_total 1',
      '',
    ].join('\n'),
  );
});

test('renames only the counters it registered, not a gauge that merely looks like one', async () => {
  const m = start();
  m.counter('a', 'A.').add();
  m.gauge('b_total', 'B, a gauge.', () => 7);
  const families = parseExposition(await m.prometheusText());
  expect([...families.values()].map((f) => [f.name, f.type])).toEqual([
    ['a', 'counter'],
    ['b_total', 'gauge'],
  ]);
});

test('histograms use the given buckets, in seconds, without a unit line', async () => {
  const m = start();
  const convergence = m.histogram(
    'pilot_proxy_convergence_time',
    'Seconds from a change to the ACK.',
    [0.1, 0.5, 1, 3, 5, 10, 20, 30],
  );
  convergence.observe(0.25);
  convergence.observe(4);
  convergence.observe(45);
  expect(await m.prometheusText()).toBe(
    [
      '# HELP pilot_proxy_convergence_time Seconds from a change to the ACK.',
      '# TYPE pilot_proxy_convergence_time histogram',
      'pilot_proxy_convergence_time_count 3',
      'pilot_proxy_convergence_time_sum 49.25',
      'pilot_proxy_convergence_time_bucket{le="0.1"} 0',
      'pilot_proxy_convergence_time_bucket{le="0.5"} 1',
      'pilot_proxy_convergence_time_bucket{le="1"} 1',
      'pilot_proxy_convergence_time_bucket{le="3"} 1',
      'pilot_proxy_convergence_time_bucket{le="5"} 2',
      'pilot_proxy_convergence_time_bucket{le="10"} 2',
      'pilot_proxy_convergence_time_bucket{le="20"} 2',
      'pilot_proxy_convergence_time_bucket{le="30"} 2',
      'pilot_proxy_convergence_time_bucket{le="+Inf"} 3',
      '',
    ].join('\n'),
  );
});

test('labelled histograms keep one series per label set', async () => {
  const m = start();
  const h = m.histogram('pilot_xds_push_time', 'Push time.', [0.01, 0.1], ['type']);
  h.observe(0.005, { type: 'cds' });
  h.observe(0.05, { type: 'rds' });
  const text = await m.prometheusText();
  expect(text).toContain('pilot_xds_push_time_bucket{type="cds",le="0.01"} 1\n');
  expect(text).toContain('pilot_xds_push_time_bucket{type="rds",le="0.01"} 0\n');
  expect(text).toContain('pilot_xds_push_time_bucket{type="rds",le="0.1"} 1\n');
});

test('gauges are read at each scrape; a label set that disappears reads 0', async () => {
  const m = start();
  let connected: [string, number][] = [
    ['1.0', 2],
    ['1.1', 1],
  ];
  m.gauge(
    'pilot_xds',
    'Connected proxies.',
    () => connected.map(([version, n]) => [{ version }, n] as const),
    ['version'],
  );
  let revision = 7;
  m.gauge('mesh_config_revision', 'Revision.', () => revision);
  expect(await m.prometheusText()).toBe(
    [
      '# HELP pilot_xds Connected proxies.',
      '# TYPE pilot_xds gauge',
      'pilot_xds{version="1.0"} 2',
      'pilot_xds{version="1.1"} 1',
      '# HELP mesh_config_revision Revision.',
      '# TYPE mesh_config_revision gauge',
      'mesh_config_revision 7',
      '',
    ].join('\n'),
  );
  connected = [['1.0', 1]];
  revision = 9;
  const text = await m.prometheusText();
  expect(text).toContain('pilot_xds{version="1.0"} 1\n');
  expect(text).toContain('pilot_xds{version="1.1"} 0\n');
  expect(text).toContain('mesh_config_revision 9\n');
});

test('prints nothing before anything is defined', async () => {
  expect(await start().prometheusText()).toBe('');
});

test('refuses wrong label names, taken names and invalid names', () => {
  const m = start();
  const c = m.counter('pilot_push_triggers', 'Triggers.', ['type']);
  expect(() => c.add({})).toThrow('metric pilot_push_triggers needs the labels type');
  expect(() => c.add({ type: 'config', extra: 'x' })).toThrow('has no label extra');
  expect(() => c.add({ kind: 'config' })).toThrow('has no label kind');
  expect(() => m.counter('pilot_push_triggers', 'Again.')).toThrow('already taken');
  expect(() => m.counter('pilot_push_triggers_total', 'Same print.')).toThrow('already taken');
  m.histogram('h', 'H.', [1]);
  expect(() => m.gauge('h_bucket', 'Clash.', () => 1)).toThrow('already taken');
  expect(() => m.gauge('pilot.xds', 'Dots.', () => 1)).toThrow('not valid');
  expect(() => m.histogram('h2', 'H.', [1, 1])).toThrow('increasing');
});

test('a gauge read that throws is reported and the rest still printed', async () => {
  const errors: Error[] = [];
  const m = start({ onError: (e) => errors.push(e) });
  m.gauge('broken', 'Throws.', () => {
    throw new Error('no value');
  });
  m.gauge('fine', 'Works.', () => 1);
  const text = await m.prometheusText();
  expect(text).toContain('fine 1\n');
  expect(text).not.toContain('broken ');
  expect(errors.map((e) => e.message).join()).toContain('no value');
});

test('shutdown is idempotent', async () => {
  const m = start();
  await Promise.all([m.shutdown(), m.shutdown()]);
  await m.shutdown();
});
