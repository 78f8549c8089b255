// DestinationRule traffic policies (Istio's validateTrafficPolicy and helpers); Sidecars reuse
// the connection pool check for inbound listeners.
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  LoadBalancerSettings,
  LocalityLbSetting,
  OutlierDetection,
  TrafficPolicy,
} from '../api/destination-rule.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { checkDuration } from './durations.js';
import { checkFqdn } from './host-names.js';
import { isIPAddress } from './ip.js';
import { checkIntPercent } from './percent.js';
import { checkPort, isValidPort } from './ports.js';

const SIMPLE_LB = [
  'UNSPECIFIED',
  'LEAST_CONN',
  'RANDOM',
  'PASSTHROUGH',
  'ROUND_ROBIN',
  'LEAST_REQUEST',
];
const H2_UPGRADE = ['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'];
const CLIENT_TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'];
const TOPOLOGY_LABELS = [
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
];
// Envoy's cap on the Maglev table; it must also be prime for the table to be filled evenly.
const MAGLEV_MAX = 5000011;

export function checkTrafficPolicy(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  p: TrafficPolicy,
): void {
  if (Object.keys(p).length === 0) {
    ctx.error(path, 'trafficPolicy must set at least one field');
    return;
  }
  if (p.tunnel && p.proxyProtocol)
    ctx.error([...path, 'proxyProtocol'], 'tunnel and proxyProtocol cannot be set together');
  checkPolicyParts(ctx, path, p);
  const seenPorts = new Map<number, number>();
  (p.portLevelSettings ?? []).forEach((pl, i) => {
    const where = [...path, 'portLevelSettings', i];
    // Istio requires the port object but never checks its number (validatePortTrafficPolicies).
    if (!pl.port) ctx.error([...where, 'port'], 'port-level settings need a port');
    else if (pl.port.number === undefined || !isValidPort(pl.port.number))
      ctx.warn(
        [...where, 'port', 'number'],
        `port ${pl.port.number ?? '(unset)'} is not a port number (1..65535), so these settings apply to no port`,
      );
    else {
      const first = seenPorts.get(pl.port.number);
      // Istio applies the first entry for a port; later ones are silently dead.
      if (first !== undefined)
        ctx.warn(
          [...where, 'port', 'number'],
          `port ${pl.port.number} already has settings at portLevelSettings[${first}]; this entry is ignored`,
        );
      else seenPorts.set(pl.port.number, i);
    }
    if (!pl.outlierDetection && !pl.connectionPool && !pl.loadBalancer && !pl.tls) {
      ctx.error(
        where,
        'port-level settings must set at least one of loadBalancer, connectionPool, outlierDetection or tls',
      );
    }
    checkPolicyParts(ctx, where, pl);
  });
  if (p.tunnel) {
    const t = p.tunnel;
    const where = [...path, 'tunnel'];
    if (t.protocol !== undefined && t.protocol !== 'CONNECT' && t.protocol !== 'POST')
      ctx.error(
        [...where, 'protocol'],
        `tunnel protocol "${t.protocol}" must be "CONNECT" or "POST"`,
      );
    const host = t.targetHost ?? '';
    if (checkFqdn(host) && !isIPAddress(host))
      ctx.error(
        [...where, 'targetHost'],
        `tunnel targetHost "${host}" must be a fully qualified name or an IP address`,
      );
    checkPort(ctx, [...where, 'targetPort'], t.targetPort ?? 0);
  }
  if (p.retryBudget) {
    const where = [...path, 'retryBudget'];
    const pct = p.retryBudget.percent;
    // The CRD bounds percent to 0..100 (minRetryConcurrency is a plain uint32).
    if (pct !== undefined && (pct < 0 || pct > 100))
      ctx.error([...where, 'percent'], `retry budget percent ${pct} is not within 0..100`);
    // 0 (the default) counts only active and pending requests, so it is allowed.
    checkDuration(ctx, [...where, 'budgetInterval'], p.retryBudget.budgetInterval, {
      zeroDisables: true,
    });
  }
  if (p.proxyProtocol?.version !== undefined && !['V1', 'V2'].includes(p.proxyProtocol.version)) {
    ctx.error(
      [...path, 'proxyProtocol', 'version'],
      `"${p.proxyProtocol.version}" is not one of V1, V2`,
    );
  }
}

