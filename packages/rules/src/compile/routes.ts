// One VirtualService route (HTTP, TCP or TLS) -> its compiled form, for one proxy scope.
import type {
  Destination,
  HTTPRoute,
  HeaderOperations,
  Headers,
  TCPRoute,
  TLSRoute,
} from '../api/index.js';
import { resolveHost } from '../hosts.js';
import { parseDuration } from '../duration.js';
import { compileHttpMatch, compileProxyCondition, uriMatchKind } from './http-match.js';
import { compileL4Match } from './l4-match.js';
import { routeIndexEntries } from './path-index.js';
import { compileRegexRewrite } from './regex.js';
import { compileRetry, compileTimeout, DEFAULT_REDIRECT_CODE } from './defaults.js';
import type {
  CompiledDestination,
  CompiledHttpRoute,
  CompiledL4Route,
  FaultPolicy,
  HeaderOps,
  RequestPredicate,
  RetryPolicy,
  RouteHeaderOps,
  ServiceInfo,
} from './types.js';

export interface RouteContext {
  namespace: string;
  /** Namespace short destination hosts resolve in: the delegate's for routes from a delegate. */
  hostNamespace: string;
  name: string;
  domain: string;
  defaultRetry: RetryPolicy;
  /** Known service by exact FQDN, to fix the port of a destination that names none. */
  serviceOf(host: string): ServiceInfo | undefined;
  /** Does a match's `gateways` (or the VirtualService's, when the match has none) cover this scope? */
  appliesToScope(matchGateways: readonly string[] | undefined): boolean;
}

export function outboundClusterName(
  port: number,
  subset: string | undefined,
  host: string,
): string {
  return `outbound|${port}|${subset ?? ''}|${host}`;
}

/** Undefined when the route does not apply to the scope (all its matches are for other gateways). */
export function compileHttpRoute(
  route: HTTPRoute,
  index: number,
  delegate: CompiledHttpRoute['delegate'],
  ctx: RouteContext,
): CompiledHttpRoute | undefined {
  const allMatches = route.match ?? [];
  const scoped = allMatches.filter((m) => ctx.appliesToScope(m.gateways));
  if (allMatches.length > 0 && scoped.length === 0) return undefined;
  const rewrite = route.rewrite;
  const routeHeaders = compileHeaders(route.headers);
  const destinations = compileDestinations(
    route.route ?? [],
    ctx,
    routeHeaders,
    rewrite?.authority || routeHeaders.authority,
  );
  const regexRewrite = rewrite?.uriRegexRewrite;
  return {
    virtualService: { namespace: ctx.namespace, name: ctx.name },
    index,
    name: route.name,
    delegate,
    matches: scoped.map(compileHttpMatch),
    indexEntries: routeIndexEntries(scoped),
    matchKinds: scoped.map(uriMatchKind),
    destinations,
    weights: destinations.map((d) => d.weight),
    redirect: route.redirect
      ? {
          uri: route.redirect.uri,
          authority: route.redirect.authority,
          port: route.redirect.port || undefined,
          derivePort:
            route.redirect.derivePort === 'FROM_PROTOCOL_DEFAULT' ||
            route.redirect.derivePort === 'FROM_REQUEST_PORT'
              ? route.redirect.derivePort
              : undefined,
          scheme: route.redirect.scheme || undefined,
          code: route.redirect.redirectCode || DEFAULT_REDIRECT_CODE,
        }
      : undefined,
    directResponse: route.directResponse
      ? {
          status: route.directResponse.status ?? 200,
          body: route.directResponse.body?.string ?? decodeBase64(route.directResponse.body?.bytes),
        }
      : undefined,
    rewrite: rewrite
      ? {
          uri: rewrite.uri || undefined,
          authority: rewrite.authority || undefined,
          regex:
            regexRewrite?.match !== undefined
              ? compileRegexRewrite(regexRewrite.match, regexRewrite.rewrite ?? '')
              : undefined,
        }
      : undefined,
    timeoutMs: compileTimeout(route.timeout),
    retry: compileRetry(route.retries, ctx.defaultRetry),
    fault: compileFault(route.fault),
    mirrors: compileMirrors(route, ctx),
    cors: route.corsPolicy ? structuredClone(route.corsPolicy) : undefined,
    forProxy: anyOf(scoped.map(compileProxyCondition)),
  };
}

