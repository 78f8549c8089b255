// Routes as describe shows them: a VirtualService route's destinations with their share of
// traffic and the endpoints behind each, computed from what @mesh/rules compiled (weights,
// resolved hosts and ports, default retries) plus the spec for the words of its matches.
import {
  MESH_GATEWAY,
  resolveHost,
  route,
  routeL4,
  selects,
  type CompiledDestination,
  type CompiledHttpRoute,
  type CompiledL4Route,
  type FaultPolicy,
  type HTTPMatchRequest,
  type Labels,
  type Resource,
  type ResourceOf,
  type RetryPolicy,
} from '@mesh/rules';
import {
  compiledHttpRoute,
  compiledL4Route,
  endpointsOf,
  entriesOf,
  isHttpProtocol,
  ofKind,
  sameRef,
  serviceByHost,
  subsetLabelsOf,
  type EndpointRef,
  type Mesh,
  type MeshService,
  type ServicePort,
} from './describe-mesh.js';
import { httpMatchWords, l4MatchWords } from './describe-words.js';

export interface Ref {
  namespace: string;
  name: string;
}

/** One weighted destination of a route. */
export interface DescribedDestination {
  host: string;
  subset?: string;
  /** Service port; absent when the route leaves it to the request. */
  port?: number;
  weight: number;
  /** Share of the route's traffic (0-100). */
  percent: number;
  /** Endpoints the destination's cluster has (ready or not). */
  endpoints: EndpointRef[];
  /** What is wrong with it, in words (e.g. an unknown subset). */
  problem?: string;
  /** With a problem: how the calling proxy fails such requests (503 with this flag). */
  responseFlag?: 'NC' | 'UH';
}

export interface DescribedMirror {
  host: string;
  subset?: string;
  port?: number;
  percent: number;
}

export interface DescribedHttpRoute {
  /** Position in the VirtualService's `http` list, from 0. */
  index: number;
  name?: string;
  /** Each match block in words; any one is enough. Empty: the route takes every request. */
  when: string[];
  match?: HTTPMatchRequest[];
  delegate?: Ref & { index: number };
  destinations: DescribedDestination[];
  redirect?: { status: number; uri?: string; authority?: string; scheme?: string; port?: number };
  directResponse?: { status: number; body?: string };
  rewrite?: { uri?: string; authority?: string; uriRegex?: boolean };
  timeoutMs?: number;
  /** Effective retry policy (Istio's default when the route sets none); absent = retries off. */
  retry?: RetryPolicy;
  /** The route sets `retries` itself. */
  retriesSet: boolean;
  fault?: FaultPolicy;
  mirrors: DescribedMirror[];
}

export interface DescribedL4Route {
  index: number;
  protocol: 'tcp' | 'tls';
  when: string[];
  destinations: DescribedDestination[];
}

/** What one caller's request does now, decided by @mesh/rules' route() / routeL4(). */
export interface DescribedTraffic {
  port: number;
  protocol: string;
  /** Namespace of the calling sidecar. */
  from: string;
  /** The request asked about, in words. */
  request: string;
  outcome: 'forward' | 'redirect' | 'direct-response' | 'no-route';
  /** null: Istio's default route (no VirtualService). */
  virtualService?: Ref | null;
  route?: number;
  routeName?: string;
  destinations: DescribedDestination[];
  status?: number;
  location?: string;
  message?: string;
  fault?: FaultPolicy;
}

/** Weighted destinations of a compiled route, each with its endpoints and share. */
export function destinationsOf(
  mesh: Mesh,
  compiled: readonly CompiledDestination[],
  weights: readonly number[],
  requestPort: number | undefined,
  consumerNamespace: string,
): DescribedDestination[] {
  const total = compiled.length === 1 ? 100 : weights.reduce((a, w) => a + Math.max(0, w), 0);
  return compiled.map((d, i) => {
    const weight = compiled.length === 1 ? 100 : Math.max(0, weights[i] ?? 0);
    return destinationOf(
      mesh,
      d.host,
      d.subset,
      d.port ?? requestPort,
      weight,
      total > 0 ? (weight * 100) / total : 0,
      consumerNamespace,
    );
  });
}

