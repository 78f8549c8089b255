// Route decision latency and compile time. Run with `npm run bench -w @mesh/rules`.
import { Bench } from 'tinybench';
import os from 'node:os';
import { compile } from '../src/compile/index.js';
import { route } from '../src/route/index.js';
import type { RouteRequest } from '../src/route/index.js';
import { hostWithRules, manyServices, pathFor, tenantFor, type RuleShape } from './fixtures.js';

// One route() call is far below the timer's resolution, so each sample is a batch.
const BATCH = 1000;

interface Row {
  case: string;
  median: string;
  p99: string;
  samples: number;
}

function lastRuleRequest(host: string, rules: number, shape: RuleShape): RouteRequest {
  const i = rules - 1;
  return {
    authority: `${host}:8080`,
    port: 8080,
    method: 'GET',
    path: `${pathFor(i, shape)}?page=2`,
    scheme: 'http',
    headers: { 'x-tenant': tenantFor(i, shape), 'user-agent': 'bench', accept: '*/*' },
    sourceLabels: { app: 'frontend' },
    sourceNamespace: 'default',
  };
}

function fmtNs(ms: number): string {
  const ns = ms * 1e6;
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  let rngState = 1;
  // Deterministic pseudo-random numbers so weighted picks run the real path.
  const rng = () => (rngState = (rngState * 1103515245 + 12345) % 2147483648) / 2147483648;

  const decisionBench = new Bench({ time: 1500, warmupTime: 300 });
  const shapes: [RuleShape, string][] = [
    ['distinct', 'own path prefix per rule'],
    ['shared', 'all under /api/, exact tenant header decides'],
    ['linear', 'all under /api/, tenant header prefix: not indexable'],
  ];
  for (const [shape, label] of shapes)
    for (const rules of [1, 100, 10_000]) {
      const host = `svc-${rules}.default.svc.cluster.local`;
      const config = compile([hostWithRules(host, rules, 'default', shape)]);
      const request = lastRuleRequest(host, rules, shape);
      const probe = route(config, request, rng);
      if (probe.action !== 'forward' || probe.routeName !== `rule-${rules - 1}`) {
        throw new Error(`bench request for ${rules} rules does not hit the last rule`);
      }
      const batch =
        shape === 'linear' && rules >= 10_000 ? 1 : shape === 'linear' && rules >= 100 ? 20 : BATCH;
      decisionBench.add(`route(): ${rules} rules (${label}), hits the last (x${batch})`, () => {
        for (let i = 0; i < batch; i++) route(config, request, rng);
      });
    }
  await decisionBench.run();
  for (const task of decisionBench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
    const batch = Number(/x(\d+)\)$/.exec(task.name)?.[1] ?? 1);
    rows.push({
      case: task.name.replace(/ \(x\d+\)$/, ''),
      median: fmtNs(r.latency.p50 / batch),
      p99: fmtNs(r.latency.p99 / batch),
      samples: r.latency.samplesCount,
    });
  }

  const resources = manyServices(1000, 5);
  const compileBench = new Bench({ time: 3000, warmupTime: 500, iterations: 10 });
  compileBench.add(
    'compile(): 1,000 VirtualServices (5 rules each) + 1,000 DestinationRules',
    () => {
      compile(resources);
    },
  );
  await compileBench.run();
  for (const task of compileBench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
    rows.push({
      case: task.name,
      median: `${r.latency.p50.toFixed(1)} ms`,
      p99: `${r.latency.p99.toFixed(1)} ms`,
      samples: r.latency.samplesCount,
    });
  }

  const cpus = os.cpus();
  console.log(
    `Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model ?? 'unknown'}), ${os.platform()}`,
  );
  console.log('');
  console.log('| case | median | p99 | samples |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows)
    console.log(`| ${row.case} | ${row.median} | ${row.p99} | ${row.samples} |`);
}

await main();
