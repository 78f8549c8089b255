// The inbound listener: mesh traffic for this workload arrives on the listener's bindPort and goes
// to the app on 127.0.0.1:targetPort, over pooled keep-alive connections with both bodies
// streamed. Istio gives inbound routes no retries and no timeout; an app that is down answers
// 503 UF, so the caller's sidecar can retry elsewhere.
import type { InboundListener } from '@mesh/proto';
import { createUpstreamPools, type UpstreamPools } from '../upstream/pools.js';
import type { AccessLogger } from './access-log.js';
import { forwardHandler } from './forward.js';
import { headersOf } from './headers.js';
import { localReply } from './local-reply.js';
import { RequestBody } from './request-body.js';
import { parseRequestTarget } from './request-target.js';
import { stampRequest } from './routing.js';
import {
  createProxyServer,
  resolveLimits,
  type ProxyRequest,
  type ProxyServer,
  type ServerLimits,
} from './server.js';
import type { StreamInfo } from './stream-info.js';
import { givePeer, stampInbound, type RequestTelemetry } from '../telemetry/propagation.js';
import type { Handler, ProxyResponse, UpstreamTarget } from './types.js';
import type { AbortSignalLike } from '../abort.js';

export interface InboundServerOptions {
  readonly listener: InboundListener;
  readonly log: AccessLogger;
  /** Where the app listens; 127.0.0.1 by default. */
  readonly appAddress?: string;
  readonly pools?: UpstreamPools;
  readonly limits?: Partial<ServerLimits>;
  readonly onError?: (err: unknown) => void;
  /** Peer header and trace spans; absent: the proxy adds neither (tests, tools). */
  readonly telemetry?: RequestTelemetry;
}

/** A server, not yet listening: the caller binds it to `listener.bindPort`. */
export function createInboundServer(options: InboundServerOptions): ProxyServer {
  const { listener } = options;
  const pools = options.pools ?? createUpstreamPools();
  const limits = resolveLimits(options.limits);
  const address = options.appAddress ?? '127.0.0.1';
  const app: UpstreamTarget = {
    id: `${address.includes(':') ? `[${address}]` : address}:${listener.targetPort}`,
    address,
    port: listener.targetPort,
    cluster: listener.cluster,
  };
  const forward = forwardHandler(pools);
  const server = createProxyServer({
    direction: 'inbound',
    limits,
    log: options.log,
    onError: options.onError,
    handle: (req, info, signal) =>
      handleInbound(req, info, signal, app, listener.port, forward, options.telemetry),
  });
  if (!options.pools) server.once('close', () => void pools.close());
  return server;
}

async function handleInbound(
  req: ProxyRequest,
  info: StreamInfo,
  signal: AbortSignalLike,
  app: UpstreamTarget,
  servicePort: number,
  forward: Handler,
  telemetry: RequestTelemetry | undefined,
): Promise<ProxyResponse> {
  const target = parseRequestTarget(req.url, info.authority || app.id);
  if (typeof target === 'string') return localReply(400, 'DPE', target);
  info.authority = target.authority;
  info.path = target.path;
  info.upstreamCluster = app.cluster;
  info.upstreamHost = app.id;
  info.attempts = 1;
  info.destinationPort = servicePort;
  const fresh = headersOf(req);
  if (telemetry) stampInbound(fresh, info, telemetry);
  const headers = stampRequest(fresh, info);
  const response = await forward({
    method: info.method,
    authority: target.authority,
    path: target.path,
    headers,
    // No retries inbound, so nothing is kept beyond what is in flight.
    body: req.body ? new RequestBody(req.body, 0, (n) => (info.bytesReceived += n)) : undefined,
    signal,
    info,
    rng: Math.random,
    previousHosts: [],
    upstream: app,
  });
  return telemetry ? givePeer(response, info, telemetry) : response;
}
