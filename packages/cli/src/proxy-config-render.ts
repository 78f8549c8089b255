// `meshctl proxy-config` tables, after istioctl's: one row per listener, per HTTP/TCP/TLS route of
// each VirtualService, per cluster, per endpoint. Empty cells are `-`, as istioctl prints them.
// Bodies came over the network from another process, so every field is read defensively.
import type {
  ClusterBody,
  EndpointsBody,
  GatewayListener,
  InboundListener,
  ListenerBody,
  RouteTableBody,
} from '@mesh/proto';
import {
  hostMatches,
  lbPolicyOf,
  MESH_GATEWAY,
  resolveGateways,
  resolveHost,
  type Destination,
  type HTTPMatchRequest,
  type HTTPRoute,
  type L4MatchAttributes,
  type RouteDestination,
  type StringMatch,
  type TLSMatchAttributes,
} from '@mesh/rules';
import type { ConfigResource, ProxyConfig, TypeSection } from './proxy-config-source.js';

/** What istioctl's proxy-config tables show for nothing. */
export const DASH = '-';

const cell = (value: unknown): string =>
  value === undefined || value === null || value === '' ? DASH : String(value);

const list = (values: readonly string[]): string => (values.length === 0 ? DASH : values.join(','));

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------------------------------------
// listeners

export const LISTENER_HEADERS = ['NAME', 'DIRECTION', 'PORT', 'PROTOCOL', 'DESTINATION'] as const;

const DIRECTION_ORDER: Readonly<Record<string, number>> = { outbound: 0, inbound: 1, gateway: 2 };

