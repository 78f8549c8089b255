// Istio config in words, for `meshctl describe`: matches, traffic policies, faults, retries.
// Pure; each function says what the config does, not how it is spelled.
import {
  formatDuration,
  parseDuration,
  type ConnectionPoolSettings,
  type FaultPolicy,
  type HTTPMatchRequest,
  type L4MatchAttributes,
  type Labels,
  type LoadBalancerSettings,
  type OutlierDetection,
  type ResolvedTrafficPolicy,
  type RetryPolicy,
  type StringMatch,
  type TLSMatchAttributes,
  type TrafficPolicy,
} from '@mesh/rules';

/** `app=reviews, version=v1`; `none` when empty. */
export function labelWords(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}

export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** 50, 33.3, 12.5: at most one decimal, no trailing zero. */
export function percentWords(value: number): string {
  return `${Math.round(value * 10) / 10}%`;
}

function stringMatchWords(m: StringMatch): string {
  if (m.exact !== undefined) return `exact "${m.exact}"`;
  if (m.prefix !== undefined) return `prefix "${m.prefix}"`;
  if (m.regex !== undefined && m.regex !== '*') return `matches regex "${m.regex}"`;
  return 'present';
}

/** One match block: its conditions joined with "and". */
export function httpMatchWords(m: HTTPMatchRequest): string {
  const parts: string[] = [];
  if (m.uri) parts.push(`uri ${stringMatchWords(m.uri)}${m.ignoreUriCase ? ' (any case)' : ''}`);
  if (m.method) parts.push(`method ${stringMatchWords(m.method)}`);
  if (m.scheme) parts.push(`scheme ${stringMatchWords(m.scheme)}`);
  if (m.authority) parts.push(`authority ${stringMatchWords(m.authority)}`);
  for (const [name, v] of Object.entries(m.headers ?? {}))
    parts.push(`header ${name} ${stringMatchWords(v)}`);
  for (const [name, v] of Object.entries(m.withoutHeaders ?? {}))
    parts.push(
      stringMatchWords(v) === 'present'
        ? `header ${name} absent`
        : `not header ${name} ${stringMatchWords(v)}`,
    );
  for (const [name, v] of Object.entries(m.queryParams ?? {}))
    parts.push(`query ${name} ${stringMatchWords(v)}`);
  parts.push(...commonMatchWords(m));
  return parts.length === 0 ? 'any request' : parts.join(' and ');
}

function commonMatchWords(m: {
  port?: number;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
  gateways?: string[];
}): string[] {
  const parts: string[] = [];
  if (m.port) parts.push(`port ${m.port}`);
  if (m.sourceLabels && Object.keys(m.sourceLabels).length > 0)
    parts.push(`caller has ${labelWords(m.sourceLabels)}`);
  if (m.sourceNamespace) parts.push(`caller in namespace ${m.sourceNamespace}`);
  if (m.gateways?.length) parts.push(`through ${m.gateways.join(' or ')}`);
  return parts;
}

export function l4MatchWords(m: L4MatchAttributes | TLSMatchAttributes): string {
  const parts: string[] = [];
  if ('sniHosts' in m && m.sniHosts?.length) parts.push(`SNI ${m.sniHosts.join(' or ')}`);
  if (m.destinationSubnets?.length) parts.push(`destination in ${m.destinationSubnets.join(', ')}`);
  if ('sourceSubnet' in m && m.sourceSubnet) parts.push(`source in ${m.sourceSubnet}`);
  parts.push(...commonMatchWords(m));
  return parts.length === 0 ? 'any connection' : parts.join(' and ');
}

/** `when A or B`; `default` for a route without matches (it takes everything left). */
export function whenWords(matches: readonly string[]): string {
  return matches.length === 0 ? 'default' : `when ${matches.join(' or ')}`;
}

export function faultWords(fault: FaultPolicy | undefined): string[] {
  const out: string[] = [];
  if (fault?.delay)
    out.push(
      `delay ${percentWords(fault.delay.percentage)} of requests by ${formatDuration(fault.delay.fixedDelayMs)}`,
    );
  if (fault?.abort)
    out.push(
      'httpStatus' in fault.abort
        ? `abort ${percentWords(fault.abort.percentage)} of requests with HTTP ${fault.abort.httpStatus}`
        : `abort ${percentWords(fault.abort.percentage)} of requests with gRPC ${fault.abort.grpcStatus}`,
    );
  return out;
}

export function retryWords(retry: RetryPolicy | undefined): string {
  if (!retry) return 'no retries';
  const on = [...retry.retryOn, ...retry.retriableStatusCodes.map(String)].join(',');
  const perTry =
    retry.perTryTimeoutMs !== undefined ? `, ${formatDuration(retry.perTryTimeoutMs)} per try` : '';
  return `retry up to ${plural(retry.attempts, 'time')}${perTry}, on ${on}`;
}

function durationWords(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  return ms === undefined ? text : formatDuration(ms);
}