export function destinationOf(
  mesh: Mesh,
  host: string,
  subset: string | undefined,
  port: number | undefined,
  weight: number,
  percent: number,
  consumerNamespace: string,
): DescribedDestination {
  const service = serviceByHost(mesh, host, consumerNamespace);
  const labels = subsetLabelsOf(mesh, host, subset, port, consumerNamespace);
  const base = {
    host,
    ...(subset !== undefined && { subset }),
    ...(port !== undefined && { port }),
    weight,
    percent,
  };
  // What the calling proxy answers (docs/errors.md): NC when it has no such cluster (unknown
  // host, subset or port), UH when the cluster has no ready endpoint.
  const nc = (problem: string) => ({
    ...base,
    endpoints: [],
    problem,
    responseFlag: 'NC' as const,
  });
  if ('error' in labels) return nc(labels.error);
  if (!service) return nc(`no service ${host} is known (no workload or ServiceEntry declares it)`);
  if (port !== undefined && !service.ports.some((p) => p.number === port))
    return nc(`${host} has no port ${port}`);
  const endpoints = endpointsOf(service, port, labels.labels);
  const target = subset !== undefined ? `subset ${subset}` : host;
  const problem =
    endpoints.length === 0
      ? `${target} selects no endpoints`
      : !endpoints.some((e) => e.ready)
        ? `no endpoint of ${target} is ready`
        : undefined;
  return { ...base, endpoints, ...(problem && { problem, responseFlag: 'UH' as const }) };
}

/** A compiled http route plus its spec, for one caller namespace. */
export function describeHttpRoute(
  mesh: Mesh,
  r: CompiledHttpRoute,
  spec: ResourceOf<'VirtualService'> | undefined,
  consumerNamespace: string,
  requestPort: number | undefined,
): DescribedHttpRoute {
  const specRoute = spec?.spec.http?.[r.index];
  const match = specRoute?.match;
  return {
    index: r.index,
    ...(r.name !== undefined && { name: r.name }),
    when: (match ?? []).map(httpMatchWords),
    ...(match && { match }),
    ...(r.delegate && { delegate: r.delegate }),
    destinations: destinationsOf(mesh, r.destinations, r.weights, requestPort, consumerNamespace),
    ...(r.redirect && {
      redirect: {
        status: r.redirect.code,
        ...(r.redirect.uri !== undefined && { uri: r.redirect.uri }),
        ...(r.redirect.authority !== undefined && { authority: r.redirect.authority }),
        ...(r.redirect.scheme !== undefined && { scheme: r.redirect.scheme }),
        ...(r.redirect.port !== undefined && { port: r.redirect.port }),
      },
    }),
    ...(r.directResponse && {
      directResponse: {
        status: r.directResponse.status,
        ...(r.directResponse.body !== undefined && { body: r.directResponse.body }),
      },
    }),
    ...(r.rewrite && {
      rewrite: {
        ...(r.rewrite.uri !== undefined && { uri: r.rewrite.uri }),
        ...(r.rewrite.authority !== undefined && { authority: r.rewrite.authority }),
        ...(r.rewrite.regex && { uriRegex: true }),
      },
    }),
    ...(r.timeoutMs !== undefined && { timeoutMs: r.timeoutMs }),
    ...(r.retry && { retry: r.retry }),
    retriesSet: specRoute?.retries !== undefined,
    ...(r.fault && { fault: r.fault }),
    mirrors: r.mirrors.map((m) => ({
      host: m.destination.host,
      ...(m.destination.subset !== undefined && { subset: m.destination.subset }),
      ...(m.destination.port !== undefined && { port: m.destination.port }),
      percent: m.percentage,
    })),
  };
}

export function describeL4Route(
  mesh: Mesh,
  r: CompiledL4Route,
  spec: ResourceOf<'VirtualService'> | undefined,
  consumerNamespace: string,
  requestPort: number | undefined,
): DescribedL4Route {
  const specRoute = (r.protocol === 'tcp' ? spec?.spec.tcp : spec?.spec.tls)?.[r.index];
  return {
    index: r.index,
    protocol: r.protocol,
    when: (specRoute?.match ?? []).map(l4MatchWords),
    destinations: destinationsOf(mesh, r.destinations, r.weights, requestPort, consumerNamespace),
  };
}