function checkPolicyParts(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  p: {
    loadBalancer?: LoadBalancerSettings | undefined;
    connectionPool?: ConnectionPoolSettings | undefined;
    outlierDetection?: OutlierDetection | undefined;
    tls?: ClientTLSSettings | undefined;
  },
): void {
  if (p.outlierDetection)
    checkOutlierDetection(ctx, [...path, 'outlierDetection'], p.outlierDetection);
  if (p.connectionPool) checkConnectionPool(ctx, [...path, 'connectionPool'], p.connectionPool);
  if (p.loadBalancer)
    checkLoadBalancer(
      ctx,
      [...path, 'loadBalancer'],
      p.loadBalancer,
      p.outlierDetection !== undefined,
    );
  if (p.tls) checkClientTls(ctx, [...path, 'tls'], p.tls);
}

function checkNonNegative(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  value: number | undefined,
): void {
  if (value !== undefined && value < 0) ctx.error(path, `${value} is negative`);
}

export function checkConnectionPool(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  pool: ConnectionPoolSettings,
): void {
  if (!pool.http && !pool.tcp) {
    ctx.error(path, 'connectionPool must set tcp or http');
    return;
  }
  const { http, tcp } = pool;
  if (http) {
    const where = [...path, 'http'];
    for (const f of [
      'http1MaxPendingRequests',
      'http2MaxRequests',
      'maxRequestsPerConnection',
      'maxRetries',
      'maxConcurrentStreams',
    ] as const) {
      checkNonNegative(ctx, [...where, f], http[f]);
    }
    checkDuration(ctx, [...where, 'idleTimeout'], http.idleTimeout);
    if (http.h2UpgradePolicy !== undefined && !H2_UPGRADE.includes(http.h2UpgradePolicy)) {
      ctx.error(
        [...where, 'h2UpgradePolicy'],
        `"${http.h2UpgradePolicy}" is not one of ${H2_UPGRADE.join(', ')}`,
      );
    } else if (http.h2UpgradePolicy === 'UPGRADE' && http.useClientProtocol) {
      ctx.error(
        [...where, 'useClientProtocol'],
        'useClientProtocol cannot be true when h2UpgradePolicy is UPGRADE',
      );
    }
  }
  if (tcp) {
    const where = [...path, 'tcp'];
    checkNonNegative(ctx, [...where, 'maxConnections'], tcp.maxConnections);
    checkDuration(ctx, [...where, 'connectTimeout'], tcp.connectTimeout);
    checkDuration(ctx, [...where, 'maxConnectionDuration'], tcp.maxConnectionDuration);
    checkDuration(ctx, [...where, 'idleTimeout'], tcp.idleTimeout, { zeroDisables: true });
    checkDuration(ctx, [...where, 'tcpKeepalive', 'time'], tcp.tcpKeepalive?.time);
    checkDuration(ctx, [...where, 'tcpKeepalive', 'interval'], tcp.tcpKeepalive?.interval);
  }
}

function checkOutlierDetection(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  o: OutlierDetection,
): void {
  checkDuration(ctx, [...path, 'baseEjectionTime'], o.baseEjectionTime);
  checkDuration(ctx, [...path, 'interval'], o.interval);
  if (o.consecutiveErrors !== undefined && o.consecutiveErrors !== 0) {
    ctx.warn(
      [...path, 'consecutiveErrors'],
      'consecutiveErrors is deprecated: use consecutive5xxErrors or consecutiveGatewayErrors',
    );
  }
  // consecutiveErrors (deprecated int32) is not range-checked by Istio's validateOutlierDetection.
  for (const f of [
    'consecutive5xxErrors',
    'consecutiveGatewayErrors',
    'consecutiveLocalOriginFailures',
  ] as const) {
    checkNonNegative(ctx, [...path, f], o[f]);
  }
  if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    ctx.error(
      [...path, 'consecutiveLocalOriginFailures'],
      'consecutiveLocalOriginFailures only applies with splitExternalLocalOriginErrors: true',
    );
  }
  checkIntPercent(ctx, [...path, 'maxEjectionPercent'], o.maxEjectionPercent);
  checkIntPercent(ctx, [...path, 'minHealthPercent'], o.minHealthPercent);
}

/** Envoy's (and Istio's) isPrime, which counts 1 as prime: tableSize 1 passes the webhook. */
function isPrime(n: number): boolean {
  if (n !== 0 && n < 4) return true;
  if (n % 2 === 0) return false;
  for (let f = 3; f * f <= n; f += 2) if (n % f === 0) return false;
  return true;
}

