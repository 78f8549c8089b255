// MESH-A0022, live mesh only: a workload selector that selects nothing the registry has.
// Istio: IST0101 (ReferencedResourceNotFound, "selector") for Gateways and Sidecars; Kiali:
// KIA0302 (Gateway), KIA1004 (Sidecar), both warnings. A warning here as well: a workload that
// is restarting re-registers within seconds, and config may arrive before its workloads.
// - Gateway `selector`, matched against workloads in every namespace (the control plane's
//   PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false). Without selector labels a Gateway configures no proxy
//   in this mesh (Istio would apply it to every gateway proxy; see snapshot/gateways.ts).
// - Sidecar `workloadSelector`, within its namespace: it configures no proxy.
// - ServiceEntry `workloadSelector`, within its namespace, against WorkloadEntries and registered
//   workloads: its hosts get no endpoints from it.
import type { Gateway, ServiceEntry, Sidecar } from '../api/resources.js';
import type { Diagnostic } from '../diagnostics.js';
import { selects, type Labels } from '../workloads.js';
import type { Catalog } from './catalog.js';
import { finding } from './finding.js';
import {
  describeCandidates,
  formatLabels,
  hasLabels,
  type RegisteredWorkload,
  type RegistryIndex,
} from './registry.js';

export function selectorNoWorkload(catalog: Catalog): Diagnostic[] {
  const registry = catalog.registry;
  if (!registry) return [];
  return [
    ...[...catalog.gateways.values()].flatMap((g) => checkGateway(g, registry)),
    ...catalog.sidecars.flatMap((s) => checkSidecar(s, registry)),
    ...catalog.serviceEntries.flatMap((se) => checkServiceEntry(se, catalog, registry)),
  ];
}

function checkGateway(gateway: Gateway, registry: RegistryIndex): Diagnostic[] {
  const selector = gateway.spec?.selector;
  if (!hasLabels(selector))
    return [
      finding(
        'MESH-A0022',
        gateway,
        ['spec', 'selector'],
        'has no selector labels: this mesh applies a Gateway only to the gateway proxies its selector selects, so no proxy serves it',
        'Set spec.selector to the labels of a gateway proxy, e.g. istio: ingressgateway (the one meshctl up starts).',
      ),
    ];
  if (registry.workloads.some((w) => selects(selector, w.labels))) return [];
  return [
    finding(
      'MESH-A0022',
      gateway,
      ['spec', 'selector'],
      `selector ${formatLabels(selector)} matches no registered workload in any namespace, so no gateway proxy serves this Gateway${similar(selector, registry.workloads)}`,
      'Start a gateway proxy with these labels, or set spec.selector to the labels of a running one.',
    ),
  ];
}

function checkSidecar(sidecar: Sidecar, registry: RegistryIndex): Diagnostic[] {
  const selector = sidecar.spec?.workloadSelector?.labels;
  if (!hasLabels(selector)) return [];
  const ns = sidecar.metadata.namespace;
  const candidates = registry.workloads.filter((w) => w.namespace === ns);
  if (candidates.some((w) => selects(selector, w.labels))) return [];
  return [
    finding(
      'MESH-A0022',
      sidecar,
      ['spec', 'workloadSelector', 'labels'],
      `workloadSelector ${formatLabels(selector)} matches no registered workload in namespace "${ns}", so this Sidecar configures no proxy${similar(selector, candidates)}`,
      'Fix the labels to match the workloads meant, or delete the Sidecar if they are gone.',
    ),
  ];
}

function checkServiceEntry(
  se: ServiceEntry,
  catalog: Catalog,
  registry: RegistryIndex,
): Diagnostic[] {
  const selector = se.spec?.workloadSelector?.labels;
  if (!hasLabels(selector)) return [];
  const ns = se.metadata.namespace;
  const entries = catalog.workloadEntries.filter((we) => we.metadata.namespace === ns);
  const workloads = registry.workloads.filter((w) => w.namespace === ns);
  if (
    entries.some((we) => selects(selector, we.spec?.labels ?? {})) ||
    workloads.some((w) => selects(selector, w.labels))
  )
    return [];
  const hosts = (se.spec?.hosts ?? []).filter((h) => typeof h === 'string');
  const subject =
    hosts.length === 0
      ? 'its hosts get'
      : `${hosts.join(', ')} ${hosts.length === 1 ? 'gets' : 'get'}`;
  const candidates = [
    ...workloads.map((w) => w.labels),
    ...entries.map((we) => we.spec?.labels ?? {}),
  ];
  return [
    finding(
      'MESH-A0022',
      se,
      ['spec', 'workloadSelector', 'labels'],
      `workloadSelector ${formatLabels(selector)} matches no WorkloadEntry or registered workload in namespace "${ns}", so ${subject} no endpoints from it${similarLabels(selector, candidates)}`,
      `Create a WorkloadEntry or start a workload labelled ${formatLabels(selector)} in namespace "${ns}", or fix the selector.`,
    ),
  ];
}

function similar(selector: Labels, workloads: readonly RegisteredWorkload[]): string {
  return similarLabels(
    selector,
    workloads.map((w) => w.labels),
  );
}

/**
 * `; similar workloads have app=reviews; version=v1, v2, v3`: what the workloads sharing one of
 * the selector's label values (else one of its keys) carry, to show the likely typo.
 */
function similarLabels(selector: Labels, candidates: readonly Labels[]): string {
  const pairs = Object.entries(selector);
  let near = candidates.filter((l) => pairs.some(([k, v]) => l[k] === v));
  if (near.length === 0) near = candidates.filter((l) => pairs.some(([k]) => Object.hasOwn(l, k)));
  return near.length === 0 ? '' : `; similar workloads have ${describeCandidates(selector, near)}`;
}
