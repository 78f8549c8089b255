// Test helpers: scrape a RequestListener over a real socket, and read Prometheus text format 0.0.4
// strictly enough that a malformed line or a sample outside its family fails the test.
import { once } from 'node:events';
import { createServer, request, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: Sample[];
}

export interface Scraped {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Serves `handler` on 127.0.0.1:0, sends one request, closes the server. */
export async function scrape(
  handler: RequestListener,
  path = '/stats/prometheus',
  method = 'GET',
): Promise<Scraped> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<Scraped>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.close();
  }
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,(?!$)|$)/y;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (!m || m.index !== start) throw new Error(`bad labels in: ${line}`);
    const [, key, raw] = m as unknown as [string, string, string];
    if (key in labels) throw new Error(`label ${key} twice in: ${line}`);
    labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function familyOf(sample: string, family: Family | undefined): boolean {
  if (!family) return false;
  if (family.type !== 'histogram') return sample === family.name;
  return ['_bucket', '_sum', '_count'].some((s) => sample === family.name + s);
}

/** Families by name, in order. Throws on anything that is not HELP, TYPE or a sample of the family just declared. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  let help = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const [name, ...rest] = line.slice(7).split(' ');
      help.set(name!, rest.join(' '));
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ') as [string, string];
      if (families.has(name)) throw new Error(`family ${name} declared twice`);
      current = { name, type, help: help.get(name) ?? '', samples: [] };
      families.set(name, current);
      help = new Map();
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment line: ${line}`);
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    if (!familyOf(name, current)) throw new Error(`sample ${name} outside its family: ${line}`);
    const v = value === '+Inf' ? Infinity : Number(value);
    if (Number.isNaN(v)) throw new Error(`bad value in: ${line}`);
    current!.samples.push({
      name,
      labels: labelText ? parseLabels(labelText, line) : {},
      value: v,
    });
  }
  return families;
}

/** The one sample of `name` whose labels include `match`; throws unless exactly one matches. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  match: Readonly<Record<string, string>> = {},
): number {
  const family = [...families.values()].find((f) => familyOf(name, f));
  const found = (family?.samples ?? []).filter(
    (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) {
    throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(match)}`);
  }
  return found[0]!.value;
}
