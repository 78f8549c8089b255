// Events as the proxy will publish them, on the real channels.
import { channel } from 'node:diagnostics_channel';
import {
  HTTP_CHANNEL,
  SPAN_CHANNEL,
  TCP_CHANNEL,
  type DestinationPeer,
  type HttpRequestEvent,
  type Peer,
  type TcpConnectionEvent,
} from '../events.js';

const http = channel(HTTP_CHANNEL);
const tcp = channel(TCP_CHANNEL);
const span = channel(SPAN_CHANNEL);

export const productpage: Peer = {
  workload: 'productpage-v1',
  namespace: 'default',
  app: 'productpage',
  version: 'v1',
};

export const reviewsV2: DestinationPeer = {
  workload: 'reviews-v2',
  namespace: 'default',
  app: 'reviews',
  version: 'v2',
  service: 'reviews.default.svc.cluster.local',
  serviceName: 'reviews',
  serviceNamespace: 'default',
};

export function httpEvent(over: Partial<HttpRequestEvent> = {}): HttpRequestEvent {
  return {
    reporter: 'source',
    requestProtocol: 'http',
    responseCode: 200,
    responseFlags: '-',
    durationMs: 3,
    requestBytes: 120,
    responseBytes: 1800,
    source: productpage,
    destination: reviewsV2,
    connectionSecurityPolicy: 'unknown',
    ...over,
  };
}

export function tcpEvent(
  kind: TcpConnectionEvent['kind'],
  over: Partial<TcpConnectionEvent> = {},
): TcpConnectionEvent {
  return {
    kind,
    reporter: 'destination',
    source: productpage,
    destination: reviewsV2,
    sentBytes: 0,
    receivedBytes: 0,
    responseFlags: '-',
    connectionSecurityPolicy: 'none',
    ...over,
  };
}

export function publishHttp(event: unknown): void {
  http.publish(event);
}

/** As the proxy publishes a sampled request's event for tracing. */
export function publishSpan(event: unknown): void {
  span.publish(event);
}

export function publishTcp(event: unknown): void {
  tcp.publish(event);
}