export function loadBalancerWords(lb: LoadBalancerSettings | undefined): string {
  if (!lb) return 'load balancer LEAST_REQUEST (default)';
  const parts: string[] = [];
  const hash = lb.consistentHash;
  if (hash) {
    const on = hash.httpHeaderName
      ? `header ${hash.httpHeaderName}`
      : hash.httpCookie
        ? `cookie ${hash.httpCookie.name ?? ''}`
        : hash.httpQueryParameterName
          ? `query parameter ${hash.httpQueryParameterName}`
          : hash.useSourceIp
            ? 'source IP'
            : 'nothing set';
    parts.push(`load balancer consistent hash on ${on}`);
  } else parts.push(`load balancer ${lb.simple ?? 'LEAST_REQUEST'}`);
  const locality = lb.localityLbSetting;
  if (locality?.enabled === false) parts.push('locality balancing off');
  else if (locality?.distribute?.length) parts.push('locality weights (distribute)');
  else if (locality?.failoverPriority?.length)
    parts.push(`locality failover by ${locality.failoverPriority.join(', ')}`);
  else if (locality?.failover?.length) parts.push('locality failover');
  const warmup = durationWords(lb.warmup?.duration ?? lb.warmupDurationSecs);
  if (warmup) parts.push(`warmup ${warmup}`);
  return parts.join(', ');
}

export function connectionPoolWords(pool: ConnectionPoolSettings | undefined): string | undefined {
  if (!pool) return undefined;
  const parts: string[] = [];
  const tcp = pool.tcp;
  const http = pool.http;
  if (tcp?.maxConnections !== undefined)
    parts.push(`at most ${plural(tcp.maxConnections, 'connection')}`);
  if (tcp?.connectTimeout) parts.push(`connect timeout ${durationWords(tcp.connectTimeout)}`);
  if (tcp?.idleTimeout) parts.push(`TCP idle timeout ${durationWords(tcp.idleTimeout)}`);
  if (tcp?.maxConnectionDuration)
    parts.push(`connections live at most ${durationWords(tcp.maxConnectionDuration)}`);
  if (http?.http1MaxPendingRequests !== undefined)
    parts.push(`at most ${plural(http.http1MaxPendingRequests, 'pending request')}`);
  if (http?.http2MaxRequests !== undefined)
    parts.push(`at most ${plural(http.http2MaxRequests, 'active request')}`);
  if (http?.maxRequestsPerConnection !== undefined)
    parts.push(`${plural(http.maxRequestsPerConnection, 'request')} per connection`);
  if (http?.maxRetries !== undefined)
    parts.push(`at most ${plural(http.maxRetries, 'concurrent retry', 'concurrent retries')}`);
  if (http?.idleTimeout) parts.push(`idle timeout ${durationWords(http.idleTimeout)}`);
  if (http?.h2UpgradePolicy) parts.push(`h2 upgrade ${http.h2UpgradePolicy}`);
  return parts.length === 0 ? 'defaults' : parts.join(', ');
}

export function outlierWords(od: OutlierDetection | undefined): string | undefined {
  if (!od) return undefined;
  const parts: string[] = [];
  const consecutive5xx = od.consecutive5xxErrors ?? od.consecutiveErrors;
  parts.push(
    `eject a host after ${plural(consecutive5xx ?? 5, 'consecutive 5xx error')}` +
      (od.consecutiveGatewayErrors !== undefined
        ? ` or ${plural(od.consecutiveGatewayErrors, 'consecutive gateway error')}`
        : ''),
  );
  parts.push(`checked every ${durationWords(od.interval) ?? '10s'}`);
  parts.push(`for ${durationWords(od.baseEjectionTime) ?? '30s'} or more`);
  if (od.maxEjectionPercent !== undefined) parts.push(`at most ${od.maxEjectionPercent}% ejected`);
  return parts.join(', ');
}

/** Only the fields a policy sets (a subset's overrides), in words. */
export function ownPolicyWords(policy: TrafficPolicy): string {
  const parts: string[] = [];
  if (policy.loadBalancer) parts.push(loadBalancerWords(policy.loadBalancer));
  const pool = connectionPoolWords(policy.connectionPool);
  if (pool) parts.push(`connection pool: ${pool}`);
  const od = outlierWords(policy.outlierDetection);
  if (od) parts.push(`outlier detection: ${od}`);
  if (policy.tls?.mode) parts.push(`TLS ${policy.tls.mode}`);
  const ports = (policy.portLevelSettings ?? [])
    .map((p) => p.port?.number)
    .filter((n) => n !== undefined);
  if (ports.length > 0) parts.push(`its own settings for port ${ports.join(', ')}`);
  return parts.length === 0 ? 'nothing' : parts.join('; ');
}

/** The merged policy of one cluster in words; `none` when only defaults apply. */
export function trafficPolicyWords(policy: ResolvedTrafficPolicy | undefined): string {
  if (!policy) return 'none';
  const parts = [loadBalancerWords(policy.loadBalancer)];
  const pool = connectionPoolWords(policy.connectionPool);
  if (pool) parts.push(`connection pool: ${pool}`);
  const od = outlierWords(policy.outlierDetection);
  if (od) parts.push(`outlier detection: ${od}`);
  if (policy.tls?.mode)
    parts.push(`TLS ${policy.tls.mode}${policy.tls.sni ? ` (SNI ${policy.tls.sni})` : ''}`);
  return parts.join('; ');
}
