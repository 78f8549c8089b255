// The HTTP/2 inbound listener (listener protocol HTTP2 or GRPC): mesh traffic for this workload
// arrives as h2c and goes to the app on 127.0.0.1:targetPort over one shared h2c session, bodies
// and trailers streamed. Like the HTTP/1.1 inbound listener it has no retries and no timeout; an
// app that is down answers UF (UNAVAILABLE for gRPC), so the caller's sidecar can retry
// elsewhere. Connections that do not start with the h2 preface are HTTP/1.1 callers and go to
// the HTTP/1.1 inbound server for the same app.
import type { Http2Server } from 'node:http2';
import { createServer, type Server } from 'node:net';
import type { InboundListener } from '@mesh/proto';
import type { AccessLogEntry } from '../http/access-log.js';
import { createInboundServer } from '../http/inbound-server.js';
import { headerValue, withHeaders } from '../http/headers.js';
import { localReply } from '../http/local-reply.js';
import { RequestBody } from '../http/request-body.js';
import { portOf } from '../http/request-target.js';
import { stampRequest } from '../http/routing.js';
import type { ProxyResponse, UpstreamTarget } from '../http/types.js';
import type { UpstreamPools } from '../upstream/pools.js';
import { givePeer, stampInbound, type RequestTelemetry } from '../telemetry/propagation.js';
import { sniff } from '../tcp/sniff.js';
import { timeoutLayer } from '../http/timeout.js';
import { h2ForwardHandler } from './forward.js';
import { grpcDeadlineMs, isGrpcRequest } from './grpc.js';
import { headersFromH2 } from './headers.js';
import { createH2ProxyServer, headerText, resolveH2Limits, type H2Limits } from './server.js';
import { createH2SessionPool, type H2SessionPool } from './sessions.js';

export interface H2InboundOptions {
  /** Where the app listens; 127.0.0.1 by default. */
  readonly appAddress?: string;
  readonly limits?: Partial<H2Limits>;
  /** h2c sessions to the app; created (and closed with the server) if absent. */
  readonly sessions?: H2SessionPool;
  /** For HTTP/1.1 callers' requests to the app. */
  readonly pools?: UpstreamPools;
  /** How long a new connection may stay silent before it is handed to HTTP/1.1 (which times it out). */
  readonly sniffTimeoutMs?: number;
  readonly onError?: (err: unknown) => void;
  /** Peer header and trace spans; absent: the proxy adds neither. */
  readonly telemetry?: RequestTelemetry;
}

/** A net.Server, not yet listening: the caller binds it to `listener.bindPort`. */
export function createH2InboundServer(
  listener: InboundListener,
  log: (entry: AccessLogEntry) => void,
  options: H2InboundOptions = {},
): Server {
  const limits = resolveH2Limits(options.limits);
  const telemetry = options.telemetry;
  const address = options.appAddress ?? '127.0.0.1';
  const app: UpstreamTarget = {
    id: `${address.includes(':') ? `[${address}]` : address}:${listener.targetPort}`,
    address,
    port: listener.targetPort,
    cluster: listener.cluster,
  };
  const sessions = options.sessions ?? createH2SessionPool();
  const forward = h2ForwardHandler(sessions);
  const h2: Http2Server = createH2ProxyServer({
    direction: 'inbound',
    limits,
    log,
    onError: options.onError,
    handle: async (req): Promise<ProxyResponse> => {
      const { info, headers: raw } = req;
      const path = headerText(raw[':path']);
      if (!path) return localReply(400, 'DPE', 'HTTP/2 request without a :path is not supported');
      const authority = headerText(raw[':authority']) ?? headerText(raw.host) ?? app.id;
      if (portOf(authority) === undefined)
        return localReply(400, 'DPE', `invalid :authority ${JSON.stringify(authority)}`);
      info.authority = authority;
      info.upstreamCluster = app.cluster;
      info.upstreamHost = app.id;
      info.attempts = 1;
      info.destinationPort = listener.port;
      const fresh = headersFromH2(raw);
      if (telemetry) stampInbound(fresh, info, telemetry);
      let headers = stampRequest(fresh, info);
      if (raw.te !== undefined) headers = withHeaders(headers, { te: headerText(raw.te)! });
      // Istio's inbound routes have no timeout but honour grpc-timeout (grpcTimeoutHeaderMax 0s).
      const deadline = isGrpcRequest(headerValue(headers, 'content-type'))
        ? grpcDeadlineMs(headerValue(headers, 'grpc-timeout'), undefined)
        : undefined;
      const send = deadline ? timeoutLayer(deadline.ms, 'grpc-timeout')!(forward) : forward;
      const response = await send({
        method: info.method,
        authority,
        path,
        headers,
        // No retries inbound, so nothing is kept beyond what is in flight.
        body: req.hasBody
          ? new RequestBody(req.stream, 0, (n) => (info.bytesReceived += n))
          : undefined,
        signal: req.signal,
        info,
        rng: Math.random,
        previousHosts: [],
        upstream: app,
      });
      return telemetry ? givePeer(response, info, telemetry) : response;
    },
  });
  const h1 = createInboundServer({
    listener,
    log,
    appAddress: address,
    ...(options.pools && { pools: options.pools }),
    ...(telemetry && { telemetry }),
  });
  const sniffTimeoutMs = options.sniffTimeoutMs ?? 5_000;
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    void sniff(socket, { timeoutMs: sniffTimeoutMs }).then((result) => {
      if (result.ended || socket.destroyed) {
        socket.destroy();
        return;
      }
      if (result.protocol === 'h2c') h2.emit('connection', socket);
      else {
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  // Closing the listener also winds down its sessions: GOAWAY lets in-flight streams finish.
  const sessionsOpen = new Set<{ close(): void }>();
  h2.on('session', (session) => {
    sessionsOpen.add(session);
    session.once('close', () => sessionsOpen.delete(session));
  });
  server.once('close', () => {
    h1.close();
    if (!options.sessions) void sessions.close();
  });
  const close = server.close.bind(server);
  server.close = (callback?: (err?: Error) => void) => {
    for (const s of sessionsOpen) s.close();
    h1.closeIdleConnections();
    return close(callback);
  };
  return server;
}
