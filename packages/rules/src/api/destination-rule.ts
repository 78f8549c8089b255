import { z } from 'zod';
import {
  durationString,
  int32,
  portSelector,
  stringMap,
  uint32,
  uint64,
  workloadSelector,
} from './common.js';

export const consistentHashLB = z.strictObject({
  httpHeaderName: z.string().optional(),
  httpCookie: z
    .strictObject({
      name: z.string().optional(),
      path: z.string().optional(),
      ttl: durationString.optional(),
      attributes: z
        .array(z.strictObject({ name: z.string().optional(), value: z.string().optional() }))
        .optional(),
    })
    .optional(),
  useSourceIp: z.boolean().optional(),
  httpQueryParameterName: z.string().optional(),
  ringHash: z.strictObject({ minimumRingSize: uint64.optional() }).optional(),
  maglev: z.strictObject({ tableSize: uint64.optional() }).optional(),
  minimumRingSize: uint64.optional(),
});
export type ConsistentHashLB = z.infer<typeof consistentHashLB>;

export const localityLbSetting = z.strictObject({
  distribute: z
    .array(
      z.strictObject({
        from: z.string().optional(),
        to: z.record(z.string(), uint32).optional(),
      }),
    )
    .optional(),
  failover: z
    .array(z.strictObject({ from: z.string().optional(), to: z.string().optional() }))
    .optional(),
  failoverPriority: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
});
export type LocalityLbSetting = z.infer<typeof localityLbSetting>;

export const loadBalancerSettings = z.strictObject({
  simple: z.string().optional(),
  consistentHash: consistentHashLB.optional(),
  localityLbSetting: localityLbSetting.optional(),
  warmupDurationSecs: durationString.optional(),
  warmup: z
    .strictObject({
      duration: durationString.optional(),
      // google.protobuf.DoubleValue: plain numbers in YAML/JSON.
      minimumPercent: z.number().optional(),
      aggression: z.number().optional(),
    })
    .optional(),
});
export type LoadBalancerSettings = z.infer<typeof loadBalancerSettings>;

export const connectionPoolSettings = z.strictObject({
  tcp: z
    .strictObject({
      maxConnections: int32.optional(),
      connectTimeout: durationString.optional(),
      tcpKeepalive: z
        .strictObject({
          probes: uint32.optional(),
          time: durationString.optional(),
          interval: durationString.optional(),
        })
        .optional(),
      maxConnectionDuration: durationString.optional(),
      idleTimeout: durationString.optional(),
    })
    .optional(),
  http: z
    .strictObject({
      http1MaxPendingRequests: int32.optional(),
      http2MaxRequests: int32.optional(),
      maxRequestsPerConnection: int32.optional(),
      maxRetries: int32.optional(),
      idleTimeout: durationString.optional(),
      h2UpgradePolicy: z.string().optional(),
      useClientProtocol: z.boolean().optional(),
      maxConcurrentStreams: int32.optional(),
    })
    .optional(),
});
export type ConnectionPoolSettings = z.infer<typeof connectionPoolSettings>;

export const outlierDetection = z.strictObject({
  splitExternalLocalOriginErrors: z.boolean().optional(),
  // google.protobuf.UInt32Value: plain non-negative integers.
  consecutiveLocalOriginFailures: uint32.optional(),
  consecutiveGatewayErrors: uint32.optional(),
  consecutive5xxErrors: uint32.optional(),
  consecutiveErrors: int32.optional(),
  interval: durationString.optional(),
  baseEjectionTime: durationString.optional(),
  maxEjectionPercent: int32.optional(),
  minHealthPercent: int32.optional(),
});
export type OutlierDetection = z.infer<typeof outlierDetection>;

export const clientTLSSettings = z.strictObject({
  mode: z.string().optional(),
  clientCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  credentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  sni: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
  caCrl: z.string().optional(),
});
export type ClientTLSSettings = z.infer<typeof clientTLSSettings>;

export const portTrafficPolicy = z.strictObject({
  port: portSelector.optional(),
  loadBalancer: loadBalancerSettings.optional(),
  connectionPool: connectionPoolSettings.optional(),
  outlierDetection: outlierDetection.optional(),
  tls: clientTLSSettings.optional(),
});
export type PortTrafficPolicy = z.infer<typeof portTrafficPolicy>;

/** TrafficPolicy.RetryBudget (destination_rule.proto): a cap on concurrent retries. */
export const retryBudget = z.strictObject({
  // google.protobuf.DoubleValue: a plain number, 0..100.
  percent: z.number().optional(),
  minRetryConcurrency: uint32.optional(),
  budgetInterval: durationString.optional(),
});
export type RetryBudget = z.infer<typeof retryBudget>;

export const trafficPolicy = z.strictObject({
  loadBalancer: loadBalancerSettings.optional(),
  connectionPool: connectionPoolSettings.optional(),
  outlierDetection: outlierDetection.optional(),
  tls: clientTLSSettings.optional(),
  portLevelSettings: z.array(portTrafficPolicy).optional(),
  tunnel: z
    .strictObject({
      protocol: z.string().optional(),
      targetHost: z.string().optional(),
      targetPort: uint32.optional(),
    })
    .optional(),
  proxyProtocol: z.strictObject({ version: z.string().optional() }).optional(),
  retryBudget: retryBudget.optional(),
});
export type TrafficPolicy = z.infer<typeof trafficPolicy>;

export const subset = z.strictObject({
  name: z.string().optional(),
  labels: stringMap.optional(),
  trafficPolicy: trafficPolicy.optional(),
});
export type Subset = z.infer<typeof subset>;

export const destinationRuleSpec = z.strictObject({
  host: z.string().optional(),
  trafficPolicy: trafficPolicy.optional(),
  subsets: z.array(subset).optional(),
  exportTo: z.array(z.string()).optional(),
  workloadSelector: z.strictObject({ matchLabels: stringMap.optional() }).optional(),
});
export type DestinationRuleSpec = z.infer<typeof destinationRuleSpec>;

// Kept so that a Sidecar's ingress workloadSelector shape can share it if Istio adds one.
export { workloadSelector };
