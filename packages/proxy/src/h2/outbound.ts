// HTTP/2 cleartext on the outbound side: what arrives in a CONNECT tunnel that starts with the h2
// preface (gRPC clients honouring grpc_proxy / http_proxy do exactly that). Each stream is
// routed on its own with route() by :authority (the tunnel's CONNECT target when absent or
// without a port) and run through the same layers as HTTP/1.1: fault -> header ops -> route
// timeout -> retry -> endpoint pick -> forward. Upstreams get h2c when the cluster's port speaks
// HTTP/2 (HTTP2, GRPC, GRPC-WEB) or the request is gRPC; plain requests to an HTTP port go over
// HTTP/1.1 through the shared keep-alive pools.
import type { Http2Server } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { ForwardDecision } from '@mesh/rules';
import type { ProxyTable } from '../config/types.js';
import type { AccessLogger } from '../http/access-log.js';
import { endpointLayer } from '../http/endpoint.js';
import { faultLayer } from '../http/fault.js';
import { forwardHandler } from '../http/forward.js';
import { headerOpsLayer } from '../http/header-ops.js';
import { headerValue, withHeaders } from '../http/headers.js';
import { localReply } from '../http/local-reply.js';
import { portOf } from '../http/request-target.js';
import { retryLayer } from '../http/retry.js';
import { retryGateOf } from '../http/outbound-server.js';
import { forwardContext, isForward, routeRequest, stampRequest } from '../http/routing.js';
import { timeoutLayer } from '../http/timeout.js';
import type { Handler, HeaderMap, HttpContext, ProxyResponse } from '../http/types.js';
import { compose } from '../http/types.js';
import { ActiveRequests } from '../upstream/active-requests.js';
import { createUpstreamPools, type UpstreamPools } from '../upstream/pools.js';
import {
  outboundPeerHeader,
  stampOutbound,
  type RequestTelemetry,
} from '../telemetry/propagation.js';
import { h2ForwardHandler } from './forward.js';
import { grpcDeadlineMs, isGrpcRequest } from './grpc.js';
import { headersFromH2 } from './headers.js';
import {
  createH2ProxyServer,
  headerText,
  resolveH2Limits,
  type H2Limits,
  type H2Request,
} from './server.js';
import { createH2SessionPool, type H2SessionPool } from './sessions.js';

/** Cluster port protocols whose endpoints speak HTTP/2 (Istio's protocol selection names). */
const H2_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP2', 'GRPC', 'GRPC-WEB']);

