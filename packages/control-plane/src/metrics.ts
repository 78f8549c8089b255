// The handful of control-plane metrics, in Prometheus text form at :15014/metrics. Names follow
// istiod's (pilot_*) so existing dashboards and habits carry over. A stopgap until the telemetry
// package publishes them through OpenTelemetry; the names are the contract, not this code.

type Labels = Readonly<Record<string, string>>;

const DURATION_BUCKETS_S = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30];

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Map<string, number | Histogram>;
}

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly gauges = new Map<string, () => number>();

  constructor() {
    this.define('pilot_xds', 'gauge', 'Proxies connected to this replica.');
    this.define('pilot_xds_pushes', 'counter', 'Responses sent, by type.');
    this.define('pilot_xds_push_time', 'histogram', 'Seconds to build and send one proxy push.');
    this.define('pilot_total_xds_rejects', 'counter', 'NACKs received, by type.');
    this.define(
      'pilot_proxy_convergence_time',
      'histogram',
      'Seconds from a config or registry change being seen to the proxy ACKing it.',
    );
    this.define('pilot_debounce_time', 'histogram', 'Seconds changes waited in the debounce.');
    this.define('pilot_push_triggers', 'counter', 'Debounced pushes, by cause (config, registry).');
    this.define('mesh_store_available', 'gauge', '1 while the config store answers, else 0.');
    this.define('mesh_config_revision', 'gauge', 'Store revision this replica has caught up to.');
  }

  private define(name: string, type: Family['type'], help: string): void {
    this.families.set(name, { help, type, values: new Map() });
  }

  /** A gauge read at scrape time. */
  gaugeFrom(name: string, read: () => number): void {
    this.gauges.set(name, read);
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name);
    const key = labelText(labels);
    f.values.set(key, ((f.values.get(key) as number | undefined) ?? 0) + by);
  }

  observe(name: string, seconds: number, labels: Labels = {}): void {
    const f = this.family(name);
    const key = labelText(labels);
    let h = f.values.get(key) as Histogram | undefined;
    if (!h) f.values.set(key, (h = { buckets: DURATION_BUCKETS_S.map(() => 0), sum: 0, count: 0 }));
    DURATION_BUCKETS_S.forEach((le, i) => {
      if (seconds <= le) h.buckets[i]! += 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  /** Counter value for tests and debug pages. */
  value(name: string, labels: Labels = {}): number {
    const v = this.family(name).values.get(labelText(labels));
    return typeof v === 'number' ? v : (v?.count ?? 0);
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      const read = this.gauges.get(name);
      if (read) out.push(`${name} ${read()}`);
      for (const [labels, v] of f.values) {
        if (typeof v === 'number') {
          out.push(`${name}${wrap(labels)} ${v}`);
          continue;
        }
        DURATION_BUCKETS_S.forEach((le, i) => {
          out.push(`${name}_bucket${wrap(join(labels, `le="${le}"`))} ${v.buckets[i]}`);
        });
        out.push(`${name}_bucket${wrap(join(labels, 'le="+Inf"'))} ${v.count}`);
        out.push(`${name}_sum${wrap(labels)} ${v.sum}`, `${name}_count${wrap(labels)} ${v.count}`);
      }
    }
    return `${out.join('\n')}\n`;
  }

  private family(name: string): Family {
    const f = this.families.get(name);
    if (!f) throw new Error(`metric ${name} is not defined`);
    return f;
  }
}

function labelText(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map(
      (k) =>
        `${k}="${String(labels[k]).replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`,
    )
    .join(',');
}

function join(a: string, b: string): string {
  return a ? `${a},${b}` : b;
}

function wrap(labels: string): string {
  return labels ? `{${labels}}` : '';
}
