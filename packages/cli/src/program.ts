// The meshctl command line: commander parses, the run* functions do the work.
import { resolve as resolvePath } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { runAnalyze } from './analyze.js';
import { runApply } from './apply.js';
import {
  DEFAULT_CONTROL_PLANE,
  DEFAULT_TIMEOUT,
  nodeControlPlaneDeps,
  type ControlPlaneDeps,
  type ControlPlaneOptions,
} from './connection.js';
import { runDelete } from './delete.js';
import { GET_OUTPUTS, runGet, type GetOutput } from './get.js';
import { EXIT_OK, EXIT_USAGE, reportInternalError } from './guard.js';
import type { CliIo } from './io.js';
import type { AnalyzeOptions, CommonOptions } from './options.js';
import { DESCRIBE_OUTPUTS, runDescribe, type DescribeOutput } from './describe.js';
import { PROXY_CONFIG_OUTPUTS, runProxyConfig, type ProxyConfigOutput } from './proxy-config.js';
import { nodeProxyConfigDeps, type ProxyConfigDeps } from './proxy-config-http.js';
import { DEFAULT_CONTROL_PLANE_HTTP } from './proxy-config-source.js';
import { PROXY_STATUS_OUTPUTS, runProxyStatus, type ProxyStatusOutput } from './proxy-status.js';
import { OUTPUT_FORMATS, type OutputFormat } from './report.js';
import { DEFAULT_WINDOW, STAT_KIND_WORDS, STAT_OUTPUTS, type StatOutput } from './stat/options.js';
import { runValidate } from './validate.js';
import { runDown } from './local-mesh/down.js';
import { DEMOS, runUp, type LocalMeshDeps, type UpOptions } from './local-mesh/up.js';
import { runningMesh, type LocalMeshState } from './local-mesh/state.js';
import { meshHome } from './token.js';
import { VERSION } from './version.js';

