// The promise to users: meshctl never dies with a raw stack. Bad input is a finding (exit 1), a
// bad command line is usage (exit 2), and anything else is our bug, reported as such (exit 3).
import type { CliIo } from './io.js';
import { InputError } from './inputs.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

export async function guarded(
  io: CliIo,
  debug: boolean | undefined,
  run: () => Promise<number>,
): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr(`meshctl: error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    return reportInternalError(io, err, debug);
  }
}

export function reportInternalError(io: CliIo, err: unknown, debug: boolean | undefined): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`meshctl: internal error: ${message}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  else io.stderr('(run again with --debug for the stack trace)\n');
  return EXIT_INTERNAL;
}
