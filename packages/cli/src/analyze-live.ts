// `meshctl analyze` without files: the live mesh, as `istioctl analyze` looks at a cluster. The
// stored config and the registered workloads come from the control plane's debug port; every
// file analyzer runs on the stored resources (with the registry's services as the known hosts),
// and so do the analyzers that need the registry (MESH-A0021..A0025).
import {
  analyze,
  DEFAULT_NAMESPACE,
  hasErrors,
  resolveHost,
  validateResource,
  type Diagnostic,
  type RegisteredWorkload,
  type Resource,
  type Severity,
  type WorkloadRegistry,
} from '@mesh/rules';
import { parseTimeout } from './connection.js';
import {
  readDebugPages,
  type DebugPages,
  type StoredConfig,
  type WorkloadRecord,
} from './debug-pages.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import { InputError } from './inputs.js';
import type { CliIo } from './io.js';
import { HttpGetError, UnexpectedAnswerError, type HttpGet } from './proxy-config-http.js';
import { controlPlaneHttpAddress } from './proxy-config-source.js';
import { findingLines, formatData, OUTPUT_FORMATS, type OutputFormat } from './report.js';
import { EXIT_UNREACHABLE, formatTimeout } from './rpc.js';

export interface AnalyzeLiveOptions {
  /** The control plane's HTTP (debug) port, `host:port`; program.ts resolves the default. */
  controlPlaneHttp: string;
  /** Report on this namespace only; the analysis still sees every namespace. Default: all. */
  namespace?: string;
  output: OutputFormat;
  /** Deadline of each HTTP request, as --timeout of the other commands. */
  timeout?: string;
  debug?: boolean;
  /** Hosts that exist outside the mesh's registry; short names resolve in `default`. */
  knownHosts?: readonly string[];
}

export interface AnalyzeLiveDeps {
  httpGet: HttpGet;
}

/** The live mesh as the analysis takes it. */
export interface LiveMesh {
  /** `host:port` of the control plane's HTTP port that answered. */
  address: string;
  /**
   * Oldest first (the order stands for creation order in Istio's "oldest wins" rules), each with
   * what parsing and validation say about it: errors keep it out of the analysis.
   */
  resources: StoredConfig[];
  registry: WorkloadRegistry;
}

/** The document `-o json` prints: `meshctl analyze -o json`'s, with the mesh instead of files. */
export interface LiveReport {
  controlPlane: string;
  namespace?: string;
  resources: number;
  workloads: number;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  info: Diagnostic[];
}

export interface LiveAnalysis {
  report: LiveReport;
  /** Every diagnostic of the report, grouped by resource in creation order: how text reads. */
  diagnostics: Diagnostic[];
}

export function runAnalyzeLive(
  options: AnalyzeLiveOptions,
  io: CliIo,
  deps: AnalyzeLiveDeps,
): Promise<number> {
  return guarded(io, options.debug, async () => {
    if (!OUTPUT_FORMATS.includes(options.output))
      throw new InputError(
        `-o: "${String(options.output)}" is not one of ${OUTPUT_FORMATS.join(', ')}`,
      );
    const timeoutMs = parseTimeout(options.timeout);
    const address = controlPlaneHttpAddress(options.controlPlaneHttp);
    let mesh: LiveMesh;
    try {
      const pages = await readDebugPages(deps.httpGet, address, timeoutMs, [
        'configz',
        'registryz',
      ]);
      mesh = liveMesh(address, pages);
    } catch (err) {
      const message = describeLiveFailure(err, address, timeoutMs);
      if (message === undefined) throw err;
      io.stderr(`${message}\n`);
      return EXIT_UNREACHABLE;
    }
    const analysis = analyzeLiveMesh(mesh, options);
    writeLiveReport(io, options.output, analysis);
    return hasErrors(analysis.diagnostics) ? EXIT_FINDINGS : EXIT_OK;
  });
}

/** The stored resources, validated, and the registry as the analyzers take it. */
function liveMesh(address: string, pages: Pick<DebugPages, 'configz' | 'registryz'>): LiveMesh {
  return {
    address,
    resources: pages.configz.map((stored) => ({
      ...stored,
      diagnostics: [
        ...stored.diagnostics,
        ...(stored.resource ? validateResource(stored.resource) : []),
      ],
    })),
    registry: { workloads: pages.registryz.map(registeredWorkload) },
  };
}

