import { hasErrors } from '@mesh/rules';
import { checkInputs } from './check.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import type { CliIo } from './io.js';
import type { ValidateOptions } from './options.js';
import { lineNumbers } from './locate.js';
import { sortBySource, validationLine, writeReport } from './report.js';

/** `meshctl validate`: each resource on its own, as Istio's admission webhook would judge it. */
export function runValidate(options: ValidateOptions, io: CliIo): Promise<number> {
  return guarded(io, options.debug, async () => {
    const checked = await checkInputs(options, io);
    const diagnostics = sortBySource(
      [...checked.parseDiagnostics, ...checked.resources.flatMap((r) => r.diagnostics)],
      checked.files.map((f) => f.name),
    );
    writeReport(
      io,
      options.output ?? 'text',
      'validated',
      { resources: checked.resources.length, files: checked.files.length },
      diagnostics,
      (d, line) => [validationLine(d, line)],
      lineNumbers(checked.files, diagnostics),
    );
    return hasErrors(diagnostics) ? EXIT_FINDINGS : EXIT_OK;
  });
}
