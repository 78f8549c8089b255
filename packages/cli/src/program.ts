// The meshctl command line: commander parses, the run* functions do the work.
import { Command, CommanderError, Option } from 'commander';
import { runAnalyze } from './analyze.js';
import { EXIT_OK, EXIT_USAGE, reportInternalError } from './guard.js';
import type { CliIo } from './io.js';
import type { AnalyzeOptions, CommonOptions } from './options.js';
import { OUTPUT_FORMATS, type OutputFormat } from './report.js';
import { runValidate } from './validate.js';
import { VERSION } from './version.js';

/** Where the chosen subcommand leaves its exit code (commander actions return nothing). */
export interface ProgramResult {
  exitCode: number;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function addInputOptions(command: Command): Command {
  return command
    .requiredOption(
      '-f, --filename <path>',
      'file, directory (walked recursively for .yaml, .yml and .json) or - for stdin; repeatable',
      collect,
    )
    .option(
      '-n, --namespace <ns>',
      'namespace for resources that do not set metadata.namespace',
      'default',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(OUTPUT_FORMATS as string[])
        .default('text'),
    )
    .option(
      '--exclude <pattern>',
      'skip matching paths while walking directories: a name (tasks, *.json) or a path relative to the -f directory (bookinfo/tasks); repeatable',
      collect,
    );
}

interface ParsedInputOptions {
  filename: string[];
  namespace: string;
  output: OutputFormat;
  exclude?: string[];
}

function commonOptions(opts: ParsedInputOptions, program: Command): CommonOptions {
  return {
    filenames: opts.filename,
    namespace: opts.namespace,
    output: opts.output,
    exclude: opts.exclude ?? [],
    debug: program.opts<{ debug?: boolean }>().debug ?? false,
  };
}

export function createProgram(io: CliIo, result: ProgramResult = { exitCode: EXIT_OK }): Command {
  const program = new Command('meshctl')
    .description('Check Istio traffic configuration (networking.istio.io) before you apply it.')
    .version(VERSION, '--version', 'print the meshctl version')
    .option('--debug', 'print stack traces of internal errors')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // Same prefix as meshctl's own errors: `meshctl: error: unknown command 'valdate'`.
      outputError: (text, write) => write(`meshctl: ${text}`),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 no errors, 1 errors found, 2 usage error, 3 internal error.

Examples:
  meshctl validate -f samples/bookinfo/virtual-service-all-v1.yaml
  meshctl analyze -f samples --exclude tasks
  kubectl get vs,dr -A -o yaml | meshctl analyze -f -`,
    );

  program
    .command('version')
    .description('print the meshctl version (same as --version)')
    .action(() => {
      io.stdout(`${VERSION}\n`);
    });

  addInputOptions(
    program
      .command('validate')
      .summary('check each resource on its own, as the Istio admission webhook would')
      .description(
        'Check each resource on its own, as the Istio admission webhook would. Errors are printed on stdout as "<file>:<line>: <Kind> <ns>/<name>: <field path>: <message>", warnings and info with a "warning: " or "info: " prefix after the file, and a summary on stderr.',
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  # one file, a whole directory tree, and stdin
  meshctl validate -f reviews-vs.yaml
  meshctl validate -f samples
  cat reviews-vs.yaml | meshctl validate -f -

  # machine-readable: {resources, files, errors: [...], warnings: [...], info: [...]}
  meshctl validate -f samples -o json`,
    )
    .action(async (opts: ParsedInputOptions) => {
      result.exitCode = await runValidate(commonOptions(opts, program), io);
    });

  addInputOptions(
    program
      .command('analyze')
      .summary('validate, then check resources against each other, like istioctl analyze')
      .description(
        'Validate, then check the resources against each other (missing subsets, unknown hosts, conflicts), like istioctl analyze. Findings are printed on stdout as "<file>:<line>: <Severity> [<code>] <Kind> <ns>/<name>: <path>: <message>" followed by a hint line, and a summary on stderr.',
      ),
  )
    .option(
      '--known-host <host>',
      'a host that exists outside the given files (short names resolve in --namespace); repeatable. Kubernetes Services (apiVersion v1) in the files count automatically',
      collect,
    )
    .addHelpText(
      'after',
      `
Examples:
  # Bookinfo: Services, DestinationRules, VirtualServices and Gateway together
  meshctl analyze -f samples/bookinfo --exclude tasks

  # routes to a Service that lives in the cluster, not in these files
  meshctl analyze -f reviews-vs.yaml --known-host reviews.default.svc.cluster.local`,
    )
    .action(async (opts: ParsedInputOptions & { knownHost?: string[] }) => {
      const options: AnalyzeOptions = {
        ...commonOptions(opts, program),
        knownHosts: opts.knownHost ?? [],
      };
      result.exitCode = await runAnalyze(options, io);
    });

  return program;
}

/** Runs meshctl on arguments (without node and script) and returns the process exit code. */
export async function runMeshctl(args: readonly string[], io: CliIo): Promise<number> {
  const result: ProgramResult = { exitCode: EXIT_OK };
  if (args.length === 0) {
    // Like kubectl and istioctl: no arguments at all is a request for help, not a mistake.
    createProgram(io, result).outputHelp();
    return EXIT_OK;
  }
  try {
    await createProgram(io, result).parseAsync([...args], { from: 'user' });
    return result.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportInternalError(io, err, args.includes('--debug'));
  }
}
