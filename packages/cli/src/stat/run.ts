// `meshctl stat`: read every proxy's /stats/prometheus, wait a window, read them again, and show
// what happened in between (aggregate.ts); with --watch, again every window until Ctrl-C. This file
// is the I/O around the pure parts: HTTP, the clock, the wait, and where the frames go.
import { parseDuration } from '@mesh/rules';
import { parseTimeout } from '../connection.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from '../guard.js';
import { InputError } from '../inputs.js';
import type { CliIo } from '../io.js';
import type { LocalMeshState } from '../local-mesh/state.js';
import { HttpGetError, type HttpGet } from '../proxy-config-http.js';
import { formatData } from '../report.js';
import { EXIT_UNREACHABLE, formatTimeout } from '../rpc.js';
import {
  aggregate,
  STAT_METRICS,
  type Scrape,
  type StatFilter,
  type StatRow,
  type TargetWindow,
} from './aggregate.js';
import { DEFAULT_WINDOW, STAT_OUTPUTS, type StatKind, type StatOutput } from './options.js';
import { ExpositionError, parseExposition, type Sample } from './prometheus-text.js';
import { frameHeading, renderStatTable, statDocument, type FrameInfo } from './render.js';
import { resolveTargets, type Target } from './targets.js';

export interface StatOptions {
  kind: StatKind;
  /** Only this workload or service. */
  name?: string;
  /** Only this namespace; every namespace when unset. */
  namespace?: string;
  /** --target flags; when empty, the local mesh's proxies. */
  targets: readonly string[];
  /** --window, a duration (`10s`, `500ms`, `1m`). */
  window?: string;
  watch: boolean;
  output?: StatOutput;
  /** Deadline of each scrape. */
  timeout?: string;
  debug?: boolean;
  localMesh?: LocalMeshState;
  /** With --watch: return after this many frames (tests); unset: until stopped. */
  frames?: number;
}

export interface StatDeps {
  httpGet: HttpGet;
  /** Epoch milliseconds; read once per round of scrapes. */
  now(): number;
  /** Whether stdout is a terminal: --watch then redraws in place. */
  isTty: boolean;
  /** Resolves when the user asks to stop (Ctrl-C); --watch then ends with exit 0. */
  stopRequested?: () => Promise<unknown>;
}

/** What the process gives stat; `httpGet` and `stopRequested` come from the caller. */
export function nodeStatDeps(httpGet: HttpGet, stopRequested?: () => Promise<unknown>): StatDeps {
  return {
    httpGet,
    now: Date.now,
    isTty: Boolean(process.stdout.isTTY),
    ...(stopRequested && { stopRequested }),
  };
}

/** Clear the screen and go home: --watch on a terminal draws each frame over the last. */
export const CLEAR_SCREEN = '\u001b[H\u001b[2J';

interface Round {
  at: number;
  scrapes: Map<Target, Scrape>;
  /** One line per proxy that did not answer or answered something else. */
  failures: string[];
}

export function runStat(options: StatOptions, io: CliIo, deps: StatDeps): Promise<number> {
  return guarded(io, options.debug, async () => {
    const output = options.output ?? 'table';
    if (!STAT_OUTPUTS.includes(output))
      throw new InputError(`-o: "${String(output)}" is not one of ${STAT_OUTPUTS.join(', ')}`);
    const windowMs = parseWindow(options.window ?? DEFAULT_WINDOW);
    const timeoutMs = parseTimeout(options.timeout);
    const targets = resolveTargets(options.targets, options.localMesh);
    if (targets.length === 0) {
      io.stderr(
        options.localMesh
          ? 'Error: the local mesh has no proxy with an admin port to read. Pass --target HOST:PORT (a proxy admin address).\n'
          : 'Error: no proxies to read: no local mesh is running. Start one with `meshctl up`, or pass --target HOST:PORT (a proxy admin address; repeatable).\n',
      );
      return EXIT_FINDINGS;
    }
    const filter: StatFilter = {
      kind: options.kind,
      ...(options.name !== undefined && { name: options.name }),
      ...(options.namespace !== undefined && { namespace: options.namespace }),
    };

    const stop = new AbortController();
    if (options.watch && deps.stopRequested)
      deps.stopRequested().then(
        () => stop.abort(),
        () => undefined,
      );
    const scrapeRound = async (): Promise<Round> => {
      const results = await Promise.all(
        targets.map((t) => scrapeTarget(deps.httpGet, t, timeoutMs)),
      );
      const round: Round = { at: deps.now(), scrapes: new Map(), failures: [] };
      targets.forEach((t, i) => {
        const r = results[i]!;
        if (typeof r === 'string') round.failures.push(r);
        else round.scrapes.set(t, { at: round.at, samples: r });
      });
      return round;
    };

    let before = await untilStopped(scrapeRound(), stop.signal);
    if (!before) return EXIT_OK;
    if (!options.watch && before.scrapes.size === 0) return noneAnswered(io, before.failures);
    // A person at a terminal is told why nothing shows for a whole window.
    if (deps.isTty && output === 'table')
      io.stderr(
        `Measuring ${plural(before.scrapes.size, 'proxy', 'proxies')} for ${formatTimeout(windowMs)}...\n`,
      );
    let pending = before.failures;
    for (let frames = 0; ;) {
      if (!(await sleep(windowMs, stop.signal))) break;
      const after = await untilStopped(scrapeRound(), stop.signal);
      if (!after) break;
      const windows: TargetWindow[] = [];
      for (const [target, scrape] of after.scrapes) {
        const start = before.scrapes.get(target);
        if (start) windows.push({ before: start, after: scrape });
      }
      const failures = [...new Set([...pending, ...after.failures])];
      if (!options.watch && windows.length === 0) return noneAnswered(io, failures);
      const info: FrameInfo = {
        start: before.at,
        end: after.at,
        proxiesRead: windows.length,
        proxies: targets.length,
      };
      const rows = aggregate(windows, filter);
      io.stdout(frame(options, output, deps.isTty, rows, info, frames));
      // Once, without --watch: an empty table is said on stderr, as proxy-status does.
      if (!options.watch && output === 'table' && rows.length === 0)
        io.stderr(`${noTraffic(filter, windows.length)}\n`);
      for (const failure of failures) io.stderr(`Warning: ${failure}; left out.\n`);
      frames += 1;
      before = after;
      pending = [];
      if (!options.watch || (options.frames !== undefined && frames >= options.frames)) break;
    }
    return EXIT_OK;
  });
}