export function listenerRows(config: Pick<ProxyConfig, 'listeners' | 'routes'>): string[][] {
  const listeners = config.listeners.resources.map((r) => r.body);
  const sorted = [...listeners].sort(
    (a, b) =>
      (DIRECTION_ORDER[a.direction] ?? 3) - (DIRECTION_ORDER[b.direction] ?? 3) ||
      portOf(a) - portOf(b) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return sorted.map((l) => listenerRow(l, config.routes.resources));
}

function portOf(l: ListenerBody): number {
  return l.direction === 'outbound' ? 0 : typeof l.port === 'number' ? l.port : 0;
}

function listenerRow(l: ListenerBody, routes: readonly ConfigResource<RouteTableBody>[]): string[] {
  switch (l.direction) {
    case 'outbound':
      // The forward-proxy port apps reach through HTTP_PROXY; its number is a proxy flag, not
      // config, so the dump does not carry it.
      return [
        cell(l.name),
        'outbound',
        DASH,
        'HTTP',
        `Routes: ${plural(boundTo(routes, [MESH_GATEWAY]), 'VirtualService')} for ${MESH_GATEWAY}`,
      ];
    case 'inbound':
      return [cell(l.name), 'inbound', cell(l.bindPort), cell(l.protocol), inboundDestination(l)];
    case 'gateway':
      return [
        cell(l.name),
        'gateway',
        cell(l.port),
        cell(l.protocol),
        gatewayDestination(l, routes),
      ];
    default: {
      const other = l as { name?: unknown; direction?: unknown };
      return [cell(other.name), cell(other.direction), DASH, DASH, DASH];
    }
  }
}

function inboundDestination(l: InboundListener): string {
  return `Cluster: ${cell(l.cluster)} -> app :${cell(l.targetPort)}`;
}

function gatewayDestination(
  l: GatewayListener,
  routes: readonly ConfigResource<RouteTableBody>[],
): string {
  const servers = Array.isArray(l.servers) ? l.servers : [];
  const gateways = [...new Set(servers.map((s) => s.gateway))];
  const described = servers.map((s) => {
    const hosts = Array.isArray(s.hosts) && s.hosts.length > 0 ? s.hosts.join(',') : DASH;
    const tls = s.tls?.mode ? `, tls ${s.tls.mode}` : '';
    return `${s.gateway} (hosts ${hosts}${tls})`;
  });
  const count = plural(boundTo(routes, gateways), 'VirtualService');
  return `Routes: ${count} for ${described.length > 0 ? described.join(', ') : DASH}`;
}

/** VirtualServices with hosts bound to any of `gateways` (`mesh` or `ns/name`). */
function boundTo(
  routes: readonly ConfigResource<RouteTableBody>[],
  gateways: readonly string[],
): number {
  return routes.filter((r) => {
    const vs = r.body.virtualService;
    if ((vs?.spec?.hosts ?? []).length === 0) return false;
    return vsGateways(r.body).some((g) => gateways.includes(g));
  }).length;
}

// ---------------------------------------------------------------------------------------------
// routes

export const ROUTE_HEADERS = ['NAME', 'HOSTS', 'GATEWAYS', 'MATCH', 'DESTINATIONS'] as const;

/** Namespace of the VirtualService: its metadata, else the `ns/` of the table's name. */
function vsNamespace(body: RouteTableBody): string {
  const ns = body.virtualService?.metadata?.namespace;
  if (typeof ns === 'string' && ns) return ns;
  const slash = body.name.indexOf('/');
  return slash > 0 ? body.name.slice(0, slash) : 'default';
}

/** The gateways the VirtualService applies to, resolved as Istio does (none = `mesh`). */
function vsGateways(body: RouteTableBody): string[] {
  return resolveGateways(body.virtualService?.spec?.gateways, vsNamespace(body));
}

export function routeRows(routes: TypeSection<RouteTableBody>): string[][] {
  return routes.resources.flatMap(({ name, body }) => {
    const spec = body.virtualService?.spec ?? {};
    const hostList = spec.hosts ?? [];
    const hosts = list(hostList);
    // A delegate (no hosts) is only reached through its root: its gateways do not apply.
    const gateways = hostList.length === 0 ? DASH : list(vsGateways(body));
    const namespace = vsNamespace(body);
    const head = [name, hosts, gateways];
    const rows = [
      ...(spec.http ?? []).map((r) => [
        ...head,
        httpMatch(r.match),
        httpDestinations(r, namespace),
      ]),
      ...(spec.tcp ?? []).map((r) => [...head, l4Match('tcp', r.match), l4Destinations(r.route)]),
      ...(spec.tls ?? []).map((r) => [...head, l4Match('tls', r.match), l4Destinations(r.route)]),
    ];
    return rows.length > 0 ? rows : [[...head, DASH, DASH]];
  });
}

/** NAME of a row for a route no VirtualService made. */
export const DEFAULT_ROUTE = '(default)';

/**
 * The routes a sidecar takes where no VirtualService bound to `mesh` names the host: each
 * outbound service port goes to the whole service, Istio's default route (istioctl's table
 * shows it with no VirtualService). A host any such VirtualService names, on whatever port, is
 * left to its rows. A proxy without the `outbound` listener has none: what reaches it on a
 * Gateway's port goes only where a VirtualService bound to that Gateway sends it.
 */
export function defaultRouteRows(
  config: Pick<ProxyConfig, 'listeners' | 'routes' | 'clusters'>,
): string[][] {
  if (!config.listeners.resources.some((l) => l.name === 'outbound')) return [];
  const named: string[] = [];
  for (const { body } of config.routes.resources) {
    if (!vsGateways(body).includes(MESH_GATEWAY)) continue;
    const namespace = vsNamespace(body);
    for (const host of body.virtualService?.spec?.hosts ?? []) {
      if (typeof host === 'string') named.push(resolveHost(host, namespace));
    }
  }
  const rows: { host: string; port: number; cells: string[] }[] = [];
  for (const { body: c } of config.clusters.resources) {
    if (c.direction !== 'outbound' || c.subset !== '' || typeof c.host !== 'string') continue;
    if (named.some((pattern) => hostMatches(pattern, c.host))) continue;
    const port = typeof c.port?.number === 'number' ? c.port.number : 0;
    const protocol = c.port?.protocol;
    const match =
      protocol === 'TCP' ? 'tcp:*' : protocol === 'TLS' || protocol === 'HTTPS' ? 'tls:*' : '/*';
    rows.push({
      host: c.host,
      port,
      cells: [DEFAULT_ROUTE, c.host, MESH_GATEWAY, match, `${c.host}:${port}`],
    });
  }
  rows.sort((a, b) => compare(a.host, b.host) || a.port - b.port);
  return rows.map((r) => r.cells);
}

/** `field=v` (exact), `field=v*` (prefix), `field~v` (regex), `field` (present). */
function stringCondition(field: string, m: StringMatch | undefined): string {
  if (m?.exact !== undefined) return `${field}=${m.exact}`;
  if (m?.prefix !== undefined) return `${field}=${m.prefix}*`;
  if (m?.regex !== undefined) return `${field}~${m.regex}`;
  return field;
}

function uriCondition(m: StringMatch, ignoreCase: boolean | undefined): string {
  const suffix = ignoreCase ? '(i)' : '';
  if (m.exact !== undefined) return `${m.exact}${suffix}`;
  if (m.prefix !== undefined) return `${m.prefix}*${suffix}`;
  if (m.regex !== undefined) return `~${m.regex}${suffix}`;
  return '/*';
}

const entries = <T>(record: Readonly<Record<string, T>> | undefined): [string, T][] =>
  Object.entries(record ?? {});

const labels = (record: Readonly<Record<string, string>> | undefined): string =>
  entries(record)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');

/**
 * The first match block in a few words, e.g. `/reviews*`, `end-user=jason`,
 * `/api*,method=GET`; `/*` for a route that matches everything. Conditions of one block (all
 * must hold) are joined by commas; further blocks (any may hold) are counted.
 */
export function httpMatch(matches: readonly HTTPMatchRequest[] | undefined): string {
  const all = matches ?? [];
  const first = all[0];
  if (!first) return '/*';
  const parts: string[] = [];
  if (first.uri) parts.push(uriCondition(first.uri, first.ignoreUriCase));
  if (first.method) parts.push(stringCondition('method', first.method));
  if (first.authority) parts.push(stringCondition('authority', first.authority));
  if (first.scheme) parts.push(stringCondition('scheme', first.scheme));
  for (const [name, m] of entries(first.headers)) parts.push(stringCondition(name, m));
  for (const [name, m] of entries(first.queryParams)) parts.push(stringCondition(`?${name}`, m));
  for (const [name, m] of entries(first.withoutHeaders)) parts.push(stringCondition(`!${name}`, m));
  if (first.port) parts.push(`port=${first.port}`);
  if (first.sourceLabels) parts.push(`source=${labels(first.sourceLabels)}`);
  if (first.sourceNamespace) parts.push(`sourceNamespace=${first.sourceNamespace}`);
  if (first.gateways?.length) parts.push(`gateways=${first.gateways.join(';')}`);
  const summary = parts.length > 0 ? parts.join(',') : '/*';
  return all.length > 1 ? `${summary} (+${all.length - 1} more)` : summary;
}

function l4Match(
  protocol: 'tcp' | 'tls',
  matches: readonly (L4MatchAttributes | TLSMatchAttributes)[] | undefined,
): string {
  const all = matches ?? [];
  const first = all[0];
  const parts: string[] = [];
  if (first && 'sniHosts' in first && first.sniHosts?.length)
    parts.push(`sni=${first.sniHosts.join(';')}`);
  if (first?.port) parts.push(`port=${first.port}`);
  if (first?.destinationSubnets?.length)
    parts.push(`destination=${first.destinationSubnets.join(';')}`);
  if (first && 'sourceSubnet' in first && first.sourceSubnet)
    parts.push(`sourceSubnet=${first.sourceSubnet}`);
  if (first?.sourceLabels) parts.push(`source=${labels(first.sourceLabels)}`);
  if (first?.sourceNamespace) parts.push(`sourceNamespace=${first.sourceNamespace}`);
  if (first?.gateways?.length) parts.push(`gateways=${first.gateways.join(';')}`);
  const summary = `${protocol}:${parts.length > 0 ? parts.join(',') : '*'}`;
  return all.length > 1 ? `${summary} (+${all.length - 1} more)` : summary;
}

/** `host[:port][|subset]`, as the route names it. */
export function destinationText(d: Destination | undefined): string {
  const port = d?.port?.number ? `:${d.port.number}` : '';
  const subset = d?.subset ? `|${d.subset}` : '';
  return `${d?.host ?? '?'}${port}${subset}`;
}

function weighted(routes: readonly RouteDestination[]): string[] {
  return routes.map((r) => {
    const text = destinationText(r.destination);
    // As @mesh/rules compiles them: a lone destination takes everything whatever its weight;
    // in a split, a missing weight is 0.
    return routes.length > 1 ? `${text} ${Math.max(0, r.weight ?? 0)}%` : text;
  });
}

export function httpDestinations(route: HTTPRoute, namespace: string): string {
  const out: string[] = [];
  if (route.route?.length) out.push(...weighted(route.route));
  if (route.redirect) {
    const r = route.redirect;
    const target = `${r.scheme ? `${r.scheme}://` : ''}${r.authority ?? ''}${r.port ? `:${r.port}` : ''}${r.uri ?? ''}`;
    out.push(`redirect ${target || '(same URL)'}${r.redirectCode ? ` ${r.redirectCode}` : ''}`);
  }
  if (route.directResponse) out.push(`direct response ${cell(route.directResponse.status)}`);
  if (route.delegate)
    out.push(`delegate ${route.delegate.namespace || namespace}/${route.delegate.name ?? '?'}`);
  if (route.mirror) out.push(`mirror ${destinationText(route.mirror)}`);
  for (const m of route.mirrors ?? []) out.push(`mirror ${destinationText(m.destination)}`);
  return out.length > 0 ? out.join(', ') : DASH;
}

function l4Destinations(routes: readonly RouteDestination[] | undefined): string {
  return routes?.length ? weighted(routes).join(', ') : DASH;
}

// ---------------------------------------------------------------------------------------------
// clusters

export const CLUSTER_HEADERS = [
  'SERVICE FQDN',
  'PORT',
  'SUBSET',
  'DIRECTION',
  'TYPE',
  'DESTINATION RULE',
  'LB POLICY',
] as const;

export function clusterRows(clusters: TypeSection<ClusterBody>): string[][] {
  const rows = clusters.resources.map(({ body: c }) => ({
    host: typeof c.host === 'string' ? c.host : '',
    port: typeof c.port?.number === 'number' ? c.port.number : 0,
    cells: [
      cell(c.host),
      cell(c.port?.number),
      cell(c.subset),
      cell(c.direction),
      cell(c.resolution),
      cell(c.destinationRule),
      // What the proxy balances with (the same reading of the settings its picker makes).
      lbPolicyOf(c.trafficPolicy?.loadBalancer),
    ],
    subset: typeof c.subset === 'string' ? c.subset : '',
    direction: typeof c.direction === 'string' ? c.direction : '',
  }));
  rows.sort(
    (a, b) =>
      compare(a.host, b.host) ||
      a.port - b.port ||
      compare(a.subset, b.subset) ||
      compare(a.direction, b.direction),
  );
  return rows.map((r) => r.cells);
}

// ---------------------------------------------------------------------------------------------
// endpoints

/** istioctl's columns; OUTLIER CHECK is `-` when the config came from the control plane. */
export const ENDPOINT_HEADERS = ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'] as const;

export interface EndpointRow {
  endpoint: string;
  ready: boolean;
  /** Ejected by outlier detection; undefined when not known (no live /clusters). */
  ejected: boolean | undefined;
  cluster: string;
}

/** From the proxy's /clusters when there (live), else from the endpoints resources. */
export function endpointList(config: Pick<ProxyConfig, 'endpoints' | 'live'>): EndpointRow[] {
  const rows: EndpointRow[] = config.live
    ? config.live.flatMap((c) =>
        c.endpoints.map((e) => ({
          endpoint: e.address,
          ready: e.ready,
          ejected: e.ejected,
          cluster: c.name,
        })),
      )
    : config.endpoints.resources.flatMap(({ name, body }: ConfigResource<EndpointsBody>) =>
        (Array.isArray(body.endpoints) ? body.endpoints : []).map((e) => ({
          endpoint: `${e.address}:${e.port}`,
          ready: e.ready === true,
          ejected: undefined,
          cluster: body.cluster || name,
        })),
      );
  return rows.sort((a, b) => compare(a.endpoint, b.endpoint) || compare(a.cluster, b.cluster));
}

export function endpointRows(rows: readonly EndpointRow[]): string[][] {
  return rows.map((r) => [
    r.endpoint,
    r.ready ? 'HEALTHY' : 'UNHEALTHY',
    r.ejected === undefined ? '-' : r.ejected ? 'FAILED' : 'OK',
    r.cluster,
  ]);
}

// ---------------------------------------------------------------------------------------------

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