export function virtualServiceOf(
  resources: readonly Resource[],
  ref: Ref,
): ResourceOf<'VirtualService'> | undefined {
  return ofKind(resources, 'VirtualService').find((vs) => sameRef(vs.metadata, ref));
}

/**
 * What a request from a sidecar in `from` to `service` on `port` does now: GET / without
 * headers for HTTP ports, a plain connection for TCP, a TLS connection with the host as SNI.
 */
export function trafficNow(
  mesh: Mesh,
  service: MeshService,
  port: ServicePort,
  from: string,
): DescribedTraffic {
  const base = { port: port.number, protocol: port.protocol, from };
  if (isHttpProtocol(port.protocol)) {
    const result = route(mesh.compiled, {
      authority: `${service.host}:${port.number}`,
      port: port.number,
      method: 'GET',
      path: '/',
      scheme: 'http',
      headers: {},
      sourceLabels: {},
      sourceNamespace: from,
    });
    const request = 'GET / without headers';
    if (result.action === 'no-route')
      return { ...base, request, outcome: 'no-route', destinations: [], message: result.message };
    const at = {
      virtualService: result.virtualService,
      ...(result.virtualService && { route: result.routeIndex }),
      ...(result.routeName !== undefined && { routeName: result.routeName }),
    };
    if (result.action === 'redirect')
      return {
        ...base,
        request,
        ...at,
        outcome: 'redirect',
        destinations: [],
        status: result.status,
        location: result.location,
      };
    if (result.action === 'direct-response')
      return {
        ...base,
        request,
        ...at,
        outcome: 'direct-response',
        destinations: [],
        status: result.status,
      };
    const compiled = result.virtualService
      ? compiledHttpRoute(
          mesh,
          MESH_GATEWAY,
          result.virtualService,
          result.routeIndex,
          result.delegate,
        )
      : undefined;
    const destinations = compiled
      ? destinationsOf(mesh, compiled.destinations, compiled.weights, port.number, from)
      : [
          destinationOf(
            mesh,
            result.destination.host,
            result.destination.subset,
            result.destination.port,
            100,
            100,
            from,
          ),
        ];
    return {
      ...base,
      request,
      ...at,
      outcome: 'forward',
      destinations,
      ...(result.fault && { fault: result.fault }),
    };
  }
  const protocol = port.protocol === 'TLS' || port.protocol === 'HTTPS' ? 'tls' : 'tcp';
  const request =
    protocol === 'tls' ? `a TLS connection with SNI ${service.host}` : 'a TCP connection';
  const result = routeL4(mesh.compiled, {
    host: service.host,
    port: port.number,
    protocol,
    ...(protocol === 'tls' && { sni: service.host }),
    sourceLabels: {},
    sourceNamespace: from,
  });
  if (result.action === 'no-route')
    return { ...base, request, outcome: 'no-route', destinations: [], message: result.message };
  const compiled = result.virtualService
    ? compiledL4Route(mesh, MESH_GATEWAY, result.virtualService, protocol, result.routeIndex)
    : undefined;
  return {
    ...base,
    request,
    virtualService: result.virtualService,
    ...(result.virtualService && { route: result.routeIndex }),
    outcome: 'forward',
    destinations: compiled
      ? destinationsOf(mesh, compiled.destinations, compiled.weights, port.number, from)
      : [
          destinationOf(
            mesh,
            result.destination.host,
            undefined,
            result.destination.port,
            100,
            100,
            from,
          ),
        ],
  };
}

/** A route elsewhere (a gateway, or a VirtualService of another host) that sends to a host. */
export interface DescribedRouteIn {
  /** `mesh` (sidecars) or `ns/name` of a Gateway. */
  scope: string;
  virtualService: Ref;
  hosts: string[];
  kind: 'http' | 'tcp' | 'tls';
  route: number;
  routeName?: string;
  when: string[];
  /** The route's destinations on the host asked about (others are left out). */
  destinations: DescribedDestination[];
}