/** OR of per-match proxy conditions; undefined (always) when there are none or one is unconditional. */
function anyOf(
  conditions: readonly (RequestPredicate | undefined)[],
): RequestPredicate | undefined {
  if (conditions.length === 0 || conditions.includes(undefined)) return undefined;
  const list = conditions as readonly RequestPredicate[];
  return list.length === 1 ? list[0] : (r) => list.some((c) => c(r));
}

export function compileL4Route(
  route: TCPRoute | TLSRoute,
  index: number,
  protocol: 'tcp' | 'tls',
  ctx: RouteContext,
): CompiledL4Route | undefined {
  const allMatches = route.match ?? [];
  const scoped = allMatches.filter((m) => ctx.appliesToScope(m.gateways));
  if (allMatches.length > 0 && scoped.length === 0) return undefined;
  const destinations = compileDestinations(route.route ?? [], ctx, NO_ROUTE_HEADERS, undefined);
  return {
    virtualService: { namespace: ctx.namespace, name: ctx.name },
    index,
    protocol,
    matches: scoped.map(compileL4Match),
    destinations,
    weights: destinations.map((d) => d.weight),
  };
}

const EMPTY_OPS: HeaderOps = { set: {}, add: [], remove: [] };
const NO_HEADERS: RouteHeaderOps = { request: EMPTY_OPS, response: EMPTY_OPS };
const NO_ROUTE_HEADERS: CompiledHeaders = { ...NO_HEADERS, authority: undefined };

/** Header operations of one `headers` block, plus the host rewrite Istio takes out of them. */
interface CompiledHeaders extends RouteHeaderOps {
  authority: string | undefined;
}

function compileDestinations(
  list: readonly { destination?: Destination; weight?: number; headers?: Headers }[],
  ctx: RouteContext,
  routeHeaders: CompiledHeaders,
  routeAuthority: string | undefined,
): CompiledDestination[] {
  // Istio sends everything to a lone destination whatever its weight; otherwise weights are relative.
  const single = list.length === 1;
  return list.map((d) => {
    const dest = compileDestination(d.destination ?? {}, ctx);
    const own = compileHeaders(d.headers);
    // A lone destination's operations are appended to the route's own lists (Istio
    // processDestination), one Envoy level: the destination wins. Several destinations become
    // weighted clusters, a level Envoy applies before the route's: the route wins.
    const combine = single ? sameLevelHeaderOps : layerHeaderOps;
    return {
      ...dest,
      weight: single ? 100 : Math.max(0, d.weight ?? 0),
      headers: {
        request: combine(routeHeaders.request, own.request),
        response: combine(routeHeaders.response, own.response),
      },
      // Envoy sets the weighted cluster's host rewrite, then the route's over it; Istio only
      // uses a lone destination's when the route has none. Either way the route level wins.
      authority: routeAuthority || own.authority,
    };
  });
}

export function compileDestination(
  d: Destination,
  ctx: Pick<RouteContext, 'hostNamespace' | 'domain' | 'serviceOf'>,
): Omit<CompiledDestination, 'weight' | 'headers'> {
  const host = resolveHost(d.host ?? '', ctx.hostNamespace, ctx.domain);
  const subset = d.subset || undefined;
  let port = d.port?.number || undefined;
  if (port === undefined) {
    // Istio's GetDestinationCluster: a service with a single port needs no port in the route.
    const ports = ctx.serviceOf(host)?.ports ?? [];
    if (ports.length === 1) port = ports[0]?.number;
  }
  return {
    host,
    subset,
    port,
    cluster: port === undefined ? undefined : outboundClusterName(port, subset, host),
  };
}

function compileMirrors(route: HTTPRoute, ctx: RouteContext): CompiledHttpRoute['mirrors'] {
  const out: { destination: CompiledDestination; percentage: number }[] = [];
  const asTarget = (d: Destination, percentage: number) => ({
    destination: { ...compileDestination(d, ctx), weight: 100, headers: NO_HEADERS },
    percentage,
  });
  // Istio mirrors everything when no percentage is set, and nothing (no mirror policy at all)
  // when one is set to 0 (route.go MirrorPercent / MirrorPercentByPolicy).
  if (route.mirror) {
    const percentage =
      route.mirrorPercentage?.value ?? route.mirrorPercent ?? route.mirror_percent ?? 100;
    if (percentage > 0) out.push(asTarget(route.mirror, percentage));
  }
  for (const m of route.mirrors ?? []) {
    const percentage = m.percentage?.value ?? 100;
    if (m.destination && percentage > 0) out.push(asTarget(m.destination, percentage));
  }
  return out;
}