/** Where the chosen subcommand leaves its exit code (commander actions return nothing). */
export interface ProgramResult {
  exitCode: number;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const FILENAME_HELP =
  'file, directory (walked recursively for .yaml, .yml and .json) or - for stdin; repeatable';

/** -f, -n, -o, --exclude; `analyze` (live) takes no -f to read the live mesh instead. */
function addInputOptions(command: Command, live = false): Command {
  if (live)
    command.option(
      '-f, --filename <path>',
      `${FILENAME_HELP}. Without -f: the live mesh, read from the control plane`,
      collect,
    );
  else command.requiredOption('-f, --filename <path>', FILENAME_HELP, collect);
  return command
    .option(
      '-n, --namespace <ns>',
      live
        ? 'namespace for resources that do not set metadata.namespace; without -f: report on this namespace only (default there: every namespace)'
        : 'namespace for resources that do not set metadata.namespace',
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

/** --control-plane, --token and --timeout, on each command that talks to the control plane. */
function addConnectionOptions(command: Command): Command {
  return command
    .option(
      '--control-plane <address>',
      `control plane ConfigService address, host:port (default: $MESH_CONTROL_PLANE, else ${DEFAULT_CONTROL_PLANE})`,
    )
    .option(
      '--token <token>',
      'bearer token (default: $MESH_TOKEN, else the file $MESH_HOME/token, MESH_HOME defaulting to ~/.mesh)',
    )
    .option(
      '--timeout <duration>',
      'deadline of each call, e.g. 10s, 500ms, 1m; 0 for none',
      DEFAULT_TIMEOUT,
    );
}

interface ParsedConnectionOptions {
  controlPlane?: string;
  token?: string;
  timeout: string;
}

function connectionOptions(opts: ParsedConnectionOptions, program: Command): ControlPlaneOptions {
  return {
    ...(opts.controlPlane !== undefined && { controlPlane: opts.controlPlane }),
    ...(opts.token !== undefined && { token: opts.token }),
    timeout: opts.timeout,
    debug: program.opts<{ debug?: boolean }>().debug ?? false,
  };
}

const CONTROL_PLANE_EXIT_CODES = `
Exit codes: 0 done, 1 rejected (invalid config, not found, conflict, refused token),
2 usage error, 3 control plane unreachable or failing (or an internal error).`;

export function createProgram(
  io: CliIo,
  result: ProgramResult = { exitCode: EXIT_OK },
  controlPlane?: ControlPlaneDeps,
  proxyConfig?: ProxyConfigDeps,
  localMesh?: () => LocalMeshDeps,
): Command {
  // Made on first use: validate and analyze never read the environment or home directory.
  const deps = () => controlPlane ?? nodeControlPlaneDeps();
  /** --control-plane-http, else the local mesh's control plane, else localhost:15014. */
  const controlPlaneHttpOf = (flag: string | undefined): string =>
    flag ?? localMeshOf(deps()).localMesh?.controlPlaneHttp ?? DEFAULT_CONTROL_PLANE_HTTP;
  const program = new Command('meshctl')
    .description(
      'Check Istio traffic configuration (networking.istio.io) before you apply it, then apply it to the mesh control plane.',
    )
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
apply, get, delete and proxy-status also exit 1 when the control plane rejects the call and 3
when it cannot be reached; proxy-config exits 3 when the proxy or control plane cannot be read.

Examples:
  meshctl validate -f samples/bookinfo/virtual-service-all-v1.yaml
  meshctl analyze -f samples --exclude tasks
  kubectl get vs,dr -A -o yaml | meshctl analyze -f -
  meshctl apply -f samples/bookinfo --exclude tasks
  meshctl get vs -A
  meshctl proxy-status
  meshctl proxy-config routes --admin 127.0.0.1:15000
  meshctl describe svc reviews
  meshctl up --demo bookinfo`,
    );

  program
    .command('version')
    .summary("print meshctl's version and the control plane's, like istioctl version")
    .description(
      "Print this meshctl's version and the control plane's, read from the /version page of its HTTP port: --control-plane-http, else that of the local mesh `meshctl up` runs, else localhost:15014. When the control plane cannot be asked, the client version is still printed, the reason goes to stderr, and the exit code is 0, as with istioctl version. `meshctl --version` prints the client version alone.",
    )
    .option('--client', 'print the client version only; do not ask the control plane')
    .option('--short', 'versions only, without the replica and its address (text output)')
    .addOption(
      program
        .createOption('-o, --output <format>', 'output format')
        .choices(['text', 'json', 'yaml'])
        .default('text'),
    )
    .option(
      '--control-plane-http <address>',
      "the control plane's HTTP port, HOST:PORT (default: the local mesh's, else localhost:15014)",
    )
    .option(
      '--timeout <duration>',
      'deadline of the request, e.g. 10s, 500ms, 1m; 0 for none',
      DEFAULT_TIMEOUT,
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 printed (also when the control plane cannot be asked), 2 usage error.

Examples:
  meshctl version
  meshctl version --short
  meshctl version --client                  # no request: this meshctl only
  meshctl version -o json | jq -r .controlPlane.version
  meshctl version --control-plane-http cp.example:15014`,
    )
    .action(
      async (opts: {
        client?: boolean;
        short?: boolean;
        output: 'text' | 'json' | 'yaml';
        controlPlaneHttp?: string;
        timeout: string;
      }) => {
        // Loaded on use, like the completion generator: other commands never read them.
        const { runVersion } = await import('./version-command.js');
        const d = deps();
        result.exitCode = await runVersion(
          {
            client: opts.client ?? false,
            short: opts.short ?? false,
            output: opts.output,
            ...(opts.controlPlaneHttp !== undefined && { controlPlaneHttp: opts.controlPlaneHttp }),
            timeout: opts.timeout,
            debug: program.opts<{ debug?: boolean }>().debug ?? false,
          },
          io,
          {
            env: d.env,
            homeDir: d.homeDir,
            httpGet: (proxyConfig ?? nodeProxyConfigDeps()).httpGet,
          },
        );
      },
    );

  program
    .command('completion')
    .summary('print a bash or zsh completion script')
    .description(
      "Print a completion script for bash or zsh, generated from meshctl's own commands: command names and aliases, flags, -o values, get and delete resource types, proxy-config types, up --demo names, and file names for -f. Load it in your shell's startup file to complete meshctl on Tab.",
    )
    .addArgument(program.createArgument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      `
Examples:
  # bash: this shell, then every new one
  source <(meshctl completion bash)
  echo 'source <(meshctl completion bash)' >> ~/.bashrc

  # zsh (compinit loaded): this shell, or installed for every new one
  source <(meshctl completion zsh)
  meshctl completion zsh > "\${fpath[1]}/_meshctl"`,
    )
    .action(async (shell: 'bash' | 'zsh') => {
      const { completionScript } = await import('./completion.js');
      io.stdout(completionScript(shell, program));
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
      .summary(
        'check resources against each other, in files or in the live mesh, like istioctl analyze',
      )
      .description(
        'Validate, then check the resources against each other (missing subsets, unknown hosts, conflicts), like istioctl analyze. With -f, the files; without -f, the live mesh: the config stored in the control plane and the workloads registered with it, read from its HTTP port (--control-plane-http, else that of the local mesh `meshctl up` runs, else localhost:15014), which adds the checks that need the registry (routes to subsets with no endpoints, selectors that select no workload, VirtualServices no gateway proxy serves, ports no workload serves). Findings are printed on stdout as "<file>:<line>: <Severity> [<code>] <Kind> <ns>/<name>: <path>: <message>" (no file:line for the live mesh) followed by a hint line, and a summary on stderr.',
      ),
    true,
  )
    .option(
      '--known-host <host>',
      'a host that exists outside the given files (short names resolve in --namespace); repeatable. Kubernetes Services (apiVersion v1) in the files count automatically',
      collect,
    )
    .option(
      '--control-plane-http <address>',
      "without -f: the control plane's HTTP port, HOST:PORT (default: the local mesh's, else localhost:15014)",
    )
    .option(
      '--timeout <duration>',
      'without -f: deadline of each request, e.g. 10s, 500ms, 1m; 0 for none',
      DEFAULT_TIMEOUT,
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 no errors, 1 errors found, 2 usage error, 3 the control plane cannot be read
(without -f) or an internal error.

Examples:
  # Bookinfo: Services, DestinationRules, VirtualServices and Gateway together
  meshctl analyze -f samples/bookinfo --exclude tasks

  # routes to a Service that lives in the cluster, not in these files
  meshctl analyze -f reviews-vs.yaml --known-host reviews.default.svc.cluster.local

  # the live mesh (meshctl up's, or --control-plane-http): every namespace, or one
  meshctl analyze
  meshctl analyze -n shop -o json`,
    )
    .action(
      async (
        opts: Omit<ParsedInputOptions, 'filename'> & {
          filename?: string[];
          knownHost?: string[];
          controlPlaneHttp?: string;
          timeout: string;
        },
        command: Command,
      ) => {
        const { filename } = opts;
        if (filename === undefined) {
          if (opts.exclude !== undefined)
            command.error('error: --exclude filters -f directories; without -f there are none');
          // Loaded on use, like version and completion: analyzing files never reads the mesh.
          const { runAnalyzeLive } = await import('./analyze-live.js');
          result.exitCode = await runAnalyzeLive(
            {
              controlPlaneHttp: controlPlaneHttpOf(opts.controlPlaneHttp),
              // -n defaults to "default" for files; the live mesh is reported whole unless given.
              ...(command.getOptionValueSource('namespace') === 'cli' && {
                namespace: opts.namespace,
              }),
              output: opts.output,
              timeout: opts.timeout,
              debug: program.opts<{ debug?: boolean }>().debug ?? false,
              knownHosts: opts.knownHost ?? [],
            },
            io,
            proxyConfig ?? nodeProxyConfigDeps(),
          );
          return;
        }
        if (opts.controlPlaneHttp !== undefined)
          command.error(
            'error: --control-plane-http reads the live mesh; with -f, analyze checks the files only',
          );
        const options: AnalyzeOptions = {
          ...commonOptions({ ...opts, filename }, program),
          knownHosts: opts.knownHost ?? [],
        };
        result.exitCode = await runAnalyze(options, io);
      },
    );

  addConnectionOptions(
    program
      .command('apply')
      .summary('create or update resources in the control plane, all or nothing')
      .description(
        'Create or update the networking.istio.io resources of the inputs in the control plane, in one all-or-nothing call: if any resource is invalid, nothing is written and every problem is printed on stderr as "<file>:<line>: <Kind> <ns>/<name>: <field path>: <message>". Other Kubernetes objects (Services, Deployments) are skipped with a note on stderr. Prints one line per resource on stdout: created, configured or unchanged.',
      )
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
      .option(
        '--exclude <pattern>',
        'skip matching paths while walking directories; repeatable',
        collect,
      )
      .option(
        '--dry-run',
        'validate against the stored config and print what would change; write nothing',
      )
      .addOption(
        new Option('-o, --output <format>', 'output format: a line per resource, or data')
          .choices(['text', 'json', 'yaml'])
          .default('text'),
      ),
  )
    .addHelpText(
      'after',
      `${CONTROL_PLANE_EXIT_CODES}

Examples:
  # Bookinfo's base config (Services and Deployments in the files are skipped)
  meshctl apply -f samples/bookinfo --exclude tasks

  # what would change, without writing; as data
  meshctl apply -f reviews-v2.yaml --dry-run
  meshctl apply -f samples/bookinfo/virtual-service-all-v1.yaml -o json

  # edit what is stored; a resourceVersion in the file makes the write fail if it changed since
  meshctl get vs reviews -o yaml > reviews.yaml && $EDITOR reviews.yaml && meshctl apply -f reviews.yaml`,
    )
    .action(
      async (
        opts: ParsedConnectionOptions & {
          filename: string[];
          namespace: string;
          exclude?: string[];
          dryRun?: boolean;
          output: 'text' | 'json' | 'yaml';
        },
      ) => {
        result.exitCode = await runApply(
          {
            ...connectionOptions(opts, program),
            filenames: opts.filename,
            namespace: opts.namespace,
            exclude: opts.exclude ?? [],
            dryRun: opts.dryRun ?? false,
            output: opts.output,
          },
          io,
          deps(),
        );
      },
    );

  addConnectionOptions(
    program
      .command('get')
      .summary('list or show resources stored in the control plane')
      .description(
        'List or show resources stored in the control plane. TYPE is a kind or a kubectl alias, case-insensitive: virtualservice(s)/vs, destinationrule(s)/dr, gateway(s)/gw, serviceentry/serviceentries/se, sidecar(s), workloadentry/workloadentries/we; several joined with commas (vs,dr), or all. TYPE/NAME works too.',
      )
      .argument('<type>', 'resource type, TYPE,TYPE..., all, or TYPE/NAME')
      .argument('[name]', 'one resource')
      .option('-n, --namespace <ns>', 'namespace to read', 'default')
      .option('-A, --all-namespaces', 'read every namespace (adds a NAMESPACE column)')
      .addOption(
        new Option('-o, --output <format>', 'output format')
          .choices(GET_OUTPUTS as string[])
          .default('table'),
      ),
  )
    .addHelpText(
      'after',
      `${CONTROL_PLANE_EXIT_CODES}

Examples:
  meshctl get vs                       # VirtualServices in default
  meshctl get vs,dr -n bookinfo        # two types, one table each
  meshctl get all -A                   # everything, every namespace
  meshctl get dr reviews -o yaml       # one resource, with metadata.resourceVersion
  meshctl get vs -A -o json | jq '.items[].metadata.name'`,
    )
    .action(
      async (
        type: string,
        name: string | undefined,
        opts: ParsedConnectionOptions & {
          namespace: string;
          allNamespaces?: boolean;
          output: GetOutput;
        },
      ) => {
        result.exitCode = await runGet(
          {
            ...connectionOptions(opts, program),
            type,
            ...(name !== undefined && { name }),
            namespace: opts.namespace,
            allNamespaces: opts.allNamespaces ?? false,
            output: opts.output,
          },
          io,
          deps(),
        );
      },
    );

  addConnectionOptions(
    program
      .command('delete')
      .summary('remove resources from the control plane')
      .description(
        'Remove resources from the control plane: those the -f inputs define (other Kubernetes objects are skipped), or TYPE NAME... (also TYPE/NAME...). One call per resource; a missing one is reported and the rest are still deleted.',
      )
      .argument('[resources...]', 'TYPE NAME [NAME...], or TYPE/NAME [TYPE/NAME...]')
      .option(
        '-f, --filename <path>',
        'file, directory or - for stdin whose resources to delete; repeatable',
        collect,
      )
      .option('-n, --namespace <ns>', 'namespace of resources that do not name one', 'default')
      .option(
        '--exclude <pattern>',
        'skip matching paths while walking directories; repeatable',
        collect,
      )
      .option('--ignore-not-found', 'a resource that does not exist is not an error')
      .addOption(
        new Option('-o, --output <format>', 'output format: a line per deletion, or data')
          .choices(['text', 'json', 'yaml'])
          .default('text'),
      ),
  )
    .addHelpText(
      'after',
      `${CONTROL_PLANE_EXIT_CODES}

Examples:
  meshctl delete vs reviews
  meshctl delete dr/reviews vs/reviews -n bookinfo
  meshctl delete -f samples/bookinfo/virtual-service-all-v1.yaml --ignore-not-found`,
    )
    .action(
      async (
        resources: string[],
        opts: ParsedConnectionOptions & {
          filename?: string[];
          namespace: string;
          exclude?: string[];
          ignoreNotFound?: boolean;
          output: 'text' | 'json' | 'yaml';
        },
      ) => {
        result.exitCode = await runDelete(
          {
            ...connectionOptions(opts, program),
            filenames: opts.filename ?? [],
            resources,
            namespace: opts.namespace,
            exclude: opts.exclude ?? [],
            ignoreNotFound: opts.ignoreNotFound ?? false,
            output: opts.output,
          },
          io,
          deps(),
        );
      },
    );

  addConnectionOptions(
    program
      .command('proxy-status')
      .alias('ps')
      .summary('show whether each connected proxy has the latest config, like istioctl')
      .description(
        'Show, per connected proxy, whether it acknowledged the config the control plane sent, per type: SYNCED (acknowledged), STALE (sent, not acknowledged yet, or newer config waiting), NOT SENT, ERROR (rejected; the reason is printed under the table).',
      )
      .argument('[proxy-id]', 'one proxy (its node id)')
      .option('-n, --namespace <ns>', 'only proxies in this namespace (default: every namespace)')
      .addOption(
        new Option('-o, --output <format>', 'output format')
          .choices(PROXY_STATUS_OUTPUTS as string[])
          .default('table'),
      ),
  )
    .addHelpText(
      'after',
      `${CONTROL_PLANE_EXIT_CODES}

Examples:
  meshctl proxy-status
  meshctl proxy-status -n bookinfo
  meshctl proxy-status productpage-v1-1.bookinfo -o json   # versions, nonces, last errors`,
    )
    .action(
      async (
        proxyId: string | undefined,
        opts: ParsedConnectionOptions & { namespace?: string; output: ProxyStatusOutput },
      ) => {
        result.exitCode = await runProxyStatus(
          {
            ...connectionOptions(opts, program),
            ...(proxyId !== undefined && { proxyId }),
            ...(opts.namespace !== undefined && { namespace: opts.namespace }),
            output: opts.output,
          },
          io,
          deps(),
        );
      },
    );

  program
    .command('proxy-config')
    .alias('pc')
    .summary("show one proxy's listeners, routes, clusters or endpoints, like istioctl")
    .description(
      "Show the config one proxy holds, read from its admin port (--admin: /config_dump, and /clusters for endpoint health), or what the control plane wants it to hold (--from-control-plane: the control plane's /debug/snapshotz). TYPE is clusters (c), listeners (l), routes (r), endpoints (ep) or all; singular forms work too.",
    )
    .argument('<type>', 'clusters, listeners, routes, endpoints or all')
    .argument(
      '[proxy]',
      'the proxy id (as meshctl proxy-status lists it); needed with --from-control-plane',
    )
    .option(
      '--admin <address>',
      "the proxy's admin address, HOST:PORT (its --admin-port, 15000 by default; it binds 127.0.0.1, so run meshctl on the proxy's host or forward the port)",
    )
    .option(
      '--from-control-plane',
      'show what the control plane wants the proxy to hold instead of what it holds',
    )
    .option(
      '--control-plane-http <address>',
      "with --from-control-plane: the control plane replica's HTTP port, HOST:PORT (default localhost:15014)",
    )
    .option(
      '--cluster <name>',
      'only this cluster, e.g. "outbound|9080|v1|reviews.default.svc.cluster.local" (clusters, endpoints)',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format: a table, or the resources as held')
        .choices(PROXY_CONFIG_OUTPUTS as string[])
        .default('table'),
    )
    .option(
      '--timeout <duration>',
      'deadline of each HTTP request, e.g. 10s, 500ms, 1m; 0 for none',
      DEFAULT_TIMEOUT,
    )
    .addHelpText(
      'after',
      `
The control plane does not know proxies' admin addresses yet: to read a proxy, give --admin.

Exit codes: 0 shown, 1 the proxy is not connected to that control plane or --cluster names no
cluster, 2 usage error, 3 the proxy or control plane cannot be reached or answered something else.

Examples:
  meshctl proxy-config routes --admin 127.0.0.1:15000
  meshctl pc clusters --admin 127.0.0.1:15000 -o yaml
  meshctl pc endpoints --admin 127.0.0.1:15000 --cluster "outbound|9080|v1|reviews.default.svc.cluster.local"
  meshctl pc all productpage-v1-1.bookinfo --from-control-plane --control-plane-http cp.example:15014

  # what the control plane wants vs what the proxy holds (both sorted by name)
  diff <(meshctl pc routes --admin 127.0.0.1:15000 -o yaml) \\
       <(meshctl pc routes productpage-v1-1.bookinfo --from-control-plane -o yaml)`,
    )
    .action(
      async (
        type: string,
        proxy: string | undefined,
        opts: {
          admin?: string;
          fromControlPlane?: boolean;
          controlPlaneHttp?: string;
          cluster?: string;
          output: ProxyConfigOutput;
          timeout: string;
        },
      ) => {
        result.exitCode = await runProxyConfig(
          {
            type,
            ...(proxy !== undefined && { proxy }),
            ...(opts.admin !== undefined && { admin: opts.admin }),
            fromControlPlane: opts.fromControlPlane ?? false,
            ...(opts.controlPlaneHttp !== undefined && { controlPlaneHttp: opts.controlPlaneHttp }),
            ...(opts.cluster !== undefined && { cluster: opts.cluster }),
            output: opts.output,
            timeout: opts.timeout,
            debug: program.opts<{ debug?: boolean }>().debug ?? false,
            ...localMeshOf(deps()),
          },
          io,
          proxyConfig ?? nodeProxyConfigDeps(),
        );
      },
    );

  program
    .command('describe')
    .summary('explain what config applies to a service or workload and where its traffic goes now')
    .description(
      "Describe a service or a workload, like istioctl x describe: the VirtualServices, DestinationRules (subsets, merged traffic policy), Gateways, ServiceEntries and Sidecars that apply, where a sidecar's traffic for it goes right now (weights, subsets, endpoints, decided by the @mesh/rules engine the proxies run), and what is wrong, in words. KIND is service (svc) or workload (wl). Read from the control plane's HTTP port (/debug/configz, /debug/registryz, /debug/syncz): --control-plane-http, else that of the local mesh `meshctl up` runs, else localhost:15014.",
    )
    .addArgument(
      program
        .createArgument('<kind>', 'service (svc) or workload (wl)')
        .choices(['service', 'svc', 'workload', 'wl']),
    )
    .argument(
      '<name>',
      'a service (reviews, reviews.bookinfo, its FQDN, or a ServiceEntry host) or a workload (reviews-v1, or its proxy id)',
    )
    .option('-n, --namespace <ns>', 'namespace of the service or workload', 'default')
    .addOption(
      new Option('-o, --output <format>', 'output format: words, or the same facts as data')
        .choices(DESCRIBE_OUTPUTS as string[])
        .default('text'),
    )
    .option(
      '--control-plane-http <address>',
      "the control plane's HTTP port, HOST:PORT (default: the local mesh's, else localhost:15014)",
    )
    .option(
      '--timeout <duration>',
      'deadline of each HTTP request, e.g. 10s, 500ms, 1m; 0 for none',
      DEFAULT_TIMEOUT,
    )
    .addHelpText(
      'after',
      `
"Traffic now" is what a sidecar in the service's namespace gets for GET / without headers (HTTP
ports) or a plain connection (TCP), routed by @mesh/rules as the proxies route it. Sync states
come from the replica asked; a proxy connected to another replica shows as unknown.

Exit codes: 0 described, 1 no such service or workload (the message lists those that exist),
2 usage error, 3 the control plane cannot be reached or answered something else.

Examples:
  meshctl describe service reviews
  meshctl describe svc reviews -n bookinfo -o yaml
  meshctl describe workload reviews-v2
  meshctl describe wl istio-ingressgateway -n istio-system
  meshctl describe svc api.example.com                      # a ServiceEntry host
  meshctl describe svc productpage --control-plane-http cp.example:15014
  meshctl describe svc reviews -o json | jq '.traffic[].destinations[] | {subset, percent}'`,
    )
    .action(
      async (
        kind: string,
        name: string,
        opts: {
          namespace: string;
          output: DescribeOutput;
          controlPlaneHttp?: string;
          timeout: string;
        },
      ) => {
        result.exitCode = await runDescribe(
          {
            kind,
            name,
            namespace: opts.namespace,
            controlPlaneHttp: controlPlaneHttpOf(opts.controlPlaneHttp),
            output: opts.output,
            timeout: opts.timeout,
            debug: program.opts<{ debug?: boolean }>().debug ?? false,
          },
          io,
          { httpGet: (proxyConfig ?? nodeProxyConfigDeps()).httpGet },
        );
      },
    );

  program
    .command('stat')
    .summary(
      'live success rate, requests/s and latency per workload or service version, like linkerd viz stat',
    )
    .description(
      "Show, per destination workload (KIND workload, the default) or per service and version (KIND service), the share of requests that got no 5xx, requests per second, and p50/p95/p99 latency, measured live: every proxy's Istio metrics (istio_requests_total, istio_request_duration_milliseconds, on its admin port's /stats/prometheus) are read, read again after --window, and the difference shown, counted by the destination's own proxy as Istio's dashboards do. The proxies are every proxy of the local mesh `meshctl up` runs, or those given with --target.",
    )
    .addArgument(
      program
        .createArgument('[kind]', 'workload (wl) or service (svc); default workload')
        .choices(Object.keys(STAT_KIND_WORDS)),
    )
    .argument(
      '[name]',
      'one workload (reviews-v2) or service (reviews, reviews.bookinfo, or its FQDN)',
    )
    .option('-n, --namespace <ns>', 'only this namespace (default: every namespace)')
    .option(
      '--target <address>',
      "a proxy's admin address, HOST:PORT or http://HOST:PORT[/path] (default path /stats/prometheus); repeatable. Default: every proxy of the local mesh",
      collect,
    )
    .option('--window <duration>', 'how long to measure, e.g. 10s, 500ms, 1m', DEFAULT_WINDOW)
    .option('-w, --watch', 'measure again every window and redraw, until Ctrl-C')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(STAT_OUTPUTS as string[])
        .default('table'),
    )
    .option(
      '--timeout <duration>',
      'deadline of each read of a proxy, e.g. 10s, 500ms, 1m; 0 for none',
      DEFAULT_TIMEOUT,
    )
    .addHelpText(
      'after',
      `
Columns: SUCCESS is the share of requests without a 5xx response ("-" without requests), RPS
requests per second, LATENCY_P50/P95/P99 PromQL's histogram_quantile over the window's buckets,
REQUESTS the count in the window; service rows add VERSION and TRAFFIC, the version's share of
the service's requests. A proxy that does not answer is named on stderr and left out.

Exit codes: 0 shown (also when stopped with Ctrl-C), 1 no proxies to read, 2 usage error,
3 no proxy answered.

Examples:
  meshctl stat                             # every workload, over 10s
  meshctl stat svc reviews                 # reviews v1/v2/v3 after a traffic shift
  meshctl stat service -n bookinfo -w      # redraw every window until Ctrl-C
  meshctl stat wl reviews-v2 --window 1m -o json
  meshctl stat --target 10.0.0.7:15000 --target 10.0.0.8:15000`,
    )
    .action(
      async (
        kind: string | undefined,
        name: string | undefined,
        opts: {
          namespace?: string;
          target?: string[];
          window: string;
          watch?: boolean;
          output: StatOutput;
          timeout: string;
        },
      ) => {
        // Loaded on use, like version and completion: other commands never read metrics.
        const { nodeStatDeps, runStat } = await import('./stat/run.js');
        const watch = opts.watch ?? false;
        result.exitCode = await runStat(
          {
            kind: STAT_KIND_WORDS[kind ?? 'workload'] ?? 'workload',
            ...(name !== undefined && { name }),
            ...(opts.namespace !== undefined && { namespace: opts.namespace }),
            targets: opts.target ?? [],
            window: opts.window,
            watch,
            output: opts.output,
            timeout: opts.timeout,
            debug: program.opts<{ debug?: boolean }>().debug ?? false,
            ...(opts.target === undefined && localMeshOf(deps())),
          },
          io,
          nodeStatDeps(
            (proxyConfig ?? nodeProxyConfigDeps()).httpGet,
            // Ctrl-C ends --watch the way it stops `meshctl up`: through the process's handler.
            watch && localMesh ? async () => localMesh().stopRequested() : undefined,
          ),
        );
      },
    );

  program
    .command('up')
    .summary(
      'run a whole mesh on this machine: control plane, ingress gateway, and the Bookinfo demo',
    )
    .description(
      "Start a local mesh: the control plane (embedded store, or --etcd), an ingress gateway proxy whose Gateway ports 8080 and 31400 listen on local ports, and with --demo bookinfo the Bookinfo workloads (productpage, details, reviews v1/v2/v3, ratings, tcp-echo v1/v2), each its own process with its own sidecar. Applies the samples' bookinfo Gateway and DestinationRules, waits until /productpage answers, prints what runs where, and supervises everything (a component that crashes is reported and restarted) until Ctrl-C or `meshctl down`. The embedded store starts empty unless --keep-config. State and logs: $MESH_HOME/local-mesh (MESH_HOME defaults to ~/.mesh); other meshctl commands find this control plane there.",
    )
    .addOption(new Option('--demo <name>', 'demo workloads to run').choices([...DEMOS]))
    .option(
      '--etcd <url>',
      'store config in this etcd (e.g. http://127.0.0.1:2379) instead of the embedded store',
    )
    .option(
      '--ingress-port <port>',
      "local port of the Gateway's HTTP port 8080 (0: any free port)",
      portOption,
      8080,
    )
    .option(
      '--tcp-port <port>',
      "local port of the Gateway's TCP port 31400 (0: any free port)",
      portOption,
      31400,
    )
    .option(
      '--control-plane-port <port>',
      'control plane gRPC port (0: any free port)',
      portOption,
      15010,
    )
    .option(
      '--control-plane-http-port <port>',
      'control plane HTTP port (0: any free port)',
      portOption,
      15014,
    )
    .option(
      '--client-port <port>',
      'outbound port of the curl client sidecar, an HTTP_PROXY into the mesh (0: any free port)',
      portOption,
      15001,
    )
    .option(
      '--keep-config',
      'keep the config the embedded store held when the last local mesh stopped',
    )
    .option(
      '--mesh-config <file>',
      'Istio MeshConfig YAML for every proxy (accessLogFile, accessLogEncoding, enableTracing, defaultConfig.tracing.sampling); default: access log on stdout, 1% of traces sampled',
    )
    .option('-d, --detach', 'run in the background; stop it with meshctl down')
    .addHelpText(
      'after',
      `
Exit codes: 0 stopped cleanly (or started, with --detach), 1 could not start (a port in use, a
component that failed, a mesh already running), 2 usage error.

Examples:
  meshctl up --demo bookinfo               # then open http://localhost:8080/productpage
  meshctl up --demo bookinfo --detach      # in the background; meshctl down stops it
  meshctl up --etcd http://127.0.0.1:2379  # config in a real etcd
  meshctl up --demo bookinfo --mesh-config mesh.yaml  # e.g. defaultConfig.tracing.sampling: 100
  MESH_HOME=/tmp/mesh2 meshctl up --demo bookinfo --ingress-port 0 --tcp-port 0 --control-plane-port 0 --control-plane-http-port 0 --client-port 0`,
    )
    .action(
      async (
        opts: Omit<UpOptions, 'keepConfig' | 'detach' | 'relaunch'> & {
          keepConfig?: boolean;
          detach?: boolean;
        },
      ) => {
        if (!localMesh) {
          io.stderr('meshctl: error: this build of meshctl cannot start a local mesh\n');
          result.exitCode = EXIT_USAGE;
          return;
        }
        result.exitCode = await runUp(
          {
            ...(opts.demo && { demo: opts.demo }),
            ...(opts.etcd && { etcd: opts.etcd }),
            ingressPort: opts.ingressPort,
            tcpPort: opts.tcpPort,
            controlPlanePort: opts.controlPlanePort,
            controlPlaneHttpPort: opts.controlPlaneHttpPort,
            clientPort: opts.clientPort,
            keepConfig: opts.keepConfig ?? false,
            ...(opts.meshConfig !== undefined && { meshConfig: resolvePath(opts.meshConfig) }),
            detach: opts.detach ?? false,
            relaunch: ['up', ...upArgs(opts)],
          },
          io,
          localMesh(),
        );
      },
    );

  program
    .command('down')
    .description('stop the local mesh that meshctl up runs (in the foreground or detached)')
    .addHelpText(
      'after',
      `
Examples:
  meshctl down
  MESH_HOME=/tmp/mesh2 meshctl down`,
    )
    .action(async () => {
      const d = deps();
      result.exitCode = await runDown(meshHome(d.env, d.homeDir), io);
    });

  return program;
}

/** The local mesh under MESH_HOME, when one runs: commands find its addresses there. */
function localMeshOf(d: ControlPlaneDeps): { localMesh?: LocalMeshState } {
  const state = runningMesh(meshHome(d.env, d.homeDir));
  return state ? { localMesh: state } : {};
}

function portOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('not a port (0-65535)');
  return n;
}

/** The options of `up` as flags again, for the background copy --detach starts. */
function upArgs(opts: Record<string, string | number | boolean | undefined>): string[] {
  const flags: [string, string][] = [
    ['demo', '--demo'],
    ['etcd', '--etcd'],
    ['ingressPort', '--ingress-port'],
    ['tcpPort', '--tcp-port'],
    ['controlPlanePort', '--control-plane-port'],
    ['controlPlaneHttpPort', '--control-plane-http-port'],
    ['clientPort', '--client-port'],
    ['meshConfig', '--mesh-config'],
  ];
  const out: string[] = [];
  for (const [key, flag] of flags) {
    const value = opts[key];
    if (typeof value === 'string' || typeof value === 'number')
      out.push(flag, key === 'meshConfig' ? resolvePath(String(value)) : String(value));
  }
  if (opts.keepConfig) out.push('--keep-config');
  return out;
}

/** Runs meshctl on arguments (without node and script) and returns the process exit code. */
export async function runMeshctl(
  args: readonly string[],
  io: CliIo,
  controlPlane?: ControlPlaneDeps,
  proxyConfig?: ProxyConfigDeps,
  localMesh?: () => LocalMeshDeps,
): Promise<number> {
  const result: ProgramResult = { exitCode: EXIT_OK };
  if (args.length === 0) {
    // Like kubectl and istioctl: no arguments at all is a request for help, not a mistake.
    createProgram(io, result).outputHelp();
    return EXIT_OK;
  }
  try {
    await createProgram(io, result, controlPlane, proxyConfig, localMesh).parseAsync([...args], {
      from: 'user',
    });
    return result.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportInternalError(io, err, args.includes('--debug'));
  }
}
