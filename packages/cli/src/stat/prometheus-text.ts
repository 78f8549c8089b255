// Prometheus text exposition format 0.0.4, as Envoy's and our proxies' /stats/prometheus serve it,
// read strictly: comments and blank lines are skipped, every other line must be a whole sample
// `name{label="value",...} value [timestamp]`, or the text is refused with the line's number (a
// wrong port answering HTML is then named as such, not read as "no traffic"). Label values
// unescape \\, \" and \n, the format's only escapes; any other backslash is an error.
// No npm parser fits: parse-prometheus-text-format has seen no release in years and ships no types.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export class ExpositionError extends Error {
  override readonly name = 'ExpositionError';
  constructor(
    /** 1-based. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const BLANKS = /[ \t]*/y;
/** Go's ParseFloat spellings that exporters print, Inf and NaN included. */
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TIMESTAMP = /^-?\d+$/;

/**
 * Every sample of `text`, in order. `keep` filters by metric name before labels are read, so the
 * families nobody asked for cost little; they are still checked line by line.
 */
export function parseExposition(text: string, keep?: (name: string) => boolean): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const sample = parseLine(line, i + 1, keep);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseLine(
  line: string,
  number: number,
  keep: ((name: string) => boolean) | undefined,
): Sample | undefined {
  function fail(reason: string): never {
    throw new ExpositionError(number, reason);
  }
  let at = skip(line, 0);
  const name = match(METRIC_NAME, line, at) ?? fail('expected a metric name');
  at += name.length;
  const labels: Record<string, string> = {};
  const wanted = keep === undefined || keep(name);
  if (line[at] === '{') at = parseLabels(line, at + 1, labels, fail);
  const rest = line.slice(at);
  if (!/^[ \t]/.test(rest)) fail('expected a blank and a value after the metric');
  const [value, timestamp, extra] = rest.trim().split(/[ \t]+/);
  if (value === undefined || !VALUE.test(value)) fail(`"${value ?? ''}" is not a sample value`);
  if (timestamp !== undefined && !TIMESTAMP.test(timestamp))
    fail(`"${timestamp}" is not a timestamp`);
  if (extra !== undefined) fail(`unexpected "${extra}" after the value`);
  if (!wanted) return undefined;
  const v = value.endsWith('Inf') ? (value.startsWith('-') ? -Infinity : Infinity) : Number(value);
  return { name, labels, value: v };
}

/** Reads `name="value",...}` from just after `{`; returns the index after `}`. */
function parseLabels(
  line: string,
  start: number,
  labels: Record<string, string>,
  fail: (reason: string) => never,
): number {
  let at = skip(line, start);
  while (line[at] !== '}') {
    const key = match(LABEL_NAME, line, at) ?? fail('expected a label name or "}"');
    if (Object.hasOwn(labels, key)) fail(`label ${key} appears twice`);
    at = skip(line, at + key.length);
    if (line[at] !== '=') fail(`expected "=" after label ${key}`);
    at = skip(line, at + 1);
    if (line[at] !== '"') fail(`expected a quoted value for label ${key}`);
    let value = '';
    at += 1;
    for (;;) {
      const c = line[at];
      if (c === undefined) fail(`unterminated value of label ${key}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[at + 1];
        if (next === '\\' || next === '"') value += next;
        else if (next === 'n') value += '\n';
        else fail(`unknown escape "\\${next ?? ''}" in label ${key}`);
        at += 2;
      } else {
        value += c;
        at += 1;
      }
    }
    labels[key] = value;
    at = skip(line, at + 1);
    if (line[at] === ',') at = skip(line, at + 1);
    else if (line[at] !== '}') fail(`expected "," or "}" after label ${key}`);
  }
  return at + 1;
}

function skip(line: string, at: number): number {
  BLANKS.lastIndex = at;
  BLANKS.exec(line);
  return BLANKS.lastIndex;
}

function match(re: RegExp, line: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(line)?.[0];
}