function registeredWorkload(w: WorkloadRecord): RegisteredWorkload {
  return {
    id: w.proxyId,
    namespace: w.namespace,
    workloadName: w.workloadName,
    labels: w.labels,
    ports: w.ports.map((p) => ({
      number: p.number,
      ...(p.name !== '' && { name: p.name }),
      ...(p.protocol !== '' && { protocol: p.protocol }),
    })),
  };
}

/**
 * Validation findings, then every analyzer over the resources that pass, grouped by resource in
 * creation order. With a namespace, only its resources are reported on.
 */
export function analyzeLiveMesh(
  mesh: LiveMesh,
  options: Pick<AnalyzeLiveOptions, 'namespace' | 'knownHosts'> = {},
): LiveAnalysis {
  const valid: Resource[] = mesh.resources.flatMap((r) =>
    r.resource && !hasErrors(r.diagnostics) ? [r.resource] : [],
  );
  const knownHosts = (options.knownHosts ?? []).map((h) => resolveHost(h, DEFAULT_NAMESPACE));
  const findings = analyze(valid, { registry: mesh.registry, knownHosts });

  const inScope = (ns: string) => options.namespace === undefined || ns === options.namespace;
  const order = new Map(mesh.resources.map((r, i) => [keyOf(r), i]));
  const groups: Diagnostic[][] = mesh.resources.map(() => []);
  const rest: Diagnostic[] = [];
  for (const d of [...mesh.resources.flatMap((r) => r.diagnostics), ...findings]) {
    if (!inScope(d.namespace)) continue;
    const { source: _source, ...withoutSource } = d;
    const at = order.get(keyOf(d));
    (at === undefined ? rest : (groups[at] ?? rest)).push(withoutSource);
  }
  const diagnostics = [...groups.flat(), ...rest];
  const bySeverity = (s: Severity) => diagnostics.filter((d) => d.severity === s);
  return {
    report: {
      controlPlane: mesh.address,
      ...(options.namespace !== undefined && { namespace: options.namespace }),
      resources: mesh.resources.filter((r) => inScope(r.namespace)).length,
      workloads: mesh.registry.workloads.filter((w) => inScope(w.namespace)).length,
      errors: bySeverity('error'),
      warnings: bySeverity('warning'),
      info: bySeverity('info'),
    },
    diagnostics,
  };
}

/** Findings as `analyze` prints them, without file:line, on stdout; the summary on stderr. */
export function writeLiveReport(io: CliIo, format: OutputFormat, analysis: LiveAnalysis): void {
  if (format !== 'text') {
    io.stdout(formatData(format, analysis.report));
  } else if (analysis.diagnostics.length > 0) {
    io.stdout(`${analysis.diagnostics.flatMap((d) => findingLines(d)).join('\n')}\n`);
  }
  io.stderr(`${liveSummary(analysis.report)}\n`);
}

/** `analyzed 17 resources and 12 workloads from the control plane at ...: 1 error, 8 warnings`. */
export function liveSummary(report: LiveReport): string {
  const where = report.namespace === undefined ? '' : ` in namespace "${report.namespace}"`;
  return (
    `analyzed ${plural(report.resources, 'resource')} and ${plural(report.workloads, 'workload')}${where} ` +
    `from the control plane at ${report.controlPlane}: ` +
    `${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}`
  );
}

/** The `Error: ...` line of a failed read; undefined for our own bugs. */
export function describeLiveFailure(
  err: unknown,
  address: string,
  timeoutMs: number,
): string | undefined {
  const where = `the control plane's HTTP port at ${address}`;
  if (err instanceof HttpGetError) {
    if (err.reason === 'timeout')
      return `Error: ${where} did not answer within ${formatTimeout(timeoutMs)}. Check that it is running, or raise --timeout.`;
    return (
      `Error: cannot reach ${where}: ${err.details}. ` +
      'Start a local mesh with "meshctl up" (analyze then finds it by itself), or set --control-plane-http to a running control plane\'s HTTP port (mesh-control-plane --http-port, 15014 by default). ' +
      'To analyze files instead: meshctl analyze -f <file>.'
    );
  }
  if (err instanceof UnexpectedAnswerError)
    return `Error: ${err.message}. Is --control-plane-http pointing at a mesh control plane's HTTP port (not its gRPC port)?`;
  return undefined;
}

function keyOf(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind}/${r.namespace}/${r.name}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