/** One frame: a table (under a heading with --watch), or a document. */
function frame(
  options: StatOptions,
  output: StatOutput,
  isTty: boolean,
  rows: readonly StatRow[],
  info: FrameInfo,
  index: number,
): string {
  if (output !== 'table') {
    const doc = formatData(output, statDocument(options.kind, rows, info));
    // Several YAML documents in one stream need separators; JSON documents follow each other.
    return options.watch && output === 'yaml' ? `---\n${doc}` : doc;
  }
  if (!options.watch) return rows.length === 0 ? '' : renderStatTable(options.kind, rows);
  const body =
    rows.length === 0
      ? `${noTraffic(options, info.proxiesRead)}\n`
      : renderStatTable(options.kind, rows);
  const heading = `${frameHeading(info)}\n\n`;
  if (isTty) return `${CLEAR_SCREEN}${heading}${body}`;
  return `${index > 0 ? '\n' : ''}${heading}${body}`;
}

function noTraffic(
  filter: Pick<StatFilter, 'kind' | 'name' | 'namespace'>,
  proxies: number,
): string {
  const what = filter.name !== undefined ? ` to ${filter.kind} ${filter.name}` : '';
  const where = filter.namespace !== undefined ? ` in namespace ${filter.namespace}` : '';
  return `No requests${what}${where} reported by the ${plural(proxies, 'proxy', 'proxies')} read.`;
}

function noneAnswered(io: CliIo, failures: readonly string[]): number {
  for (const failure of failures) io.stderr(`Error: ${failure}.\n`);
  io.stderr('Error: no proxy answered; nothing to show.\n');
  return EXIT_UNREACHABLE;
}

/** The samples stat reads from one proxy, or why there are none. */
async function scrapeTarget(
  httpGet: HttpGet,
  target: Target,
  timeoutMs: number,
): Promise<Sample[] | string> {
  const where = `${target.name}${target.url.includes(target.name) ? '' : ` (${target.url})`}`;
  let response;
  try {
    response = await httpGet(target.url, timeoutMs);
  } catch (err) {
    if (err instanceof HttpGetError)
      return err.reason === 'timeout'
        ? `${where} did not answer within ${formatTimeout(timeoutMs)}`
        : `cannot reach ${where}: ${err.details}`;
    throw err;
  }
  const path = new URL(target.url).pathname;
  if (response.status !== 200) {
    const said = response.body.trim().split('\n')[0] ?? '';
    return `${where} answered ${path} with HTTP ${response.status}${said ? `: ${said}` : ''}`;
  }
  try {
    return parseExposition(response.body, (name) => STAT_METRICS.has(name));
  } catch (err) {
    if (err instanceof ExpositionError)
      return `${where} answered ${path} with something that is not Prometheus text (${err.message})`;
    throw err;
  }
}

/** Milliseconds of --window: a duration above zero. */
export function parseWindow(text: string): number {
  const value = text.trim();
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0)
    throw new InputError(
      `--window: "${value}" is not a duration above zero; use e.g. 10s, 500ms, 1m`,
    );
  return Math.round(ms);
}

/** Waits `ms`; false when stopped first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = (waited: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(waited);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort);
  });
}

/** `work`'s result, or undefined when stopped first (what it was doing is left to finish). */
function untilStopped<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
