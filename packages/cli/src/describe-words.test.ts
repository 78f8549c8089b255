// Istio config in words: one row per rule of the wording.
import { defaultRetryPolicy, type HTTPMatchRequest, type ResolvedTrafficPolicy } from '@mesh/rules';
import {
  faultWords,
  httpMatchWords,
  l4MatchWords,
  ownPolicyWords,
  percentWords,
  retryWords,
  trafficPolicyWords,
  whenWords,
} from './describe-words.js';

describe('httpMatchWords', () => {
  it.each<[string, HTTPMatchRequest, string]>([
    ['an empty match takes every request', {}, 'any request'],
    ['exact uri', { uri: { exact: '/login' } }, 'uri exact "/login"'],
    [
      'prefix, any case',
      { uri: { prefix: '/api' }, ignoreUriCase: true },
      'uri prefix "/api" (any case)',
    ],
    ['regex', { uri: { regex: '/v[0-9]+/.*' } }, 'uri matches regex "/v[0-9]+/.*"'],
    ['{} means present', { headers: { 'x-debug': {} } }, 'header x-debug present'],
    [
      'regex "*" means present too',
      { headers: { 'x-debug': { regex: '*' } } },
      'header x-debug present',
    ],
    [
      'conditions of one match are ANDed',
      { method: { exact: 'GET' }, headers: { 'end-user': { exact: 'jason' } } },
      'method exact "GET" and header end-user exact "jason"',
    ],
    [
      'withoutHeaders present means absent',
      { withoutHeaders: { cookie: {} } },
      'header cookie absent',
    ],
    [
      'withoutHeaders with a value',
      { withoutHeaders: { 'end-user': { exact: 'jason' } } },
      'not header end-user exact "jason"',
    ],
    ['query params', { queryParams: { debug: { exact: '1' } } }, 'query debug exact "1"'],
    [
      'caller conditions',
      { sourceLabels: { app: 'productpage' }, sourceNamespace: 'web', port: 9080 },
      'port 9080 and caller has app=productpage and caller in namespace web',
    ],
    ['gateways', { gateways: ['mesh', 'default/gw'] }, 'through mesh or default/gw'],
  ])('%s', (_rule, match, words) => {
    expect(httpMatchWords(match)).toBe(words);
  });

  it('matches of one route are ORed; none is the default route', () => {
    expect(whenWords(['uri exact "/a"', 'uri exact "/b"'])).toBe(
      'when uri exact "/a" or uri exact "/b"',
    );
    expect(whenWords([])).toBe('default');
  });

  it('TCP and TLS matches', () => {
    expect(l4MatchWords({ port: 31400 })).toBe('port 31400');
    expect(l4MatchWords({ sniHosts: ['a.example.com'] })).toBe('SNI a.example.com');
    expect(l4MatchWords({})).toBe('any connection');
  });
});

describe('policies, retries, faults', () => {
  it.each<[string, ResolvedTrafficPolicy, string]>([
    [
      'defaults filled in by destinationPolicy()',
      { loadBalancer: { simple: 'LEAST_REQUEST' } },
      'load balancer LEAST_REQUEST',
    ],
    [
      'consistent hash',
      { loadBalancer: { consistentHash: { httpCookie: { name: 'user', ttl: '0s' } } } },
      'load balancer consistent hash on cookie user',
    ],
    [
      'locality',
      { loadBalancer: { simple: 'ROUND_ROBIN', localityLbSetting: { enabled: false } } },
      'load balancer ROUND_ROBIN, locality balancing off',
    ],
    [
      'circuit breaker (samples/httpbin/destination-rule-circuit-breaker.yaml)',
      {
        loadBalancer: { simple: 'LEAST_REQUEST' },
        connectionPool: {
          tcp: { maxConnections: 1 },
          http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 },
        },
        outlierDetection: {
          consecutive5xxErrors: 1,
          interval: '1s',
          baseEjectionTime: '3m',
          maxEjectionPercent: 100,
        },
      },
      'load balancer LEAST_REQUEST; connection pool: at most 1 connection, at most 1 pending request, 1 request per connection; outlier detection: eject a host after 1 consecutive 5xx error, checked every 1s, for 180s or more, at most 100% ejected',
    ],
    [
      'outlier detection defaults',
      { outlierDetection: {} },
      'load balancer LEAST_REQUEST (default); outlier detection: eject a host after 5 consecutive 5xx errors, checked every 10s, for 30s or more',
    ],
    [
      'TLS origination',
      { loadBalancer: { simple: 'RANDOM' }, tls: { mode: 'SIMPLE', sni: 'api.example.com' } },
      'load balancer RANDOM; TLS SIMPLE (SNI api.example.com)',
    ],
  ])('%s', (_rule, policy, words) => {
    expect(trafficPolicyWords(policy)).toBe(words);
  });

  it("a subset's own policy names only what it sets", () => {
    expect(
      ownPolicyWords({ loadBalancer: { consistentHash: { httpHeaderName: 'end-user' } } }),
    ).toBe('load balancer consistent hash on header end-user');
    expect(
      ownPolicyWords({
        portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { simple: 'RANDOM' } }],
      }),
    ).toBe('its own settings for port 9080');
  });

  it('retries: the policy the route gets, Istio default included', () => {
    expect(retryWords(defaultRetryPolicy(true))).toBe(
      'retry up to 2 times, on connect-failure,refused-stream,unavailable,cancelled',
    );
    expect(retryWords(undefined)).toBe('no retries');
  });

  it('faults say how much and what', () => {
    expect(faultWords({ delay: { fixedDelayMs: 7000, percentage: 100 } })).toEqual([
      'delay 100% of requests by 7s',
    ]);
    expect(faultWords({ abort: { grpcStatus: 'UNAVAILABLE', percentage: 12.5 } })).toEqual([
      'abort 12.5% of requests with gRPC UNAVAILABLE',
    ]);
  });

  it.each([
    [50, '50%'],
    [100 / 3, '33.3%'],
    [12.5, '12.5%'],
  ])('percentWords(%s) = %s', (n, words) => expect(percentWords(n)).toBe(words));
});