function checkLoadBalancer(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  lb: LoadBalancerSettings,
  hasOutlier: boolean,
): void {
  if (lb.simple !== undefined && lb.consistentHash)
    ctx.error(path, 'simple and consistentHash cannot be set together');
  if (lb.simple !== undefined && !SIMPLE_LB.includes(lb.simple)) {
    ctx.error([...path, 'simple'], `"${lb.simple}" is not one of ${SIMPLE_LB.join(', ')}`);
  }
  const ch = lb.consistentHash;
  if (ch) {
    const where = [...path, 'consistentHash'];
    const keys = (
      ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'] as const
    ).filter((k) => ch[k] !== undefined);
    if (keys.length > 1)
      ctx.error(where, `only one hash key may be set, found ${keys.join(' and ')}`);
    else if (keys.length === 0)
      ctx.warn(
        where,
        'no hash key (httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName): requests are spread without affinity',
      );
    if (ch.httpCookie && (ch.httpCookie.name ?? '') === '')
      ctx.error([...where, 'httpCookie', 'name'], 'httpCookie needs a name');
    if (ch.ringHash && ch.maglev)
      ctx.error([...where, 'maglev'], 'ringHash and maglev cannot be set together');
    if (ch.minimumRingSize !== undefined && ch.minimumRingSize !== 0) {
      ctx.warn(
        [...where, 'minimumRingSize'],
        'minimumRingSize is deprecated: use ringHash.minimumRingSize',
      );
      if (ch.ringHash || ch.maglev)
        ctx.error(
          [...where, 'minimumRingSize'],
          'minimumRingSize cannot be combined with ringHash or maglev',
        );
    }
    if (ch.maglev) {
      const size = ch.maglev.tableSize ?? 0;
      const at = [...where, 'maglev', 'tableSize'];
      if (size === 0) ctx.error(at, 'maglev needs tableSize (a prime, e.g. 65537)');
      else if (size >= MAGLEV_MAX)
        ctx.error(at, `tableSize ${size} must be less than ${MAGLEV_MAX}`);
      else if (!isPrime(size))
        ctx.error(at, `tableSize ${size} is not a prime number (e.g. 65537)`);
    }
  }
  if (lb.localityLbSetting)
    checkLocalityLb(ctx, [...path, 'localityLbSetting'], lb.localityLbSetting, hasOutlier);
  checkDuration(ctx, [...path, 'warmupDurationSecs'], lb.warmupDurationSecs);
  if (lb.warmup) {
    const where = [...path, 'warmup'];
    const w = lb.warmup;
    if (w.duration === undefined) ctx.error([...where, 'duration'], 'warmup needs a duration');
    checkDuration(ctx, [...where, 'duration'], w.duration);
    const min = w.minimumPercent ?? 0;
    if (min > 100)
      ctx.error([...where, 'minimumPercent'], `minimumPercent ${min} is more than 100`);
    if (w.aggression !== undefined && w.aggression < 1)
      ctx.error(
        [...where, 'aggression'],
        `aggression ${w.aggression} is less than 1 (1 is linear warmup)`,
      );
  }
}

/**
 * Istio's validateLocalities, step for step: each locality is region[/zone[/subzone]] (split
 * into at most 3 parts, so a subzone may contain "/"), and an entry overlaps only what came
 * before it, so ["us-west/zone1", "us-west/*"] passes while the reverse order does not.
 */
function localityOverlapProblem(localities: readonly string[]): string | undefined {
  const seen = new Map<string, Map<string, Set<string>>>();
  for (const loc of localities) {
    const stars = loc.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*')))
      return `locality "${loc}" may contain one "*" wildcard, at the end only`;
    const overlap = `locality "${loc}" overlaps one listed before it`;
    if (seen.has('*')) return overlap;
    const first = loc.indexOf('/');
    const second = first === -1 ? -1 : loc.indexOf('/', first + 1);
    const parts =
      first === -1
        ? [loc]
        : second === -1
          ? [loc.slice(0, first), loc.slice(first + 1)]
          : [loc.slice(0, first), loc.slice(first + 1, second), loc.slice(second + 1)];
    if (parts.some((p) => p === ''))
      return `locality "${loc}" must be region[/zone[/subzone]] with no empty parts`;
    const [region, zone, subZone] = parts as [string, string?, string?];
    const zones = seen.get(region);
    if (zone === undefined) {
      if (zones) return overlap;
      seen.set(region, new Map([['*', new Set(['*'])]]));
    } else if (subZone === undefined) {
      if (zones) {
        if (zones.has('*') || zones.has(zone)) return overlap;
        zones.set(zone, new Set(['*']));
      } else seen.set(region, new Map([[zone, new Set(['*'])]]));
    } else if (zones) {
      if (zones.has('*')) return overlap;
      const subZones = zones.get(zone);
      if (subZones) {
        if (subZones.has('*') || subZones.has(subZone)) return overlap;
        subZones.add(subZone);
      } else zones.set(zone, new Set([subZone]));
    } else seen.set(region, new Map([[zone, new Set([subZone])]]));
  }
  return undefined;
}

