// Test helpers for the live analyzers (MESH-A0021..A0025): a registry of workloads next to YAML.
import type { Diagnostic } from '../../diagnostics.js';
import { parseResources } from '../../parse.js';
import { analyze } from '../index.js';
import type { RegisteredWorkload, WorkloadRegistry } from '../registry.js';

/** A registered workload; `id` is `<workload>-1.<namespace>` as a proxy's node id reads. */
export function workload(
  name: string,
  labels: Record<string, string>,
  options: { namespace?: string; ports?: number[] } = {},
): RegisteredWorkload {
  const namespace = options.namespace ?? 'default';
  return {
    id: `${name}-1.${namespace}`,
    namespace,
    workloadName: name,
    labels,
    ports: (options.ports ?? [9080]).map((number) => ({ number, name: 'http' })),
  };
}

/**
 * What `meshctl up --demo bookinfo` registers, as its control plane's /debug/registryz listed it
 * (proxy ids shortened): one workload per Bookinfo version, tcp-echo, httpbin, the curl client and
 * the ingress gateway (neither of the last two serves a port).
 */
export const BOOKINFO_REGISTRY: WorkloadRegistry = {
  workloads: [
    workload('curl', { app: 'curl', version: 'v1' }, { ports: [] }),
    workload('details-v1', { app: 'details', version: 'v1' }),
    workload('httpbin-v1', { app: 'httpbin', version: 'v1' }, { ports: [8000] }),
    workload('httpbin-v2', { app: 'httpbin', version: 'v2' }, { ports: [8000] }),
    workload('productpage-v1', { app: 'productpage', version: 'v1' }),
    workload('ratings-v1', { app: 'ratings', version: 'v1' }),
    workload('reviews-v1', { app: 'reviews', version: 'v1' }),
    workload('reviews-v2', { app: 'reviews', version: 'v2' }),
    workload('reviews-v3', { app: 'reviews', version: 'v3' }),
    workload('tcp-echo-v1', { app: 'tcp-echo', version: 'v1' }, { ports: [9000] }),
    workload('tcp-echo-v2', { app: 'tcp-echo', version: 'v2' }, { ports: [9000] }),
    workload(
      'istio-ingressgateway',
      { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      { namespace: 'istio-system', ports: [] },
    ),
  ],
};

export function analyzeLiveYaml(
  yaml: string,
  registry: WorkloadRegistry = BOOKINFO_REGISTRY,
): Diagnostic[] {
  const { resources, diagnostics } = parseResources(yaml);
  if (diagnostics.length > 0) {
    throw new Error(
      `fixture does not parse: ${diagnostics.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    );
  }
  return analyze(resources, { registry });
}

/** `<severity> <code> <Kind> <ns>/<name> <path>` for each finding with this code. */
export function liveFindings(
  code: string,
  yaml: string,
  registry: WorkloadRegistry = BOOKINFO_REGISTRY,
): string[] {
  return analyzeLiveYaml(yaml, registry)
    .filter((d) => d.code === code)
    .map((d) => `${d.severity} ${d.code} ${d.kind} ${d.namespace}/${d.name} ${d.path}`);
}

/** The message and hint of the only finding with this code. */
export function onlyFinding(
  code: string,
  yaml: string,
  registry: WorkloadRegistry = BOOKINFO_REGISTRY,
): { message: string; hint: string | undefined } {
  const found = analyzeLiveYaml(yaml, registry).filter((d) => d.code === code);
  if (found.length !== 1) throw new Error(`expected one ${code}, got ${found.length}`);
  return { message: found[0]!.message, hint: found[0]!.hint };
}
