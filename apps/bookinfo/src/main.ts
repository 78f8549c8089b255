// Process entry: argv, env, stdio, signals and the exit code; the rest is in cli.ts.
import { runCli } from './cli.js';

/** The supervisor expects an exit within a second of SIGTERM, whatever is in flight. */
const STOP_DEADLINE_MS = 800;

const outcome = await runCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
if ('exitCode' in outcome) process.exit(outcome.exitCode);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
  void outcome.running.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