function checkLocalities(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  localities: readonly string[],
): void {
  const problem = localityOverlapProblem(localities);
  if (problem) ctx.error(path, problem);
}

function checkLocalityLb(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  l: LocalityLbSetting,
  hasOutlier: boolean,
): void {
  const distribute = l.distribute ?? [];
  const failover = l.failover ?? [];
  if (distribute.length > 0 && failover.length > 0) {
    ctx.error(path, 'distribute and failover cannot be set together');
    return;
  }
  if (failover.length > 0) {
    const topo = (l.failoverPriority ?? []).find((p) => TOPOLOGY_LABELS.includes(p));
    if (topo)
      ctx.error(
        [...path, 'failoverPriority'],
        `failover and the topology label "${topo}" in failoverPriority cannot be set together`,
      );
  }
  distribute.forEach((d, i) => {
    const where = [...path, 'distribute', i];
    const to = Object.entries(d.to ?? {});
    const bad = to.find(([, w]) => w < 1 || w > 100);
    if (bad) {
      ctx.error([...where, 'to', bad[0]], `locality weight ${bad[1]} is not within 1..100`);
      return;
    }
    const total = to.reduce((sum, [, w]) => sum + w, 0);
    if (total !== 100) ctx.error([...where, 'to'], `locality weights sum to ${total}, not 100`);
    else
      checkLocalities(
        ctx,
        [...where, 'to'],
        to.map(([k]) => k),
      );
  });
  checkLocalities(
    ctx,
    [...path, 'distribute'],
    distribute.map((d) => d.from ?? ''),
  );
  if ((failover.length > 0 || (l.failoverPriority?.length ?? 0) > 0) && !hasOutlier) {
    ctx.warn(path, 'failover only happens with outlierDetection configured');
  }
  failover.forEach((f, i) => {
    const where = [...path, 'failover', i];
    const from = f.from ?? '';
    const to = f.to ?? '';
    if (from === to) ctx.error(where, `failover from and to are the same region "${from}"`);
    if (from.includes('/') || to.includes('/'))
      ctx.error(where, 'failover names regions only (no "/")');
    if (from.includes('*') || to.includes('*'))
      ctx.error(where, 'failover regions cannot contain "*"');
  });
}

function checkClientTls(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  tls: ClientTLSSettings,
): void {
  const mode = tls.mode ?? 'DISABLE';
  if (!CLIENT_TLS_MODES.includes(mode)) {
    ctx.error([...path, 'mode'], `"${mode}" is not one of ${CLIENT_TLS_MODES.join(', ')}`);
    return;
  }
  if (tls.insecureSkipVerify) {
    if (mode === 'SIMPLE' && (tls.caCertificates || tls.credentialName || tls.subjectAltNames)) {
      ctx.error(
        [...path, 'insecureSkipVerify'],
        'insecureSkipVerify cannot be combined with caCertificates, credentialName or subjectAltNames',
      );
    }
    if (mode === 'MUTUAL' && (tls.caCertificates || tls.subjectAltNames)) {
      ctx.error(
        [...path, 'insecureSkipVerify'],
        'insecureSkipVerify cannot be combined with caCertificates or subjectAltNames',
      );
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && tls.credentialName) {
    // The secret named by credentialName carries the certificates; file paths would conflict.
    if (tls.clientCertificate || tls.caCertificates || tls.privateKey || tls.caCrl) {
      ctx.error(
        [...path, 'credentialName'],
        'credentialName cannot be combined with clientCertificate, privateKey, caCertificates or caCrl',
      );
    }
    return;
  }
  if (mode === 'MUTUAL') {
    if (!tls.clientCertificate)
      ctx.error(
        [...path, 'clientCertificate'],
        'MUTUAL TLS needs clientCertificate (or credentialName)',
      );
    if (!tls.privateKey)
      ctx.error([...path, 'privateKey'], 'MUTUAL TLS needs privateKey (or credentialName)');
  }
}
