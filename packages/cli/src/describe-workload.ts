// `meshctl describe workload`: one registered workload (all its proxies), the services it
// serves, the DestinationRule subsets that select it, the routes that reach it and its share of
// traffic now. Derived from each of its services' descriptions, so both views agree. Pure.
import {
  MESH_GATEWAY,
  portProtocol,
  selects,
  type Labels,
  type ResolvedTrafficPolicy,
  type TrafficPolicy,
} from '@mesh/rules';
import {
  egressHosts,
  entriesOf,
  ofKind,
  serviceNameSource,
  sidecarFor,
  syncOf,
  type Mesh,
  type SyncSummary,
} from './describe-mesh.js';
import type { WorkloadRecord } from './debug-pages.js';
import {
  describeGateway,
  routesInto,
  type DescribedGateway,
  type DescribedRouteIn,
  type Ref,
} from './describe-routes.js';
import { describeServiceOf, type Found } from './describe-service.js';

export interface DescribedWorkloadSubset {
  destinationRule: Ref;
  host: string;
  subset: string;
  labels: Labels;
  /** What the subset sets itself, as written. */
  ownTrafficPolicy?: TrafficPolicy;
  /** Merged with the rule's top-level policy. */
  trafficPolicy?: ResolvedTrafficPolicy;
}

export interface DescribedWorkloadService {
  host: string;
  name: string;
  namespace: string;
  /** `registry` or `ServiceEntry ns/name`. */
  origin: string;
  /** Why it belongs: `label app=reviews`, `selected by ServiceEntry ns/name`. */
  via: string;
  ports: number[];
  /** All endpoints of the service, this workload's included. */
  endpoints: number;
}

/** Share of a plain request from a sidecar in the service's namespace that lands here. */
export interface DescribedWorkloadTraffic {
  host: string;
  port: number;
  request: string;
  /** Percent of requests whose destination includes this workload (split among its endpoints). */
  percent: number;
  via: { subset?: string; percent: number; endpoints: number }[];
  /** Where the traffic goes when not here, or why there is none. */
  elsewhere: string[];
}

export interface WorkloadDescription {
  kind: 'workload';
  workload: {
    name: string;
    namespace: string;
    labels: Labels;
    serviceAccount: string;
    locality: string;
    addresses: string[];
    ports: {
      name: string;
      number: number;
      protocol: string;
      targetPort: number;
      endpointPort: number;
    }[];
  };
  proxies: {
    proxyId: string;
    ready: boolean;
    controlPlane: string;
    proxyVersion: string;
    sync: SyncSummary;
  }[];
  services: DescribedWorkloadService[];
  subsets: DescribedWorkloadSubset[];
  /** VirtualService routes (sidecars and gateways) with a destination that selects it. */
  routes: DescribedRouteIn[];
  /** Gateways that select this workload: it is a gateway proxy for them. */
  gateways: (DescribedGateway & {
    virtualServices: { name: string; namespace: string; hosts: string[] }[];
  })[];
  sidecar?: { name: string; namespace: string; egressHosts: string[] };
  traffic: DescribedWorkloadTraffic[];
  problems: string[];
}

