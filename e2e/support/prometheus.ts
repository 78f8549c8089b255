// A real Prometheus (Debian's `prometheus` package) for e2e tests: started on a free loopback
// port with its own data dir and the scrape config `meshctl up` writes, scraping every second,
// and queried over its HTTP API as Grafana would. Without the binary the test fails and says so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { waitFor } from './wait.js';

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface TestPrometheus {
  readonly url: string;
  /** An instant PromQL query, now. */
  query(promql: string): Promise<PromSample[]>;
  /** Label sets of every series of `metric` Prometheus holds. */
  series(metric: string): Promise<Record<string, string>[]>;
  stop(): Promise<void>;
}

/** Starts Prometheus on `configFile` (a meshctl-written prometheus.yml), scraping every second. */
export async function startPrometheus(configFile: string): Promise<TestPrometheus> {
  const which = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  if (which.error)
    throw new Error(
      `this test needs a real Prometheus and there is no \`prometheus\` binary (${which.error.message}); install it: apt-get install -y prometheus`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'e2e-prometheus-'));
  const config = parse(readFileSync(configFile, 'utf8')) as {
    global: Record<string, string>;
  };
  config.global['scrape_interval'] = '1s';
  config.global['evaluation_interval'] = '1s';
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitFor(
      'Prometheus to be ready',
      async () => (await fetch(`${url}/-/ready`)).status,
      (s) => s === 200,
      20_000,
      200,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\nprometheus said:\n${stderr}`);
  }

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error}`);
    return body.data;
  }

  return {
    url,
    async query(promql) {
      const data = await api<{
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    series(metric) {
      return api<Record<string, string>[]>(`/api/v1/series?match[]=${encodeURIComponent(metric)}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
