// Everything the process does before it serves, without touching the process itself, so that
// exit codes and messages are tested in-process: 2 for a usage error, 1 when it cannot start.
import { parseArgs, USAGE, UsageError } from './args.js';
import { describeStartError, startService, type RunningService } from './service.js';
import { ConfigError, upstreamConfigFromEnv } from './upstream-client.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export type CliOutcome = { readonly exitCode: number } | { readonly running: RunningService };

export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<CliOutcome> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`bookinfo: ${err.message}\n${USAGE}`);
    return { exitCode: 2 };
  }
  if (parsed.kind === 'help') {
    io.stdout(USAGE);
    return { exitCode: 0 };
  }
  const { args } = parsed;
  const name = `${args.service} ${args.version}`;
  // httpbin's access lines go to stdout too, but never ahead of the start line: any written
  // before it wait for it.
  let early: string[] | undefined = [];
  const accessLog = (line: string) => {
    if (early) early.push(line);
    else io.stdout(`${line}\n`);
  };
  let running: RunningService;
  try {
    running = await startService(args, upstreamConfigFromEnv(env), {}, accessLog);
  } catch (err) {
    const reason = err instanceof ConfigError ? err.message : describeStartError(err, args);
    io.stderr(`bookinfo ${name}: cannot start: ${reason}\n`);
    return { exitCode: 1 };
  }
  // The first stdout line, the one the supervisor waits for; keep its shape.
  io.stdout(`bookinfo ${name} listening on ${running.host}:${running.port}\n`);
  const waiting = early;
  early = undefined;
  for (const line of waiting) io.stdout(`${line}\n`);
  return { running };
}
