// Process entry: argv, signals and the exit code; everything else is in @mesh/control-plane.
import { parseFlags, startFromFlags } from '@mesh/control-plane';

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

let flags;
try {
  flags = parseFlags(process.argv.slice(2), process.env);
} catch (err) {
  const e = err as { code?: string; exitCode?: number; message: string };
  // commander already printed help, version or its own usage error.
  if (e.code?.startsWith('commander.')) process.exit(e.exitCode === 0 ? 0 : 2);
  process.stderr.write(`mesh-control-plane: ${e.message}\n`);
  process.exit(2);
}

try {
  const { plane, store, summary } = await startFromFlags(flags, log);
  // One line on stdout that scripts and tests wait for; logs go to stderr.
  process.stdout.write(`${summary}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: closing streams (proxies reconnect to another replica) and stopping`);
    void plane
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  process.stderr.write(`mesh-control-plane: cannot start: ${(err as Error).message}\n`);
  process.exit(1);
}