export interface H2OutboundOptions {
  readonly table: () => ProxyTable;
  readonly node: {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly log: AccessLogger;
  readonly active?: ActiveRequests;
  /** HTTP/1.1 pools for plain requests to HTTP/1.1 ports; created (and closed) if absent. */
  readonly pools?: UpstreamPools;
  /** h2c sessions to upstreams; created (and closed) if absent. */
  readonly sessions?: H2SessionPool;
  readonly rng?: () => number;
  readonly limits?: Partial<H2Limits>;
  readonly onError?: (err: unknown) => void;
  /** Peer header and trace spans; absent: the proxy adds neither. */
  readonly telemetry?: RequestTelemetry;
}

export interface H2Outbound {
  readonly server: Http2Server;
  /** Serves the HTTP/2 connection on `socket`, whose CONNECT target was `connectTarget`. */
  accept(socket: Duplex, connectTarget: { host: string; port: number }): void;
  close(): Promise<void>;
}

interface Deps {
  readonly table: () => ProxyTable;
  readonly node: H2OutboundOptions['node'];
  readonly rng: () => number;
  readonly active: ActiveRequests;
  readonly terminal: Handler;
  readonly retryBufferBytes: number;
  readonly telemetry: RequestTelemetry | undefined;
}

export function createH2Outbound(options: H2OutboundOptions): H2Outbound {
  const limits = resolveH2Limits(options.limits);
  const pools = options.pools ?? createUpstreamPools();
  const sessions = options.sessions ?? createH2SessionPool();
  const h2 = h2ForwardHandler(sessions);
  const h1 = forwardHandler(pools);
  const table = options.table;
  const terminal: Handler = (ctx) => (speaksH2(ctx, table()) ? h2(ctx) : h1(ctx));
  const deps: Deps = {
    table,
    node: options.node,
    rng: options.rng ?? Math.random,
    active: options.active ?? new ActiveRequests(),
    terminal,
    retryBufferBytes: limits.retryBufferBytes,
    telemetry: options.telemetry,
  };
  // The session being set up and the tunnel it came through (the 'session' event is synchronous).
  let pendingTarget: { host: string; port: number } | undefined;
  const targets = new WeakMap<object, { host: string; port: number }>();
  const server = createH2ProxyServer({
    direction: 'outbound',
    limits,
    log: options.log,
    onError: options.onError,
    handle: (req) => handleOutbound(req, targets.get(req.stream.session ?? {}), deps),
  });
  server.on('session', (session) => {
    if (pendingTarget) targets.set(session, pendingTarget);
  });
  const sessionsOpen = new Set<{ close(): void }>();
  server.on('session', (session) => {
    sessionsOpen.add(session);
    session.once('close', () => sessionsOpen.delete(session));
  });
  return {
    server,
    accept(socket, connectTarget) {
      pendingTarget = connectTarget;
      try {
        server.emit('connection', socket);
      } finally {
        pendingTarget = undefined;
      }
    },
    async close() {
      for (const s of sessionsOpen) s.close();
      if (!options.sessions) await sessions.close();
      if (!options.pools) await pools.close();
    },
  };
}

function speaksH2(ctx: HttpContext, table: ProxyTable): boolean {
  if (isGrpcRequest(headerValue(ctx.headers, 'content-type'))) return true;
  const cluster = ctx.upstream && table.clusters.get(ctx.upstream.cluster);
  return (
    cluster !== undefined && H2_PROTOCOLS.has((cluster.body.port.protocol ?? '').toUpperCase())
  );
}

async function handleOutbound(
  req: H2Request,
  tunnel: { host: string; port: number } | undefined,
  deps: Deps,
): Promise<ProxyResponse> {
  const { info, headers: raw } = req;
  const table = deps.table();
  info.generation = table.generation;
  const method = String(raw[':method'] ?? '');
  const path = headerText(raw[':path']);
  if (method === 'CONNECT' || !path)
    return localReply(400, 'DPE', `HTTP/2 ${method || 'request'} without a :path is not supported`);
  const authority =
    headerText(raw[':authority']) ??
    headerText(raw.host) ??
    (tunnel ? `${tunnel.host}:${tunnel.port}` : '');
  // An authority without a port means the tunnel's port (gRPC's default authority has one).
  const port = hasPort(authority) ? portOf(authority) : (tunnel?.port ?? portOf(authority));
  if (!authority || port === undefined)
    return localReply(400, 'DPE', `invalid :authority ${JSON.stringify(authority)}`);
  info.authority = authority;

  const fresh = headersFromH2(raw);
  if (deps.telemetry) stampOutbound(fresh, info, deps.telemetry);
  let headers = stampRequest(fresh, info);
  if (raw.te !== undefined) headers = withHeaders(headers, { te: headerText(raw.te)! });
  const routed = routeRequest(
    table,
    { authority, port, method, path, headers },
    deps.node,
    deps.rng,
    info,
  );
  if (!isForward(routed)) return routed;
  info.destinationService = routed.destination.host;
  info.destinationPort = routed.destination.port;
  return forward(routed, req, headers, path, table, deps);
}

function forward(
  decision: ForwardDecision,
  req: H2Request,
  headers: HeaderMap,
  originalPath: string,
  table: ProxyTable,
  deps: Deps,
): Promise<ProxyResponse> {
  const { ctx, clusterName } = forwardContext(
    decision,
    {
      headers,
      originalPath,
      body: req.hasBody ? req.stream : undefined,
      signal: req.signal,
      ...(deps.telemetry && {
        peerHeader: outboundPeerHeader(deps.telemetry, decision.destination.host),
      }),
    },
    req.info,
    deps,
  );
  const deadline = isGrpcRequest(headerValue(headers, 'content-type'))
    ? grpcDeadlineMs(headerValue(headers, 'grpc-timeout'), decision.timeoutMs)
    : decision.timeoutMs !== undefined
      ? { ms: decision.timeoutMs, fromHeader: false }
      : undefined;
  const handler = compose(
    faultLayer(decision.fault),
    headerOpsLayer(decision.headers),
    deadline
      ? timeoutLayer(deadline.ms, deadline.fromHeader ? 'grpc-timeout' : 'route')
      : undefined,
    retryLayer(decision.retry, retryGateOf(table, clusterName, deps.active)),
    endpointLayer({
      destination: decision.destination,
      clusterName,
      cluster: table.clusters.get(clusterName),
      active: deps.active,
    }),
  )(deps.terminal);
  return handler(ctx);
}

function hasPort(authority: string): boolean {
  return /^(?:\[[^\]]*\]|[^:[\]]*):\d+$/.test(authority);
}
