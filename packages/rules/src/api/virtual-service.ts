import { z } from 'zod';
import {
  destination,
  durationString,
  headers,
  percent,
  stringMap,
  stringMatch,
  uint32,
  int32,
} from './common.js';

export const httpMatchRequest = z.strictObject({
  name: z.string().optional(),
  uri: stringMatch.optional(),
  scheme: stringMatch.optional(),
  method: stringMatch.optional(),
  authority: stringMatch.optional(),
  headers: z.record(z.string(), stringMatch).optional(),
  port: uint32.optional(),
  sourceLabels: stringMap.optional(),
  gateways: z.array(z.string()).optional(),
  queryParams: z.record(z.string(), stringMatch).optional(),
  ignoreUriCase: z.boolean().optional(),
  withoutHeaders: z.record(z.string(), stringMatch).optional(),
  sourceNamespace: z.string().optional(),
  statPrefix: z.string().optional(),
});
export type HTTPMatchRequest = z.infer<typeof httpMatchRequest>;

export const httpRouteDestination = z.strictObject({
  destination: destination.optional(),
  weight: int32.optional(),
  headers: headers.optional(),
});
export type HTTPRouteDestination = z.infer<typeof httpRouteDestination>;

export const httpRedirect = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  port: uint32.optional(),
  derivePort: z.string().optional(),
  scheme: z.string().optional(),
  redirectCode: uint32.optional(),
});
export type HTTPRedirect = z.infer<typeof httpRedirect>;

export const httpDirectResponse = z.strictObject({
  status: uint32.optional(),
  body: z
    .strictObject({
      string: z.string().optional(),
      bytes: z.string().optional(),
    })
    .optional(),
});
export type HTTPDirectResponse = z.infer<typeof httpDirectResponse>;

export const delegate = z.strictObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
});
export type Delegate = z.infer<typeof delegate>;

export const httpRewrite = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: z
    .strictObject({
      match: z.string().optional(),
      rewrite: z.string().optional(),
    })
    .optional(),
});
export type HTTPRewrite = z.infer<typeof httpRewrite>;

export const httpRetry = z.strictObject({
  attempts: int32.optional(),
  perTryTimeout: durationString.optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: z.boolean().optional(),
  retryIgnorePreviousHosts: z.boolean().optional(),
  backoff: durationString.optional(),
});
export type HTTPRetry = z.infer<typeof httpRetry>;

export const httpFaultInjection = z.strictObject({
  delay: z
    .strictObject({
      fixedDelay: durationString.optional(),
      exponentialDelay: durationString.optional(),
      percentage: percent.optional(),
      percent: int32.optional(),
    })
    .optional(),
  abort: z
    .strictObject({
      httpStatus: int32.optional(),
      grpcStatus: z.string().optional(),
      http2Error: z.string().optional(),
      percentage: percent.optional(),
    })
    .optional(),
});
export type HTTPFaultInjection = z.infer<typeof httpFaultInjection>;

export const httpMirrorPolicy = z.strictObject({
  destination: destination.optional(),
  percentage: percent.optional(),
});
export type HTTPMirrorPolicy = z.infer<typeof httpMirrorPolicy>;

export const corsPolicy = z.strictObject({
  allowOrigins: z.array(stringMatch).optional(),
  allowOrigin: z.array(z.string()).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: durationString.optional(),
  allowCredentials: z.boolean().optional(),
  unmatchedPreflights: z.string().optional(),
});
export type CorsPolicy = z.infer<typeof corsPolicy>;

export const httpRoute = z.strictObject({
  name: z.string().optional(),
  match: z.array(httpMatchRequest).optional(),
  route: z.array(httpRouteDestination).optional(),
  redirect: httpRedirect.optional(),
  directResponse: httpDirectResponse.optional(),
  delegate: delegate.optional(),
  rewrite: httpRewrite.optional(),
  timeout: durationString.optional(),
  retries: httpRetry.optional(),
  fault: httpFaultInjection.optional(),
  mirror: destination.optional(),
  mirrors: z.array(httpMirrorPolicy).optional(),
  mirrorPercent: uint32.optional(),
  // The same deprecated UInt32Value under its json_name; Istio's CRD accepts both spellings.
  mirror_percent: uint32.optional(),
  mirrorPercentage: percent.optional(),
  corsPolicy: corsPolicy.optional(),
  headers: headers.optional(),
});
export type HTTPRoute = z.infer<typeof httpRoute>;

const l4MatchCommon = {
  destinationSubnets: z.array(z.string()).optional(),
  port: uint32.optional(),
  sourceLabels: stringMap.optional(),
  gateways: z.array(z.string()).optional(),
  sourceNamespace: z.string().optional(),
};

export const l4MatchAttributes = z.strictObject({
  ...l4MatchCommon,
  sourceSubnet: z.string().optional(),
});
export type L4MatchAttributes = z.infer<typeof l4MatchAttributes>;

export const tlsMatchAttributes = z.strictObject({
  sniHosts: z.array(z.string()).optional(),
  ...l4MatchCommon,
});
export type TLSMatchAttributes = z.infer<typeof tlsMatchAttributes>;

export const routeDestination = z.strictObject({
  destination: destination.optional(),
  weight: int32.optional(),
});
export type RouteDestination = z.infer<typeof routeDestination>;

export const tcpRoute = z.strictObject({
  match: z.array(l4MatchAttributes).optional(),
  route: z.array(routeDestination).optional(),
});
export type TCPRoute = z.infer<typeof tcpRoute>;

export const tlsRoute = z.strictObject({
  match: z.array(tlsMatchAttributes).optional(),
  route: z.array(routeDestination).optional(),
});
export type TLSRoute = z.infer<typeof tlsRoute>;

export const virtualServiceSpec = z.strictObject({
  hosts: z.array(z.string()).optional(),
  gateways: z.array(z.string()).optional(),
  http: z.array(httpRoute).optional(),
  tls: z.array(tlsRoute).optional(),
  tcp: z.array(tcpRoute).optional(),
  exportTo: z.array(z.string()).optional(),
});
export type VirtualServiceSpec = z.infer<typeof virtualServiceSpec>;