export function describeWorkload(
  mesh: Mesh,
  name: string,
  namespace: string,
): Found<WorkloadDescription> {
  const records = mesh.workloads.filter(
    (w) => w.namespace === namespace && (w.workloadName === name || w.proxyId === name),
  );
  const first = records[0];
  if (!first) return { ok: false, message: notFound(mesh, name, namespace) };
  const proxyIds = new Set(records.map((w) => w.proxyId));
  const problems: string[] = [];

  const proxies = records.map((w) => ({
    proxyId: w.proxyId,
    ready: w.ready,
    controlPlane: w.controlPlane,
    proxyVersion: w.proxyVersion,
    sync: syncOf(mesh, w),
  }));
  for (const p of proxies) {
    if (!p.ready)
      problems.push(`proxy ${p.proxyId} is not ready: other proxies send it no traffic`);
    if (p.sync.state === 'ERROR')
      problems.push(`proxy ${p.proxyId} rejected its config: ${(p.sync.errors ?? []).join('; ')}`);
    else if (p.sync.state === 'STALE' || p.sync.state === 'NOT SENT')
      problems.push(
        `proxy ${p.proxyId} is ${p.sync.state}: it does not hold the latest config yet`,
      );
  }

  const mine = (e: { proxyId?: string }) => e.proxyId !== undefined && proxyIds.has(e.proxyId);
  const services = mesh.services.filter((s) =>
    s.endpoints.some((e) => e.workload && proxyIds.has(e.workload.proxyId)),
  );
  const subsets: DescribedWorkloadSubset[] = [];
  const routes: DescribedRouteIn[] = [];
  const traffic: DescribedWorkloadTraffic[] = [];
  for (const service of services) {
    const d = describeServiceOf(mesh, service);
    const dr = d.destinationRule;
    for (const s of dr?.subsets ?? [])
      if (selects(s.labels, first.labels))
        subsets.push({
          destinationRule: { namespace: dr!.namespace, name: dr!.name },
          host: service.host,
          subset: s.name,
          labels: s.labels,
          ...(s.ownTrafficPolicy && { ownTrafficPolicy: s.ownTrafficPolicy }),
          ...(s.trafficPolicy && { trafficPolicy: s.trafficPolicy }),
        });
    routes.push(
      ...routesInto(mesh, service, {
        includeOwnHost: true,
        accept: (dest) => dest.endpoints.some(mine),
      }),
    );
    for (const t of d.traffic) {
      const via = t.destinations
        .filter((dest) => dest.endpoints.some(mine))
        .map((dest) => ({
          ...(dest.subset !== undefined && { subset: dest.subset }),
          percent: dest.percent,
          endpoints: dest.endpoints.filter((e) => e.ready).length,
        }));
      const elsewhere =
        t.outcome === 'forward'
          ? t.destinations
              .filter((dest) => !dest.endpoints.some(mine) && dest.percent > 0)
              .map(
                (dest) =>
                  `${dest.percent}% to ${dest.subset !== undefined ? `subset ${dest.subset}` : dest.host}`,
              )
          : [
              t.outcome === 'no-route'
                ? `no route: ${t.message ?? ''}`
                : `${t.outcome} ${t.status ?? ''}`.trim(),
            ];
      traffic.push({
        host: service.host,
        port: t.port,
        request: t.request,
        percent: via.reduce((a, v) => a + v.percent, 0),
        via,
        elsewhere,
      });
    }
    const usedVs = d.virtualServices.find((v) => v.usedBySidecars);
    if (
      usedVs &&
      !routes.some(
        (r) =>
          r.scope === MESH_GATEWAY &&
          r.virtualService.name === usedVs.name &&
          r.virtualService.namespace === usedVs.namespace,
      )
    )
      problems.push(
        `no route of VirtualService ${usedVs.namespace}/${usedVs.name} (used by sidecars for ${service.name}) sends traffic here`,
      );
  }
  const ports = first.ports.map((p) => p.number);
  if (ports.length > 0 && services.length === 0)
    problems.push('it serves no service: no registry service or ServiceEntry includes it');

  const gateways = ofKind(mesh.resources, 'Gateway')
    .filter(
      (g) =>
        Object.keys(g.spec.selector ?? {}).length > 0 && selects(g.spec.selector, first.labels),
    )
    .flatMap((g) => {
      const gw = describeGateway(mesh, g.metadata);
      if (!gw) return [];
      const table = mesh.compiled.gateways[`${g.metadata.namespace}/${g.metadata.name}`];
      const seen = new Set<string>();
      const virtualServices = (table ? entriesOf(table) : []).flatMap(({ entry }) => {
        const key = `${entry.virtualService.namespace}/${entry.virtualService.name}`;
        if (seen.has(key)) return [];
        seen.add(key);
        const vs = ofKind(mesh.resources, 'VirtualService').find(
          (v) =>
            v.metadata.namespace === entry.virtualService.namespace &&
            v.metadata.name === entry.virtualService.name,
        );
        return [{ ...entry.virtualService, hosts: vs?.spec.hosts ?? [] }];
      });
      return [{ ...gw, virtualServices }];
    });
  const sidecar = gateways.length === 0 ? sidecarFor(mesh, namespace, first.labels) : undefined;

  return {
    ok: true,
    value: {
      kind: 'workload',
      workload: {
        name: first.workloadName,
        namespace: first.namespace,
        labels: first.labels,
        serviceAccount: first.serviceAccount,
        locality: first.locality,
        addresses: first.addresses,
        ports: first.ports.map((p) => ({
          name: p.name,
          number: p.number,
          protocol: portProtocol(p),
          targetPort: p.targetPort,
          endpointPort: p.endpointPort,
        })),
      },
      proxies,
      services: services.map((s) => ({
        host: s.host,
        name: s.name,
        namespace: s.namespace,
        origin: s.origin,
        via: s.origin === 'registry' ? serviceNameSource(first) : `selected by ${s.origin}`,
        ports: s.ports.map((p) => p.number),
        endpoints: s.endpoints.length,
      })),
      subsets,
      routes,
      gateways,
      ...(sidecar && {
        sidecar: {
          name: sidecar.metadata.name,
          namespace: sidecar.metadata.namespace,
          egressHosts: egressHosts(sidecar),
        },
      }),
      traffic,
      problems: [
        ...problems,
        ...mesh.uncompilable.map((u) => `not compiled (proxies reject it): ${u}`),
      ],
    },
  };
}

function notFound(mesh: Mesh, name: string, namespace: string): string {
  const names = (ws: readonly WorkloadRecord[]) => [...new Set(ws.map((w) => w.workloadName))];
  const here = names(mesh.workloads.filter((w) => w.namespace === namespace));
  const elsewhere = [
    ...new Set(
      mesh.workloads
        .filter((w) => w.namespace !== namespace && (w.workloadName === name || w.proxyId === name))
        .map((w) => w.namespace),
    ),
  ];
  let message = `no workload "${name}" in namespace ${namespace}`;
  message +=
    here.length > 0
      ? `. Workloads in ${namespace}: ${here.join(', ')}`
      : `. No workloads are registered in ${namespace}${
          mesh.workloads.length > 0
            ? ` (namespaces with workloads: ${[...new Set(mesh.workloads.map((w) => w.namespace))].sort().join(', ')})`
            : ''
        }`;
  if (elsewhere.length > 0)
    message += `. "${name}" exists in namespace ${elsewhere.join(', ')}: add -n ${elsewhere[0]}`;
  return message;
}
