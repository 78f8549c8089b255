// The routing step both outbound paths (HTTP/1.1 and h2) share: Envoy's request id, route(), and
// the answers that need no upstream (no route, redirects, direct responses).
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  outboundClusterName,
  route,
  type DirectResponseDecision,
  type ForwardDecision,
  type RedirectDecision,
  type RouteHeaderOps,
} from '@mesh/rules';
import type { ProxyTable } from '../config/types.js';
import { applyHeaderOps, headerValue, joinedHeaders, withHeaders } from './headers.js';
import { localReply } from './local-reply.js';
import { RequestBody } from './request-body.js';
import type { StreamInfo } from './stream-info.js';
import type { FreshHeaderMap, HeaderMap, HttpContext, ProxyResponse } from './types.js';
import type { AbortSignalLike } from '../abort.js';

export interface RoutingNode {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly gateway?: string;
}

export interface RoutableRequest {
  readonly authority: string;
  readonly port: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly headers: HeaderMap;
  /** https when the request came over TLS (a gateway's HTTPS port); route matches read it. */
  readonly scheme?: 'http' | 'https';
}

/**
 * x-request-id (kept, or made) and x-forwarded-proto, as Envoy sets them on every request. Set on
 * the map the listener just built from the request, so no copy is made for them.
 */
export function stampRequest(
  headers: FreshHeaderMap,
  info: StreamInfo,
  scheme: 'http' | 'https' = 'http',
): HeaderMap {
  const requestId = headerValue(headers, 'x-request-id') || randomUUID();
  info.requestId = requestId;
  headers['x-request-id'] = requestId;
  headers['x-forwarded-proto'] = headerValue(headers, 'x-forwarded-proto') ?? scheme;
  return headers;
}

/** The decision to forward, or the answer when there is nothing to forward to. */
export function routeRequest(
  table: ProxyTable,
  request: RoutableRequest,
  node: RoutingNode,
  rng: () => number,
  info: StreamInfo,
): ForwardDecision | ProxyResponse {
  const decision = route(
    table.compiled,
    {
      authority: request.authority,
      ...(request.port !== undefined && { port: request.port }),
      method: request.method,
      path: request.path,
      scheme: request.scheme ?? 'http',
      headers: joinedHeaders(request.headers),
      sourceLabels: node.labels,
      sourceNamespace: node.namespace,
      ...(node.gateway !== undefined && { gateway: node.gateway }),
    },
    rng,
  );
  switch (decision.action) {
    case 'no-route':
      return localReply(404, 'NR', decision.message);
    case 'redirect':
      info.routeName = decision.routeName;
      return redirect(decision);
    case 'direct-response':
      info.routeName = decision.routeName;
      return directResponse(decision);
    case 'forward':
      return decision;
  }
}

export function isForward(routed: ForwardDecision | ProxyResponse): routed is ForwardDecision {
  return 'action' in routed && routed.action === 'forward';
}

function redirect(decision: RedirectDecision): ProxyResponse {
  return {
    status: decision.status,
    headers: responseHeaders({ location: decision.location }, decision.headers),
    body: undefined,
  };
}

function directResponse(decision: DirectResponseDecision): ProxyResponse {
  const body = decision.body === undefined ? undefined : Buffer.from(decision.body);
  // Envoy labels a configured body text/plain; an empty one gets no content type.
  const base: Record<string, string> = body ? { 'content-type': 'text/plain' } : {};
  return { status: decision.status, headers: responseHeaders(base, decision.headers), body };
}

function responseHeaders(base: Record<string, string>, ops: RouteHeaderOps): HeaderMap {
  return applyHeaderOps(
    Object.assign(Object.create(null) as Record<string, string>, base),
    ops.response,
  );
}

/**
 * The request context a forward decision starts the layer chain with (both outbound paths):
 * the cluster in the access log, the body kept for retries, and Envoy's x-envoy-original-path
 * when a rewrite changed the path.
 */
export function forwardContext(
  decision: ForwardDecision,
  request: {
    readonly headers: HeaderMap;
    readonly originalPath: string;
    readonly body: Readable | undefined;
    readonly signal: AbortSignalLike;
    readonly peerHeader?: string;
  },
  info: StreamInfo,
  options: { readonly rng: () => number; readonly retryBufferBytes: number },
): { ctx: HttpContext; clusterName: string } {
  const { host, subset, port } = decision.destination;
  const clusterName = decision.destination.cluster || outboundClusterName(port, subset, host);
  info.routeName = decision.routeName ?? (decision.virtualService ? undefined : 'default');
  info.upstreamCluster = clusterName;
  const body = request.body
    ? new RequestBody(request.body, options.retryBufferBytes, (n) => (info.bytesReceived += n))
    : undefined;
  const headers =
    decision.path !== request.originalPath
      ? withHeaders(request.headers, { 'x-envoy-original-path': request.originalPath })
      : request.headers;
  const ctx: HttpContext = {
    method: info.method,
    authority: decision.authority,
    path: decision.path,
    headers,
    body,
    signal: request.signal,
    info,
    rng: options.rng,
    previousHosts: [],
    upstream: undefined,
    ...(request.peerHeader !== undefined && { peerHeader: request.peerHeader }),
  };
  return { ctx, clusterName };
}