/**
 * Routes of gateway-bound VirtualServices (and of sidecar VirtualServices for other hosts) with a
 * destination on `service`; `accept` narrows by destination (e.g. a subset selecting a workload).
 */
export function routesInto(
  mesh: Mesh,
  service: MeshService,
  options: { includeOwnHost: boolean; accept?: (d: DescribedDestination) => boolean },
): DescribedRouteIn[] {
  const out: DescribedRouteIn[] = [];
  const scopes: [string, typeof mesh.compiled.mesh][] = [
    [MESH_GATEWAY, mesh.compiled.mesh],
    ...Object.entries(mesh.compiled.gateways),
  ];
  for (const [scope, table] of scopes) {
    const seen = new Set<string>();
    for (const { host, entry } of entriesOf(table)) {
      if (scope === MESH_GATEWAY && !options.includeOwnHost && host === service.host) continue;
      const key = `${entry.virtualService.namespace}/${entry.virtualService.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const spec = virtualServiceOf(mesh.resources, entry.virtualService);
      const hosts = (spec?.spec.hosts ?? []).map((h) =>
        resolveHost(h, entry.virtualService.namespace, mesh.domain),
      );
      if (scope === MESH_GATEWAY && !options.includeOwnHost && hosts.includes(service.host))
        continue;
      // Whose DestinationRule lookup applies: sidecars of the VirtualService's namespace, or
      // the gateway proxies the Gateway selects (their namespace, e.g. istio-system).
      const consumer =
        scope === MESH_GATEWAY
          ? entry.virtualService.namespace
          : gatewayProxyNamespace(mesh, scope);
      const collect = (
        kind: DescribedRouteIn['kind'],
        r: { index: number; name?: string | undefined },
        when: string[],
        destinations: DescribedDestination[],
      ) => {
        const here = destinations.filter(
          (d) => d.host === service.host && (!options.accept || options.accept(d)),
        );
        if (here.length === 0) return;
        out.push({
          scope,
          virtualService: entry.virtualService,
          hosts,
          kind,
          route: r.index,
          ...(r.name !== undefined && { routeName: r.name }),
          when,
          destinations: here,
        });
      };
      for (const r of entry.http) {
        const d = describeHttpRoute(mesh, r, spec, consumer, undefined);
        collect('http', r, d.when, d.destinations);
      }
      for (const r of [...entry.tcp, ...entry.tls]) {
        const d = describeL4Route(mesh, r, spec, consumer, undefined);
        collect(r.protocol, r, d.when, d.destinations);
      }
    }
  }
  return out;
}

function gatewayProxyNamespace(mesh: Mesh, scope: string): string {
  const [namespace, name] = scope.split('/') as [string, string];
  const proxy = describeGateway(mesh, { namespace, name })?.proxies[0];
  return mesh.workloads.find((w) => w.proxyId === proxy)?.namespace ?? namespace;
}

/** A Gateway in words and the proxies it configures. */
export interface DescribedGateway {
  name: string;
  namespace: string;
  selector: Labels;
  servers: { port: number; protocol: string; name?: string; hosts: string[]; tls?: string }[];
  /** Proxy ids of registered workloads the selector matches. */
  proxies: string[];
}

export function describeGateway(mesh: Mesh, ref: Ref): DescribedGateway | undefined {
  const gw = ofKind(mesh.resources, 'Gateway').find((g) => sameRef(g.metadata, ref));
  if (!gw) return undefined;
  const selector = gw.spec.selector ?? {};
  return {
    name: gw.metadata.name,
    namespace: gw.metadata.namespace,
    selector,
    servers: (gw.spec.servers ?? []).map((s) => ({
      port: s.port?.number ?? 0,
      protocol: (s.port?.protocol ?? '').toUpperCase(),
      ...(s.port?.name && { name: s.port.name }),
      hosts: s.hosts ?? [],
      ...(s.tls?.mode && { tls: s.tls.mode }),
    })),
    proxies:
      Object.keys(selector).length === 0
        ? []
        : mesh.workloads.filter((w) => selects(selector, w.labels)).map((w) => w.proxyId),
  };
}
