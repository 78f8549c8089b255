// Synthetic but realistic configuration for the benchmarks: per rule a path prefix plus a tenant
// header, the shape of real per-team routing tables.
import type { DestinationRule, HTTPRoute, Resource, VirtualService } from '../src/api/index.js';

const API = 'networking.istio.io/v1' as const;

/**
 * `distinct`: every rule has its own first path segment (`/team-<i>/...`); the path index narrows
 * the search to one rule. `shared`: every rule is under `/api/` and an exact tenant header decides;
 * the header dispatch narrows it. `linear`: rules differ only by a header PREFIX, which nothing
 * indexes, so route() tries every rule in order — the honest worst case.
 */
export type RuleShape = 'distinct' | 'shared' | 'linear';

export function pathFor(i: number, shape: RuleShape): string {
  return shape === 'distinct' ? `/team-${i}/api/orders` : `/api/team-${i}/orders`;
}

export function tenantFor(i: number, shape: RuleShape): string {
  return shape === 'linear' ? `tenant-${i}-eu` : `tenant-${i}`;
}

export function ruleFor(i: number, shape: RuleShape = 'distinct'): HTTPRoute {
  const base = shape === 'distinct' ? `/team-${i}/` : '/api/';
  if (shape === 'linear') {
    return {
      name: `rule-${i}`,
      match: [
        { uri: { prefix: '/api/' }, headers: { 'x-tenant': { prefix: `tenant-${i}-` } } },
        { uri: { regex: '.*/legacy/[a-z]+' }, method: { exact: 'POST' } },
      ],
      timeout: '2s',
      route: [
        {
          destination: { host: 'backend', subset: `v${i % 3}`, port: { number: 8080 } },
          weight: 90,
        },
        { destination: { host: 'backend', subset: 'canary', port: { number: 8080 } }, weight: 10 },
      ],
    };
  }
  return {
    name: `rule-${i}`,
    match: [
      { uri: { prefix: `${base}api/` }, headers: { 'x-tenant': { exact: `tenant-${i}` } } },
      { uri: { prefix: base }, headers: { 'x-tenant': { exact: `tenant-${i}` } } },
      { uri: { regex: `${base}legacy/[a-z]+` }, method: { exact: 'POST' } },
    ],
    timeout: '2s',
    retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,reset' },
    route: [
      { destination: { host: 'backend', subset: `v${i % 3}`, port: { number: 8080 } }, weight: 90 },
      { destination: { host: 'backend', subset: 'canary', port: { number: 8080 } }, weight: 10 },
    ],
  };
}

export function hostWithRules(
  host: string,
  rules: number,
  namespace = 'default',
  shape: RuleShape = 'distinct',
): VirtualService {
  return {
    apiVersion: API,
    kind: 'VirtualService',
    metadata: { name: `vs-${host}`, namespace },
    spec: { hosts: [host], http: Array.from({ length: rules }, (_, i) => ruleFor(i, shape)) },
  };
}

export function manyServices(count: number, rulesEach: number): Resource[] {
  const out: Resource[] = [];
  for (let s = 0; s < count; s++) {
    out.push(hostWithRules(`svc-${s}`, rulesEach, `ns-${s % 20}`));
    const dr: DestinationRule = {
      apiVersion: API,
      kind: 'DestinationRule',
      metadata: { name: `dr-${s}`, namespace: `ns-${s % 20}` },
      spec: {
        host: `svc-${s}`,
        trafficPolicy: {
          loadBalancer: { simple: 'ROUND_ROBIN' },
          connectionPool: { tcp: { maxConnections: 100 } },
          portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'RANDOM' } }],
        },
        subsets: [0, 1, 2].map((v) => ({ name: `v${v}`, labels: { version: `v${v}` } })),
      },
    };
    out.push(dr);
  }
  return out;
}
