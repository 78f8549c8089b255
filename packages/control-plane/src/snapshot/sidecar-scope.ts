// Sidecar egress scoping: which services and VirtualServices a sidecar proxy imports.
import {
  hostsIntersect,
  ISTIO_ROOT_NAMESPACE,
  resolveHost,
  selects,
  type Sidecar,
} from '@mesh/rules';
import type { ConfigView, ProxyNode } from '../model.js';
import { attempt, storedOfKind, type Stored } from './stored.js';

/**
 * The Sidecar that applies to a proxy, as Istio chooses it: one in the proxy's namespace whose
 * workloadSelector matches, else the namespace's one without a selector, else the root
 * namespace's one without a selector; the oldest wins each tie.
 */
export function selectSidecar(
  config: ConfigView,
  node: ProxyNode,
  rootNamespace: string = ISTIO_ROOT_NAMESPACE,
): Stored<Sidecar> | undefined {
  const sidecars = storedOfKind(config, 'Sidecar');
  const inNamespace = (ns: string) => sidecars.filter((s) => s.resource.metadata.namespace === ns);
  const local = inNamespace(node.namespace);
  const selecting = (s: Stored<Sidecar>) =>
    attempt(() => {
      const selector = s.resource.spec.workloadSelector;
      return selector !== undefined && selects(selector.labels, node.labels);
    }, false);
  const namespaceWide = (s: Stored<Sidecar>) =>
    attempt(() => s.resource.spec.workloadSelector === undefined, false);
  return (
    local.find(selecting) ??
    local.find(namespaceWide) ??
    inNamespace(rootNamespace).find(namespaceWide)
  );
}

interface EgressHost {
  /** '*' any namespace, '~' none, else one namespace. */
  readonly namespace: string;
  readonly dnsName: string;
}

/** What a proxy may import; `undefined` scope below means "everything visible". */
export interface EgressScope {
  readonly hosts: readonly EgressHost[];
  readonly domain: string;
}

/**
 * The egress hosts of a Sidecar for `node`. Per-port egress listeners are a gap: the hosts of all
 * listeners are used together, whatever port each listener names. A Sidecar without egress
 * imports everything, as Istio's default egress listener does.
 */
export function egressScope(
  sidecar: Sidecar,
  node: ProxyNode,
  domain: string,
): EgressScope | undefined {
  const listeners = sidecar.spec.egress ?? [];
  if (listeners.length === 0) return undefined;
  const hosts = listeners.flatMap((l) =>
    (l.hosts ?? []).map((entry): EgressHost => {
      const slash = entry.indexOf('/');
      // Istio requires `ns/host`; a bare host is read as any namespace rather than dropped.
      const ns = slash === -1 ? '*' : entry.slice(0, slash);
      const dnsName = (slash === -1 ? entry : entry.slice(slash + 1)).toLowerCase();
      // `.` is the proxy's namespace: for a root-namespace Sidecar that is each workload's own.
      return { namespace: ns === '.' ? node.namespace : ns, dnsName };
    }),
  );
  return { hosts, domain };
}

/** Does the scope import something living in `namespace` under one of `hosts` (FQDNs)? */
export function scopeAdmits(
  scope: EgressScope | undefined,
  namespace: string,
  hosts: readonly string[],
): boolean {
  if (!scope) return true;
  return scope.hosts.some((e) => {
    if (e.namespace === '~') return false;
    if (e.namespace !== '*' && e.namespace !== namespace) return false;
    if (e.dnsName === '*') return true;
    // Istio wants FQDNs here; a short name is accepted, read in the namespace it is matched in.
    const pattern = resolveHost(e.dnsName, namespace, scope.domain);
    return hosts.some((h) => hostsIntersect(pattern, h));
  });
}