function compileFault(fault: HTTPRoute['fault']): FaultPolicy | undefined {
  if (!fault) return undefined;
  const out: FaultPolicy = {};
  const delay = fault.delay;
  if (delay?.fixedDelay !== undefined) {
    const ms = parseDuration(delay.fixedDelay);
    // Istio: "If left unspecified, no request will be delayed."
    if (ms !== undefined)
      out.delay = { fixedDelayMs: ms, percentage: delay.percentage?.value ?? delay.percent ?? 0 };
  }
  const abort = fault.abort;
  if (abort) {
    const percentage = abort.percentage?.value ?? 0;
    if (abort.httpStatus !== undefined) out.abort = { httpStatus: abort.httpStatus, percentage };
    else if (abort.grpcStatus !== undefined)
      out.abort = { grpcStatus: abort.grpcStatus, percentage };
  }
  return out.delay || out.abort ? out : undefined;
}

function compileHeaders(h: Headers | undefined): CompiledHeaders {
  if (!h) return NO_ROUTE_HEADERS;
  const req = h.request;
  // Istio turns a `host`/`:authority` set (else add) into Envoy's host rewrite (TranslateHeadersOperations).
  const authority = authorityOf(req?.set) ?? authorityOf(req?.add);
  return { request: compileOps(req), response: compileOps(h.response), authority };
}

function authorityOf(map: Readonly<Record<string, string>> | undefined): string | undefined {
  let out: string | undefined;
  for (const [k, v] of Object.entries(map ?? {})) {
    const key = k.toLowerCase();
    if (key === 'host' || key === ':authority') out = v;
  }
  return out || undefined;
}

/** Istio drops pseudo-headers and `host` from header operations: Envoy may not change them. */
function isInternalHeader(name: string): boolean {
  return name.startsWith(':') || name === 'host';
}

function compileOps(ops: HeaderOperations | undefined): HeaderOps {
  if (!ops) return EMPTY_OPS;
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(ops.set ?? {})) {
    const key = k.toLowerCase();
    if (!isInternalHeader(key)) set[key] = v;
  }
  return {
    set,
    add: Object.entries(ops.add ?? {})
      .map(([k, v]) => [k.toLowerCase(), v] as const)
      .filter(([k]) => !isInternalHeader(k)),
    remove: (ops.remove ?? []).map((k) => k.toLowerCase()).filter((k) => !isInternalHeader(k)),
  };
}

/**
 * Two levels as Envoy applies them without most_specific_header_mutations_wins: the
 * weighted-cluster (destination) level first, the route level after it, so the route wins a
 * conflict: its removes drop the destination's sets, its sets overwrite.
 */
export function layerHeaderOps(route: HeaderOps, dest: HeaderOps): HeaderOps {
  if (route === EMPTY_OPS) return dest;
  if (dest === EMPTY_OPS) return route;
  const removed = new Set(route.remove);
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(dest.set)) if (!removed.has(k)) set[k] = v;
  Object.assign(set, route.set);
  return {
    set,
    add: [...dest.add.filter(([k]) => !removed.has(k) && !(k in route.set)), ...route.add],
    remove: [...new Set([...dest.remove.filter((k) => !(k in route.set)), ...route.remove])],
  };
}

/**
 * Route then destination operations in ONE Envoy level (a lone destination: Istio appends its
 * operations to the route's). Envoy's HeaderParser removes everything first and then applies
 * the additions in order, so a remove never cancels a set of the same level and the
 * destination's sets overwrite the route's.
 */
export function sameLevelHeaderOps(route: HeaderOps, dest: HeaderOps): HeaderOps {
  if (dest === EMPTY_OPS) return route;
  if (route === EMPTY_OPS) return dest;
  return {
    set: { ...route.set, ...dest.set },
    add: [...route.add.filter(([k]) => !(k in dest.set)), ...dest.add],
    remove: [...new Set([...route.remove, ...dest.remove])],
  };
}

function decodeBase64(bytes: string | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  try {
    return atob(bytes);
  } catch {
    return undefined;
  }
}
