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
import { compileHttpMatch, uriMatchKind } from './http-match.js';
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
  const routeHeaders = compileHeaders(route.headers);
  const destinations = compileDestinations(route.route ?? [], ctx, routeHeaders);
  const rewrite = route.rewrite;
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
  };
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
  const destinations = compileDestinations(route.route ?? [], ctx, NO_HEADERS);
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

function compileDestinations(
  list: readonly { destination?: Destination; weight?: number; headers?: Headers }[],
  ctx: RouteContext,
  routeHeaders: RouteHeaderOps,
): CompiledDestination[] {
  // Istio sends everything to a lone destination whatever its weight; otherwise weights are relative.
  const single = list.length === 1;
  return list.map((d) => {
    const dest = compileDestination(d.destination ?? {}, ctx);
    const own = compileHeaders(d.headers);
    return {
      ...dest,
      weight: single ? 100 : Math.max(0, d.weight ?? 0),
      headers: {
        request: layerHeaderOps(own.request, routeHeaders.request),
        response: layerHeaderOps(own.response, routeHeaders.response),
      },
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
  if (route.mirror) {
    // Istio mirrors everything when neither mirrorPercentage nor the deprecated mirrorPercent is set.
    out.push(asTarget(route.mirror, route.mirrorPercentage?.value ?? route.mirrorPercent ?? 100));
  }
  for (const m of route.mirrors ?? []) {
    if (m.destination) out.push(asTarget(m.destination, m.percentage?.value ?? 100));
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

function compileHeaders(h: Headers | undefined): RouteHeaderOps {
  if (!h) return NO_HEADERS;
  return { request: compileOps(h.request), response: compileOps(h.response) };
}

function compileOps(ops: HeaderOperations | undefined): HeaderOps {
  if (!ops) return EMPTY_OPS;
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(ops.set ?? {})) set[k.toLowerCase()] = v;
  return {
    set,
    add: Object.entries(ops.add ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const),
    remove: (ops.remove ?? []).map((k) => k.toLowerCase()),
  };
}

/**
 * Envoy applies the weighted-cluster (destination) level first and the route level after it, so
 * the route level wins a conflict: its removes drop the destination's sets, its sets overwrite.
 */
export function layerHeaderOps(first: HeaderOps, second: HeaderOps): HeaderOps {
  if (second === EMPTY_OPS) return first;
  if (first === EMPTY_OPS) return second;
  const removed = new Set(second.remove);
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(first.set)) if (!removed.has(k)) set[k] = v;
  Object.assign(set, second.set);
  return {
    set,
    add: [...first.add.filter(([k]) => !removed.has(k) && !(k in second.set)), ...second.add],
    remove: [...new Set([...first.remove.filter((k) => !(k in second.set)), ...second.remove])],
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
