import { route, routeL4 } from './route.js';
import type { RouteRequest, RouteResult } from './types.js';
import { compileYaml, REVIEWS, REVIEWS_SERVICE, se, vs } from './test-support/fixtures.js';

const base: RouteRequest = {
  authority: 'reviews',
  port: 9080,
  path: '/',
  sourceNamespace: 'default',
};
const req = (over: Partial<RouteRequest>): RouteRequest => ({ ...base, ...over });

function routeName(result: RouteResult): string {
  if (result.action === 'no-route') return `NR:${result.reason}`;
  return result.routeName ?? `#${result.routeIndex}`;
}

function cluster(result: RouteResult): string {
  if (result.action !== 'forward') throw new Error(`expected forward, got ${result.action}`);
  return result.destination.cluster;
}

function fwd(result: RouteResult) {
  if (result.action !== 'forward')
    throw new Error(`expected forward, got ${JSON.stringify(result)}`);
  return result;
}

const matchConfig = compileYaml(
  vs(
    'reviews',
    `
hosts: [reviews]
http:
- name: and-block
  match:
  - uri: { prefix: /both }
    headers: { x-user: { exact: jason } }
  route: [{ destination: { host: reviews, subset: v1 } }]
- name: or-blocks
  match:
  - uri: { exact: /or-a }
  - headers: { x-or: { exact: b } }
  route: [{ destination: { host: reviews, subset: v2 } }]
- name: port-only
  match: [{ port: 9443 }]
  route: [{ destination: { host: reviews, subset: tls } }]
- name: regex
  match: [{ uri: { regex: '/api/v[0-9]+' } }]
  route: [{ destination: { host: reviews } }]
- name: ignore-case
  match:
  - uri: { prefix: /Case }
    ignoreUriCase: true
  - uri: { exact: /EXACT }
    ignoreUriCase: true
  route: [{ destination: { host: reviews } }]
- name: regex-case
  match:
  - uri: { regex: '/Re' }
    ignoreUriCase: true
  route: [{ destination: { host: reviews } }]
- name: header-name-case
  match: [{ headers: { X-Mixed-Case: { prefix: abc } } }]
  route: [{ destination: { host: reviews } }]
- name: header-regex
  match: [{ headers: { x-ver: { regex: 'v[12]' } } }]
  route: [{ destination: { host: reviews } }]
- name: header-present
  match: [{ headers: { x-present: {} } }]
  route: [{ destination: { host: reviews } }]
- name: without
  match:
  - uri: { prefix: /without }
    withoutHeaders: { x-block: { exact: yes } }
  route: [{ destination: { host: reviews } }]
- name: query-exact
  match: [{ queryParams: { q: { exact: 'a b' } } }]
  route: [{ destination: { host: reviews } }]
- name: query-regex
  match: [{ queryParams: { id: { regex: '[0-9]+' } } }]
  route: [{ destination: { host: reviews } }]
- name: query-present
  match: [{ queryParams: { debug: {} } }]
  route: [{ destination: { host: reviews } }]
- name: query-prefix
  match: [{ queryParams: { pfx: { prefix: zzz } } }]
  route: [{ destination: { host: reviews } }]
- name: method
  match: [{ method: { exact: DELETE } }]
  route: [{ destination: { host: reviews } }]
- name: scheme
  match: [{ scheme: { exact: https } }]
  route: [{ destination: { host: reviews } }]
- name: authority
  match: [{ authority: { exact: 'reviews.default:9080' } }]
  route: [{ destination: { host: reviews } }]
- name: source-labels
  match: [{ sourceLabels: { app: productpage, version: v1 } }]
  route: [{ destination: { host: reviews } }]
- name: source-namespace
  match: [{ sourceNamespace: frontend }]
  route: [{ destination: { host: reviews } }]
- name: gateway-only
  match: [{ uri: { prefix: /gw }, gateways: [ingress] }]
  route: [{ destination: { host: reviews } }]
- name: fallback
  match: [{ uri: { prefix: /fallback } }]
  route: [{ destination: { host: reviews } }]
`,
  ),
  { services: [REVIEWS_SERVICE] },
);

describe('route: HTTPMatchRequest semantics', () => {
  const cases: [string, Partial<RouteRequest>, string][] = [
    [
      'matches in one block AND: all conditions hold',
      { path: '/both/x', headers: { 'x-user': 'jason' } },
      'and-block',
    ],
    [
      'matches in one block AND: uri alone is not enough',
      { path: '/both/x' },
      'NR:no-route-matched',
    ],
    [
      'matches in one block AND: header alone is not enough',
      { path: '/x', headers: { 'x-user': 'jason' } },
      'NR:no-route-matched',
    ],
    ['blocks OR: first block', { path: '/or-a' }, 'or-blocks'],
    ['blocks OR: second block', { path: '/other', headers: { 'x-or': 'b' } }, 'or-blocks'],
    [
      'first match wins: a request matching two routes takes the earlier',
      { path: '/or-a', headers: { 'x-present': '1' } },
      'or-blocks',
    ],
    [
      'match port applies only to that port: matching port',
      { port: 9443, path: '/p' },
      'port-only',
    ],
    [
      'match port applies only to that port: other port',
      { port: 9080, path: '/p' },
      'NR:no-route-matched',
    ],
    ['regex is anchored: whole path matches', { path: '/api/v12' }, 'regex'],
    ['regex is anchored: a longer path does not', { path: '/api/v1/books' }, 'NR:no-route-matched'],
    ['regex sees the path without the query string', { path: '/api/v2?x=1' }, 'regex'],
    ['ignoreUriCase: prefix', { path: '/cASE/deep' }, 'ignore-case'],
    ['ignoreUriCase: exact', { path: '/exact' }, 'ignore-case'],
    ['ignoreUriCase does not apply to regex', { path: '/re' }, 'NR:no-route-matched'],
    ['ignoreUriCase does not apply to regex: exact case matches', { path: '/Re' }, 'regex-case'],
    [
      'header names are case-insensitive',
      { headers: { 'x-mixed-case': 'abcdef' } },
      'header-name-case',
    ],
    [
      'header values are case-sensitive',
      { headers: { 'x-mixed-case': 'ABC' } },
      'NR:no-route-matched',
    ],
    ['header regex is anchored', { headers: { 'x-ver': 'v12' } }, 'NR:no-route-matched'],
    ['header regex matches', { headers: { 'x-ver': 'v2' } }, 'header-regex'],
    [
      'header match {} means present (any value)',
      { headers: { 'x-present': '' } },
      'header-present',
    ],
    ['withoutHeaders negates: absent header matches', { path: '/without' }, 'without'],
    [
      'withoutHeaders negates: other value matches',
      { path: '/without', headers: { 'x-block': 'no' } },
      'without',
    ],
    [
      'withoutHeaders negates: matching value does not',
      { path: '/without', headers: { 'x-block': 'yes' } },
      'NR:no-route-matched',
    ],
    ['queryParams exact (decoded)', { path: '/q?q=a%20b' }, 'query-exact'],
    ['queryParams exact is not prefix', { path: '/q?q=a%20bc' }, 'NR:no-route-matched'],
    ['queryParams regex', { path: '/q?id=42' }, 'query-regex'],
    ['queryParams {} means present', { path: '/q?debug' }, 'query-present'],
    // Istio's translateQueryParamMatch hands prefix to util.ConvertToEnvoyMatch (route.go).
    ['queryParams prefix compares the value', { path: '/q?pfx=zzz1' }, 'query-prefix'],
    [
      'queryParams prefix: another value does not match',
      { path: '/q?pfx=abc' },
      'NR:no-route-matched',
    ],
    ['method', { method: 'DELETE' }, 'method'],
    ['scheme', { scheme: 'https', port: 9080 }, 'scheme'],
    ['authority matches the authority as sent', { authority: 'reviews.default:9080' }, 'authority'],
    [
      'authority: another name of the same host does not match',
      { authority: 'reviews:9080' },
      'NR:no-route-matched',
    ],
    [
      'sourceLabels must be a subset of the caller labels',
      { sourceLabels: { app: 'productpage', version: 'v1', extra: 'x' } },
      'source-labels',
    ],
    [
      'sourceLabels: a missing label fails',
      { sourceLabels: { app: 'productpage' } },
      'NR:no-route-matched',
    ],
    [
      'sourceNamespace',
      { sourceNamespace: 'frontend', authority: 'reviews.default.svc.cluster.local:9080' },
      'source-namespace',
    ],
    [
      'match gateways: a gateway-only match does not apply to sidecars',
      { path: '/gw' },
      'NR:no-route-matched',
    ],
    ['later routes still reachable', { path: '/fallback/1' }, 'fallback'],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(routeName(route(matchConfig, req(over)))).toBe(expected);
  });
});

describe('route: hosts', () => {
  const config = compileYaml(
    [
      vs(
        'exact',
        `hosts: [a.example.com]\nhttp: [{ name: exact, route: [{ destination: { host: a.example.com } }] }]`,
      ),
      vs(
        'wild',
        `hosts: ['*.example.com']\nhttp: [{ name: wild, route: [{ destination: { host: w.example.com } }] }]`,
      ),
      vs(
        'deeper',
        `hosts: ['*.b.example.com']\nhttp: [{ name: deeper, route: [{ destination: { host: w.example.com } }] }]`,
      ),
      vs(
        'first',
        `hosts: [dup]\nhttp: [{ name: oldest, route: [{ destination: { host: dup } }] }]`,
      ),
      vs(
        'second',
        `hosts: [dup]\nhttp: [{ name: newer, route: [{ destination: { host: dup } }] }]`,
      ),
      vs(
        'private',
        `hosts: [secret.other.svc.cluster.local]\nexportTo: ['.']\nhttp: [{ name: private, route: [{ destination: { host: secret.other.svc.cluster.local } }] }]`,
        'other',
      ),
      vs(
        'hidden',
        `hosts: [hidden.corp.io]\nexportTo: ['~']\nhttp: [{ name: hidden, route: [{ destination: { host: hidden.corp.io } }] }]`,
      ),
      vs(
        'listed',
        `hosts: [listed.corp.io]\nexportTo: [team-a]\nhttp: [{ name: listed, route: [{ destination: { host: listed.corp.io } }] }]`,
      ),
      vs(
        'short',
        `hosts: [ratings]\nhttp: [{ name: short, route: [{ destination: { host: ratings } }] }]`,
        'bookinfo',
      ),
    ].join(''),
  );
  const cases: [string, Partial<RouteRequest>, string][] = [
    ['exact host beats wildcard', { authority: 'a.example.com' }, 'exact'],
    ['wildcard matches other hosts', { authority: 'z.example.com' }, 'wild'],
    ['most specific wildcard suffix wins', { authority: 'x.b.example.com' }, 'deeper'],
    ['wildcard does not match its bare domain', { authority: 'example.com' }, 'NR:no-virtual-host'],
    ['authority port is stripped for lookup', { authority: 'a.example.com:8080' }, 'exact'],
    ['host lookup is case-insensitive', { authority: 'A.Example.COM' }, 'exact'],
    [
      'several VirtualServices for one host: sidecars take the oldest',
      { authority: 'dup' },
      'oldest',
    ],
    [
      'short hosts resolve against the resource namespace',
      { authority: 'ratings.bookinfo.svc.cluster.local' },
      'short',
    ],
    [
      'short request names resolve against the caller namespace',
      { authority: 'ratings', sourceNamespace: 'bookinfo' },
      'short',
    ],
    [
      'short request names do not leak across namespaces',
      { authority: 'ratings', sourceNamespace: 'default' },
      'NR:no-virtual-host',
    ],
    ['ns-qualified request names resolve', { authority: 'ratings.bookinfo' }, 'short'],
    [
      'exportTo dot: visible in its own namespace',
      { authority: 'secret.other.svc.cluster.local', sourceNamespace: 'other' },
      'private',
    ],
    [
      'exportTo dot hides from other namespaces',
      { authority: 'secret.other.svc.cluster.local', sourceNamespace: 'default' },
      'NR:no-virtual-host',
    ],
    [
      'exportTo tilde hides from everyone',
      { authority: 'hidden.corp.io', sourceNamespace: 'default' },
      'NR:no-virtual-host',
    ],
    [
      'exportTo names: listed namespace sees it',
      { authority: 'listed.corp.io', sourceNamespace: 'team-a' },
      'listed',
    ],
    [
      'exportTo names: others do not',
      { authority: 'listed.corp.io', sourceNamespace: 'team-b' },
      'NR:no-virtual-host',
    ],
    [
      'unknown gateway',
      { authority: 'a.example.com', gateway: 'default/nope' },
      'NR:unknown-gateway',
    ],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(routeName(route(config, req(over)))).toBe(expected);
  });
});

describe('route: gateways', () => {
  const config = compileYaml(
    [
      vs(
        'one',
        `hosts: [shop.example.com]\ngateways: [ingress]\nhttp: [{ name: one, match: [{ uri: { prefix: /cart } }], route: [{ destination: { host: cart } }] }]`,
      ),
      vs(
        'two',
        `hosts: [shop.example.com]\ngateways: [default/ingress]\nhttp: [{ name: two, match: [{ uri: { prefix: /shop } }], route: [{ destination: { host: shop } }] }]`,
      ),
      vs(
        'both',
        `hosts: [both.example.com]\ngateways: [ingress, mesh]\nhttp: [{ name: both, route: [{ destination: { host: both } }] }]`,
      ),
      vs(
        'catch',
        `hosts: ['*']\ngateways: [edge/public]\nhttp: [{ name: catch-all, route: [{ destination: { host: fallback.default.svc.cluster.local } }] }]`,
        'edge',
      ),
      vs(
        'private',
        `hosts: [p.example.com]\ngateways: [default/ingress]\nexportTo: ['.']\nhttp: [{ name: private, route: [{ destination: { host: p } }] }]`,
        'team',
      ),
    ].join(''),
  );
  const cases: [string, Partial<RouteRequest>, string][] = [
    [
      'gateways merge VirtualServices for one host: first',
      { authority: 'shop.example.com', gateway: 'default/ingress', path: '/cart' },
      'one',
    ],
    [
      'gateways merge VirtualServices for one host: second',
      { authority: 'shop.example.com', gateway: 'default/ingress', path: '/shop' },
      'two',
    ],
    [
      'gateway-bound VirtualService is not on sidecars',
      { authority: 'shop.example.com', path: '/cart' },
      'NR:no-virtual-host',
    ],
    ['gateways [x, mesh]: sidecars', { authority: 'both.example.com' }, 'both'],
    [
      'gateways [x, mesh]: gateway',
      { authority: 'both.example.com', gateway: 'default/ingress' },
      'both',
    ],
    [
      'host * catches everything on its gateway',
      { authority: 'anything.io', gateway: 'edge/public' },
      'catch-all',
    ],
    [
      'exportTo is judged for the gateway namespace',
      { authority: 'p.example.com', gateway: 'default/ingress' },
      'NR:no-virtual-host',
    ],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(routeName(route(config, req(over)))).toBe(expected);
  });
});

describe('route: default route without a VirtualService', () => {
  const config = compileYaml(
    [
      se(
        'ext',
        `hosts: [api.external.com]\nports: [{ number: 443, name: https, protocol: HTTPS }]\nlocation: MESH_EXTERNAL\nresolution: DNS`,
      ),
      se(
        'priv',
        `hosts: [priv.external.com]\nexportTo: ['.']\nports: [{ number: 80, name: http, protocol: HTTP }]`,
        'team',
      ),
    ].join(''),
    { services: [REVIEWS_SERVICE] },
  );
  it('a known service gets 100% to its default cluster with the default retry policy', () => {
    const d = fwd(route(config, req({ authority: 'reviews:9080' })));
    expect(d.virtualService).toBeNull();
    expect(d.destination).toEqual({
      host: REVIEWS,
      subset: undefined,
      port: 9080,
      cluster: `outbound|9080||${REVIEWS}`,
    });
    expect(d.retry).toBe(config.defaultRetry);
    expect(d.timeoutMs).toBeUndefined();
  });
  it('ServiceEntry hosts are known services', () => {
    expect(
      cluster(route(config, req({ authority: 'api.external.com', port: 443, scheme: 'https' }))),
    ).toBe('outbound|443||api.external.com');
  });
  it('ServiceEntry exportTo dot hides it from other namespaces', () => {
    expect(routeName(route(config, req({ authority: 'priv.external.com', port: 80 })))).toBe(
      'NR:no-virtual-host',
    );
    expect(
      cluster(
        route(config, req({ authority: 'priv.external.com', port: 80, sourceNamespace: 'team' })),
      ),
    ).toBe('outbound|80||priv.external.com');
  });
  it('an unknown host is NR with a reason', () => {
    const r = route(config, req({ authority: 'nowhere.example.com' }));
    expect(r).toEqual({
      action: 'no-route',
      reason: 'no-virtual-host',
      message: 'no VirtualService or service for host nowhere.example.com',
    });
  });
});

describe('route: destinations and weights', () => {
  const config = compileYaml(
    vs(
      'w',
      `
hosts: [reviews]
http:
- name: split
  match: [{ uri: { prefix: /split } }]
  route:
  - { destination: { host: reviews, subset: v1 }, weight: 1 }
  - { destination: { host: reviews, subset: v2 }, weight: 3 }
- name: zero
  match: [{ uri: { prefix: /zero } }]
  route:
  - { destination: { host: reviews, subset: v1 }, weight: 0 }
  - { destination: { host: reviews, subset: v2 }, weight: 10 }
- name: omitted
  match: [{ uri: { prefix: /omitted } }]
  route:
  - { destination: { host: reviews, subset: v1 } }
  - { destination: { host: reviews, subset: v2 } }
- name: single
  match: [{ uri: { prefix: /single } }]
  route: [{ destination: { host: reviews, subset: v3 }, weight: 0 }]
- name: ported
  match: [{ uri: { prefix: /ported } }]
  route: [{ destination: { host: ratings.other.svc.cluster.local, port: { number: 8080 } } }]
- name: multi-port-unknown
  route: [{ destination: { host: details } }]
`,
    ),
    { services: [REVIEWS_SERVICE] },
  );
  it.each([
    ['weights are relative: 1 of 4 goes to v1', 0.2, 'v1'],
    ['weights are relative: 3 of 4 go to v2', 0.3, 'v2'],
    ['weights are relative: the top of the range is v2', 0.99, 'v2'],
  ])('%s', (_n, r, subset) => {
    expect(fwd(route(config, req({ path: '/split' }), () => r)).destination.subset).toBe(subset);
  });
  it('zero-weight destinations are never picked', () => {
    for (const r of [0, 0.01, 0.5, 0.999]) {
      expect(fwd(route(config, req({ path: '/zero' }), () => r)).destination.subset).toBe('v2');
    }
  });
  it('several destinations with weights omitted: all weigh 0, nothing is pickable', () => {
    expect(routeName(route(config, req({ path: '/omitted' })))).toBe('NR:no-destination');
  });
  it('a single destination takes 100% whatever its weight', () => {
    expect(cluster(route(config, req({ path: '/single' })))).toBe(`outbound|9080|v3|${REVIEWS}`);
  });
  it('an explicit destination port names the cluster', () => {
    expect(cluster(route(config, req({ path: '/ported' })))).toBe(
      'outbound|8080||ratings.other.svc.cluster.local',
    );
  });
  it('without a port, a service with several or unknown ports uses the request port', () => {
    expect(cluster(route(config, req({ path: '/x', port: 9080 })))).toBe(
      'outbound|9080||details.default.svc.cluster.local',
    );
  });
});

describe('route: retries, timeouts, faults, mirrors', () => {
  const config = compileYaml(
    vs(
      'p',
      `
hosts: [reviews]
http:
- name: defaults
  match: [{ uri: { exact: /defaults } }]
  route: [{ destination: { host: reviews } }]
- name: no-retry
  match: [{ uri: { exact: /no-retry } }]
  retries: { attempts: 0 }
  route: [{ destination: { host: reviews } }]
- name: retry-without-attempts
  match: [{ uri: { exact: /retry-without-attempts } }]
  retries: { retryOn: 5xx }
  route: [{ destination: { host: reviews } }]
- name: custom-retry
  match: [{ uri: { exact: /custom-retry } }]
  timeout: 1.5s
  retries: { attempts: 5, perTryTimeout: 250ms, retryOn: 'gateway-error,503,429' }
  route: [{ destination: { host: reviews } }]
- name: zero-timeout
  match: [{ uri: { exact: /zero-timeout } }]
  timeout: 0s
  route: [{ destination: { host: reviews } }]
- name: fault
  match: [{ uri: { exact: /fault } }]
  fault:
    delay: { fixedDelay: 7s, percentage: { value: 10 } }
    abort: { httpStatus: 503, percentage: { value: 0.5 } }
  route: [{ destination: { host: reviews } }]
- name: fault-defaults
  match: [{ uri: { exact: /fault-defaults } }]
  fault:
    delay: { fixedDelay: 1s }
    abort: { grpcStatus: UNAVAILABLE }
  route: [{ destination: { host: reviews } }]
- name: mirror
  match: [{ uri: { exact: /mirror } }]
  mirror: { host: shadow, subset: v9 }
  route: [{ destination: { host: reviews } }]
- name: mirrors
  match: [{ uri: { exact: /mirrors } }]
  mirror: { host: shadow }
  mirrorPercentage: { value: 25 }
  mirrors:
  - { destination: { host: audit, port: { number: 81 } }, percentage: { value: 5 } }
  - { destination: { host: audit2 } }
  route: [{ destination: { host: reviews } }]
`,
    ),
    { services: [REVIEWS_SERVICE] },
  );
  const go = (path: string) => fwd(route(config, req({ path })));

  it('default retry policy: 2 attempts on connect-failure, refused-stream, unavailable, cancelled; not 503', () => {
    expect(go('/defaults').retry).toEqual({
      attempts: 2,
      perTryTimeoutMs: undefined,
      retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'],
      retriableStatusCodes: [],
      retryRemoteLocalities: false,
      retryIgnorePreviousHosts: true,
      backoffMs: undefined,
    });
  });
  it('default retry policy retries 503 with EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY=false (Istio < 1.24)', () => {
    const c = compileYaml(
      vs('r', `hosts: [r]\nhttp: [{ route: [{ destination: { host: r } }] }]`),
      { exclude503FromDefaultRetries: false },
    );
    const retry = fwd(route(c, req({ authority: 'r' }))).retry;
    expect(retry?.retriableStatusCodes).toEqual([503]);
    expect(retry?.retryOn).toContain('retriable-status-codes');
  });
  it('route timeout is disabled by default', () => {
    expect(go('/defaults').timeoutMs).toBeUndefined();
  });
  it('timeout 0s disables the timeout', () => {
    expect(go('/zero-timeout').timeoutMs).toBeUndefined();
  });
  it('attempts 0 disables retries', () => {
    expect(go('/no-retry').retry).toBeUndefined();
  });
  it('a retries block without attempts disables retries (Istio ConvertPolicy)', () => {
    expect(go('/retry-without-attempts').retry).toBeUndefined();
  });
  it('retryOn status codes become retriable status codes; perTryTimeout and timeout parse', () => {
    const d = go('/custom-retry');
    expect(d.timeoutMs).toBe(1500);
    expect(d.retry).toMatchObject({
      attempts: 5,
      perTryTimeoutMs: 250,
      retryOn: ['gateway-error', 'retriable-status-codes'],
      retriableStatusCodes: [503, 429],
    });
  });
  it('fault: delay and abort with percentages', () => {
    expect(go('/fault').fault).toEqual({
      delay: { fixedDelayMs: 7000, percentage: 10 },
      abort: { httpStatus: 503, percentage: 0.5 },
    });
  });
  it('fault: an unspecified percentage injects nothing (Istio docs)', () => {
    expect(go('/fault-defaults').fault).toEqual({
      delay: { fixedDelayMs: 1000, percentage: 0 },
      abort: { grpcStatus: 'UNAVAILABLE', percentage: 0 },
    });
  });
  it('mirror without mirrorPercentage mirrors 100%', () => {
    expect(go('/mirror').mirrors).toEqual([
      {
        destination: {
          host: 'shadow.default.svc.cluster.local',
          subset: 'v9',
          port: 9080,
          cluster: 'outbound|9080|v9|shadow.default.svc.cluster.local',
        },
        percentage: 100,
      },
    ]);
  });
  it.each([
    ['mirrorPercent', 30],
    ['mirror_percent', 40],
  ])('the deprecated %s still sets the mirror percentage', (field, value) => {
    const c = compileYaml(
      vs(
        'm',
        `hosts: [reviews]\nhttp:\n- mirror: { host: shadow }\n  ${field}: ${value}\n  route: [{ destination: { host: reviews } }]\n`,
      ),
      { services: [REVIEWS_SERVICE] },
    );
    expect(fwd(route(c, req({ path: '/' }))).mirrors.map((m) => m.percentage)).toEqual([value]);
  });
  it('mirror + mirrorPercentage and mirrors[] are all supported', () => {
    expect(go('/mirrors').mirrors.map((m) => [m.destination.cluster, m.percentage])).toEqual([
      ['outbound|9080||shadow.default.svc.cluster.local', 25],
      ['outbound|81||audit.default.svc.cluster.local', 5],
      ['outbound|9080||audit2.default.svc.cluster.local', 100],
    ]);
  });
});

describe('route: rewrite, redirect, direct response, cors, headers', () => {
  const config = compileYaml(
    vs(
      'rw',
      `
hosts: [reviews]
http:
- name: prefix
  match: [{ uri: { prefix: /old } }]
  rewrite: { uri: /new }
  route: [{ destination: { host: reviews } }]
- name: prefix-ci
  match: [{ uri: { prefix: /CI }, ignoreUriCase: true }]
  rewrite: { uri: /ci-new }
  route: [{ destination: { host: reviews } }]
- name: exact
  match: [{ uri: { exact: /exact } }]
  rewrite: { uri: /replaced, authority: upstream.internal }
  route: [{ destination: { host: reviews } }]
- name: regex
  match: [{ uri: { prefix: /rx/ } }]
  rewrite: { uriRegexRewrite: { match: '^/rx/([a-z]+)/(\\d+)$', rewrite: '/\\2/\\1' } }
  route: [{ destination: { host: reviews } }]
- name: redirect
  match: [{ uri: { prefix: /moved } }]
  redirect: { uri: /here, authority: new.example.com }
- name: redirect-https
  match: [{ uri: { prefix: /secure } }]
  redirect: { scheme: https, derivePort: FROM_PROTOCOL_DEFAULT, redirectCode: 308 }
- name: redirect-port
  match: [{ uri: { prefix: /keep-port } }]
  redirect: { derivePort: FROM_REQUEST_PORT, authority: other.example.com }
- name: direct
  match: [{ uri: { exact: /health } }]
  directResponse: { status: 503, body: { string: down } }
- name: cors
  match: [{ uri: { prefix: /cors } }]
  corsPolicy: { allowOrigins: [{ exact: 'https://a.example.com' }], allowMethods: [GET], maxAge: 24h }
  route: [{ destination: { host: reviews } }]
- name: headers
  match: [{ uri: { prefix: /headers } }]
  headers:
    request: { set: { X-Route: r, X-Both: route }, remove: [x-dest-only] }
    response: { add: { x-resp: r } }
  route:
  - destination: { host: reviews }
    headers:
      request: { set: { x-both: dest, x-dest-only: d, x-kept: k } }
- name: catch-all-rewrite
  rewrite: { uri: /v2 }
  route: [{ destination: { host: reviews } }]
`,
    ),
    { services: [REVIEWS_SERVICE] },
  );
  const go = (over: Partial<RouteRequest>) => route(config, req(over));

  it.each([
    [
      'prefix rewrite replaces the matched prefix, query kept',
      '/old/books?id=1',
      '/new/books?id=1',
    ],
    ['prefix rewrite with ignoreUriCase replaces the prefix as sent', '/ci/x', '/ci-new/x'],
    ['exact match rewrite replaces the whole path', '/exact?q=1', '/replaced?q=1'],
    ['uriRegexRewrite substitutes capture groups', '/rx/books/42', '/42/books'],
    [
      'a route without uri match is a "/" prefix in Envoy: rewrite replaces the leading slash',
      '/items',
      '/v2items',
    ],
  ])('%s', (_n, path, expected) => {
    expect(fwd(go({ path })).path).toBe(expected);
  });
  it('authority rewrite', () => {
    expect(fwd(go({ path: '/exact' })).authority).toBe('upstream.internal');
    expect(fwd(go({ path: '/old' })).authority).toBe('reviews');
  });
  it('redirect: code defaults to 301, uri and authority replace path and host, query kept', () => {
    expect(go({ path: '/moved/a?x=1' })).toMatchObject({
      action: 'redirect',
      status: 301,
      location: 'http://new.example.com/here?x=1',
    });
  });
  // Istio sets no port_redirect for FROM_PROTOCOL_DEFAULT (route.go ApplyRedirect); Envoy's
  // processRequestHost then strips only a default port of the old scheme, so :9080 stays.
  it('redirect: scheme https with FROM_PROTOCOL_DEFAULT keeps a non-default request port; explicit code', () => {
    expect(go({ path: '/secure/p', authority: 'reviews:9080' })).toMatchObject({
      status: 308,
      location: 'https://reviews:9080/secure/p',
    });
  });
  it('redirect: scheme https with FROM_PROTOCOL_DEFAULT drops the old default port :80', () => {
    expect(go({ path: '/secure/p', authority: 'reviews:80', port: 80 })).toMatchObject({
      location: 'https://reviews/secure/p',
    });
  });
  it('redirect: FROM_REQUEST_PORT keeps the request port', () => {
    expect(go({ path: '/keep-port', port: 9080 })).toMatchObject({
      location: 'http://other.example.com:9080/keep-port',
    });
  });
  it('direct response', () => {
    expect(go({ path: '/health' })).toMatchObject({
      action: 'direct-response',
      status: 503,
      body: 'down',
    });
  });
  it('CORS policy is carried to the decision', () => {
    expect(fwd(go({ path: '/cors' })).cors).toEqual({
      allowOrigins: [{ exact: 'https://a.example.com' }],
      allowMethods: ['GET'],
      maxAge: '24h',
    });
  });
  // A lone destination's operations are appended to the route's in one Envoy level (Istio
  // processDestination); Envoy's HeaderParser removes first, then adds in order.
  it('header operations, one destination: same level, destination sets win, removes go first', () => {
    expect(fwd(go({ path: '/headers' })).headers).toEqual({
      request: {
        set: { 'x-both': 'dest', 'x-dest-only': 'd', 'x-kept': 'k', 'x-route': 'r' },
        add: [],
        remove: ['x-dest-only'],
      },
      response: { set: {}, add: [['x-resp', 'r']], remove: [] },
    });
  });
});

describe('route: delegate', () => {
  const config = compileYaml(
    [
      vs(
        'root',
        `
hosts: [shop.example.com]
http:
- name: api
  match: [{ uri: { prefix: /api } }]
  timeout: 3s
  delegate: { name: api-team, namespace: team }
- name: missing
  match: [{ uri: { prefix: /missing } }]
  delegate: { name: nope }
- name: hidden
  match: [{ uri: { prefix: /hidden } }]
  delegate: { name: private, namespace: team }
- name: rest
  route: [{ destination: { host: web } }]
`,
      ),
      vs(
        'api-team',
        `
http:
- name: v1
  match: [{ uri: { prefix: /api/v1 }, headers: { x-beta: { exact: 'on' } } }]
  timeout: 9s
  route: [{ destination: { host: api-v1-beta } }]
- name: v1-ga
  match: [{ uri: { prefix: /api/v1 } }]
  route: [{ destination: { host: api-v1 } }]
- name: outside
  match: [{ uri: { prefix: /other } }]
  route: [{ destination: { host: never } }]
- name: nested
  delegate: { name: deeper, namespace: team }
- name: all
  route: [{ destination: { host: api-rest } }]
`,
        'team',
      ),
      vs(
        'private',
        `exportTo: ['.']\nhttp: [{ route: [{ destination: { host: hidden } }] }]`,
        'team',
      ),
    ].join(''),
  );
  const go = (path: string, headers: Record<string, string> = {}) =>
    route(config, req({ authority: 'shop.example.com', path, headers }));

  it('delegate merges root match: both matches must hold, names joined', () => {
    const d = fwd(go('/api/v1/x', { 'x-beta': 'on' }));
    expect([d.routeName, d.destination.host, d.delegate]).toEqual([
      'api-v1',
      'api-v1-beta.team.svc.cluster.local',
      { namespace: 'team', name: 'api-team', index: 0 },
    ]);
  });
  it('delegate keeps its own fields over the root (timeout)', () => {
    expect(fwd(go('/api/v1/x', { 'x-beta': 'on' })).timeoutMs).toBe(9000);
  });
  it('delegate inherits root fields it leaves out (timeout)', () => {
    expect(fwd(go('/api/v1/x')).timeoutMs).toBe(3000);
  });
  it('a delegate route without match takes the root match', () => {
    expect(fwd(go('/api/v2')).destination.host).toBe('api-rest.team.svc.cluster.local');
  });
  it('a delegate match outside the root match is dropped', () => {
    expect(fwd(go('/other')).destination.host).toBe('web.default.svc.cluster.local');
  });
  it('delegates of delegates are not followed; missing and unexported delegates are skipped', () => {
    expect(config.notes.map((n) => n.message)).toEqual([
      'http[0]: delegate team/api-team http[2] conflicts with the root match (or delegates again); dropped',
      'http[0]: delegate team/api-team http[3] conflicts with the root match (or delegates again); dropped',
      'http[1]: delegate default/nope not found; route skipped',
      'http[2]: delegate team/private is not exported to default; route skipped',
    ]);
    expect(fwd(go('/hidden')).destination.host).toBe('web.default.svc.cluster.local');
  });
});

describe('routeL4: tcp and tls', () => {
  const config = compileYaml(
    vs(
      'db',
      `
hosts: [db.example.com]
tcp:
- match: [{ port: 5432, destinationSubnets: [10.1.0.0/16] }]
  route: [{ destination: { host: db-primary, port: { number: 5432 } } }]
- match: [{ port: 5432, sourceNamespace: analytics }]
  route: [{ destination: { host: db-replica, port: { number: 5432 } } }]
tls:
- match: [{ port: 443, sniHosts: ['*.db.example.com'] }]
  route: [{ destination: { host: db-tls, port: { number: 443 } } }]
`,
    ),
  );
  const tcp = (over: object) =>
    routeL4(config, { host: 'db.example.com', port: 5432, protocol: 'tcp', ...over });
  it.each([
    [
      'tcp match: port and destinationSubnets AND',
      { destinationIp: '10.1.2.3' },
      'outbound|5432||db-primary.default.svc.cluster.local',
    ],
    [
      'tcp match: sourceNamespace',
      { destinationIp: '10.2.0.1', sourceNamespace: 'analytics' },
      'outbound|5432||db-replica.default.svc.cluster.local',
    ],
  ])('%s', (_n, over, expected) => {
    const r = tcp(over);
    expect(r.action === 'forward' ? r.destination.cluster : r.reason).toBe(expected);
  });
  it('tcp: no match is NR', () => {
    expect(tcp({ destinationIp: '192.168.0.1' })).toMatchObject({
      action: 'no-route',
      reason: 'no-route-matched',
    });
  });
  it('tls match on sniHosts (wildcard)', () => {
    const r = routeL4(config, {
      host: 'db.example.com',
      port: 443,
      protocol: 'tls',
      sni: 'eu.db.example.com',
    });
    expect(r.action === 'forward' && r.destination.cluster).toBe(
      'outbound|443||db-tls.default.svc.cluster.local',
    );
    expect(
      routeL4(config, { host: 'db.example.com', port: 443, protocol: 'tls', sni: 'db.example.org' })
        .action,
    ).toBe('no-route');
  });
});

describe('route: Envoy/Istio translation details', () => {
  const config = compileYaml(
    vs(
      'details',
      `
hosts: [reviews]
http:
- name: without-exact
  match: [{ uri: { prefix: /w1 }, withoutHeaders: { x-a: { exact: 'yes' } } }]
  route: [{ destination: { host: reviews } }]
- name: without-empty-prefix
  match: [{ uri: { prefix: /w2 }, withoutHeaders: { x-a: { prefix: '' } } }]
  route: [{ destination: { host: reviews } }]
- name: without-present
  match: [{ uri: { prefix: /w3 }, withoutHeaders: { x-a: {} } }]
  route: [{ destination: { host: reviews } }]
- name: header-star
  match: [{ uri: { prefix: /star }, headers: { x-a: { regex: '*' } } }]
  route: [{ destination: { host: reviews } }]
- name: without-star
  match: [{ uri: { prefix: /nostar }, withoutHeaders: { x-a: { regex: '*' } } }]
  route: [{ destination: { host: reviews } }]
- name: weighted-headers
  match: [{ uri: { prefix: /weighted } }]
  headers:
    request: { set: { x-both: route }, remove: [x-dest-only] }
  route:
  - destination: { host: reviews, subset: v1 }
    weight: 100
    headers: { request: { set: { x-both: dest, x-dest-only: d } } }
  - destination: { host: reviews, subset: v2 }
    weight: 0
- name: host-header
  match: [{ uri: { prefix: /host-header } }]
  headers: { request: { set: { Host: via-header.internal, x-ok: '1' }, remove: [':path'] } }
  route: [{ destination: { host: reviews } }]
- name: host-header-rewrite
  match: [{ uri: { prefix: /rewrite-wins } }]
  headers: { request: { set: { host: via-header.internal } } }
  rewrite: { authority: via-rewrite.internal }
  route: [{ destination: { host: reviews, subset: v1 }, headers: { request: { set: { host: d.internal } } } }]
- name: dest-host-header
  match: [{ uri: { prefix: /dest-host } }]
  route: [{ destination: { host: reviews }, headers: { request: { add: { ':authority': d.internal } } } }]
- name: redirect-port-443
  match: [{ uri: { prefix: /r443 } }]
  redirect: { scheme: https, port: 443 }
- name: redirect-port-8443
  match: [{ uri: { prefix: /r8443 } }]
  redirect: { scheme: https, port: 8443 }
- name: redirect-authority-port
  match: [{ uri: { prefix: /rauth } }]
  redirect: { authority: 'other.example.com:443', scheme: https }
- name: redirect-plain
  match: [{ uri: { prefix: /rplain } }]
  redirect: { uri: /plain }
`,
    ),
    { services: [REVIEWS_SERVICE] },
  );
  const go = (over: Partial<RouteRequest>) => route(config, req(over));

  // route.go TranslateRouteMatch: withoutHeaders value matchers get treat_missing_header_as_empty.
  it.each([
    ['withoutHeaders exact: absent header is "" and passes', '/w1', {}, 'without-exact'],
    ['withoutHeaders prefix "": absent header is "" and fails', '/w2', {}, 'NR:no-route-matched'],
    [
      'withoutHeaders prefix "": any present value fails',
      '/w2',
      { 'x-a': 'v' },
      'NR:no-route-matched',
    ],
    ['withoutHeaders {}: absent header passes', '/w3', {}, 'without-present'],
    ['withoutHeaders {}: present header fails', '/w3', { 'x-a': '' }, 'NR:no-route-matched'],
    // canBeConvertedToPresentMatch: regex "*" is present_match, not an (invalid) RE2 pattern.
    ['header regex "*" is a presence check', '/star', { 'x-a': 'anything' }, 'header-star'],
    ['header regex "*": absent header fails', '/star', {}, 'NR:no-route-matched'],
    ['withoutHeaders regex "*": absent header passes', '/nostar', {}, 'without-star'],
  ])('%s', (_n, path, headers, expected) => {
    expect(routeName(go({ path, headers }))).toBe(expected);
  });

  it('header operations, weighted destinations: destination level first, route level wins', () => {
    expect(fwd(go({ path: '/weighted' })).headers.request).toEqual({
      set: { 'x-both': 'route' },
      add: [],
      remove: ['x-dest-only'],
    });
  });
  // route.go TranslateHeadersOperations: host/:authority become the host rewrite, and Istio drops
  // pseudo-headers and host from the header operations; rewrite.authority beats both levels.
  it('headers set host: Envoy host rewrite, not a header operation', () => {
    const d = fwd(go({ path: '/host-header' }));
    expect([d.authority, d.headers.request]).toEqual([
      'via-header.internal',
      { set: { 'x-ok': '1' }, add: [], remove: [] },
    ]);
  });
  it('host rewrite precedence: rewrite.authority over route headers over destination headers', () => {
    expect(fwd(go({ path: '/rewrite-wins' })).authority).toBe('via-rewrite.internal');
    expect(fwd(go({ path: '/dest-host' })).authority).toBe('d.internal');
  });

  // route.go ApplyRedirect + Envoy Http::Utility::newUri / processRequestHost.
  it.each([
    [
      'redirect port 443 with https: Istio drops port_redirect; no request port, none in Location',
      '/r443',
      'reviews',
      'https://reviews/r443',
    ],
    [
      'redirect port 443 with https: without port_redirect Envoy keeps a request port :9080',
      '/r443',
      'reviews:9080',
      'https://reviews:9080/r443',
    ],
    [
      'redirect port 8443: port_redirect replaces the request port',
      '/r8443',
      'reviews:9080',
      'https://reviews:8443/r8443',
    ],
    [
      'redirect authority is used as written, port included',
      '/rauth',
      'reviews',
      'https://other.example.com:443/rauth',
    ],
    [
      'redirect without scheme or port change keeps the request authority, :80 included',
      '/rplain',
      'reviews:80',
      'http://reviews:80/plain',
    ],
  ])('%s', (_n, path, authority, location) => {
    expect(go({ path, authority })).toMatchObject({ action: 'redirect', location });
  });
});

// Current istio/istio pilot/pkg/model/virtualservice.go: hasConflict compares withoutHeaders with
// the root's withoutHeaders and checks sourceLabels/sourceNamespace/gateways; mergeHTTPMatchRequest
// carries those over; mergeHTTPRoute also inherits directResponse and mirrors.
describe('route: delegate merge of source conditions, withoutHeaders and mirrors', () => {
  const config = compileYaml(
    [
      vs(
        'root',
        `
hosts: [deleg.example.com]
http:
- name: canary
  match: [{ uri: { prefix: /c }, sourceLabels: { app: web }, headers: { x-h: { exact: a } } }]
  mirrors: [{ destination: { host: mirror-svc } }]
  delegate: { name: leaf, namespace: team }
- name: rest
  route: [{ destination: { host: rest } }]
`,
      ),
      vs(
        'leaf',
        `
http:
- name: without
  match: [{ uri: { prefix: /c/w }, withoutHeaders: { x-h: { exact: b } } }]
  route: [{ destination: { host: w } }]
- name: labels-conflict
  match: [{ uri: { prefix: /c/l }, sourceLabels: { app: api } }]
  route: [{ destination: { host: l } }]
- name: all
  route: [{ destination: { host: all } }]
`,
        'team',
      ),
    ].join(''),
  );
  const go = (path: string, sourceLabels: Record<string, string>) =>
    fwd(
      route(
        config,
        req({ authority: 'deleg.example.com', path, headers: { 'x-h': 'a' }, sourceLabels }),
      ),
    );

  it('a delegate withoutHeaders is checked against the root withoutHeaders, not its headers', () => {
    expect(go('/c/w', { app: 'web' }).routeName).toBe('canary-without');
  });
  it('the root sourceLabels are carried into the delegate match', () => {
    expect(go('/c/x', { app: 'web' }).routeName).toBe('canary-all');
    expect(go('/c/x', { app: 'other' }).routeName).toBe('rest');
  });
  it('a delegate sourceLabels conflicting with the root is dropped', () => {
    expect(config.notes.map((n) => n.message)).toEqual([
      'http[0]: delegate team/leaf http[1] conflicts with the root match (or delegates again); dropped',
    ]);
  });
  it('root mirrors are inherited by delegate routes without their own', () => {
    expect(go('/c/x', { app: 'web' }).mirrors.map((m) => m.destination.host)).toEqual([
      'mirror-svc.default.svc.cluster.local',
    ]);
  });
});

// istio/istio pilot/pkg/model/push_context.go: initVirtualServices files each VirtualService as
// private (exportTo "." or its own namespace), exported to named namespaces, or public;
// VirtualServicesForGateway lists private, then exported, then public, creation order inside.
describe('route: which VirtualService wins a host (virtualServiceIndex order)', () => {
  const config = compileYaml(
    [
      vs(
        'public-old',
        `hosts: [api.corp.io]\nhttp: [{ name: public-old, route: [{ destination: { host: api.corp.io } }] }]`,
        'infra',
      ),
      vs(
        'exported',
        `hosts: [api.corp.io]\nexportTo: [team]\nhttp: [{ name: exported, route: [{ destination: { host: api.corp.io } }] }]`,
        'infra',
      ),
      vs(
        'private-new',
        `hosts: [api.corp.io]\nexportTo: ['.']\nhttp: [{ name: private-new, route: [{ destination: { host: api.corp.io } }] }]`,
        'team',
      ),
      vs(
        'tilde-wins',
        `hosts: [t.corp.io]\nexportTo: ['~', team]\nhttp: [{ name: tilde, route: [{ destination: { host: t.corp.io } }] }]`,
        'infra',
      ),
      vs(
        'gw-public',
        `hosts: [gw.corp.io]\ngateways: [edge/ingress]\nhttp: [{ name: gw-public, match: [{ uri: { prefix: /a } }], route: [{ destination: { host: a.corp.io } }] }]`,
        'infra',
      ),
      vs(
        'gw-own',
        `hosts: [gw.corp.io]\ngateways: [edge/ingress]\nexportTo: ['.']\nhttp: [{ name: gw-own, match: [{ uri: { prefix: / } }], route: [{ destination: { host: b.corp.io } }] }]`,
        'edge',
      ),
    ].join(''),
  );
  it.each([
    [
      'sidecar: a newer private VirtualService of the caller namespace beats older ones',
      'team',
      'private-new',
    ],
    ['sidecar: a namespace not in exportTo falls back to the public one', 'other', 'public-old'],
    ['sidecar: public is the last resort', 'infra', 'public-old'],
  ])('%s', (_n, sourceNamespace, expected) => {
    expect(routeName(route(config, req({ authority: 'api.corp.io', sourceNamespace })))).toBe(
      expected,
    );
  });
  it('sidecar: exported by name beats public for the named namespace', () => {
    const only = compileYaml(
      [
        vs(
          'pub',
          `hosts: [x.corp.io]\nhttp: [{ name: pub, route: [{ destination: { host: x.corp.io } }] }]`,
          'infra',
        ),
        vs(
          'named',
          `hosts: [x.corp.io]\nexportTo: [team]\nhttp: [{ name: named, route: [{ destination: { host: x.corp.io } }] }]`,
          'infra',
        ),
      ].join(''),
    );
    expect(routeName(route(only, req({ authority: 'x.corp.io', sourceNamespace: 'team' })))).toBe(
      'named',
    );
  });
  it('exportTo with "~" hides the VirtualService even from listed namespaces', () => {
    expect(routeName(route(config, req({ authority: 't.corp.io', sourceNamespace: 'team' })))).toBe(
      'NR:no-virtual-host',
    );
  });
  it("gateway merge order: the gateway namespace's own VirtualServices come first", () => {
    expect(
      routeName(
        route(config, req({ authority: 'gw.corp.io', gateway: 'edge/ingress', path: '/a' })),
      ),
    ).toBe('gw-own');
  });
});

describe('route: what Istio decides when it builds the proxy config', () => {
  const config = compileYaml(
    [
      vs(
        'labelled-only',
        `
hosts: [reviews]
http:
- name: for-productpage
  match: [{ sourceLabels: { app: productpage } }]
  route: [{ destination: { host: reviews, subset: v2 } }]
- name: on-9443
  match: [{ port: 9443 }]
  route: [{ destination: { host: reviews, subset: tls } }]
`,
      ),
      vs(
        'later',
        `hosts: [reviews]\nhttp: [{ name: later, route: [{ destination: { host: reviews, subset: v1 } }] }]`,
      ),
      vs(
        'ratings-labelled',
        `hosts: [ratings]\nhttp: [{ name: ratings-v2, match: [{ sourceLabels: { app: x } }], route: [{ destination: { host: ratings } }] }]`,
      ),
      vs(
        'gw-labels',
        `
hosts: [details]
gateways: [mesh]
http:
- name: gateways-listed
  match: [{ gateways: [mesh], sourceLabels: { app: nobody } }]
  route: [{ destination: { host: details } }]
`,
      ),
      vs(
        'retry',
        `
hosts: [retry.example.com]
http:
- name: codes
  retries: { attempts: 3, retryOn: '5xx,599,+503,429' }
  mirrorPercentage: { value: 0 }
  mirror: { host: shadow }
  route: [{ destination: { host: retry.example.com } }]
`,
      ),
    ].join(''),
    {
      services: [
        REVIEWS_SERVICE,
        {
          host: 'ratings.default.svc.cluster.local',
          namespace: 'default',
          ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }],
        },
      ],
    },
  );
  // route.go buildSidecarVirtualHostsForVirtualService: no route built for the proxy and port
  // means no virtual host from that VirtualService; the next one for the host, or the default
  // route of the service, applies.
  it.each([
    [
      'a matching caller uses the first VirtualService',
      { sourceLabels: { app: 'productpage' } },
      'for-productpage',
    ],
    ['the match port selects the listener', { port: 9443 }, 'on-9443'],
    [
      'no route of the oldest VirtualService is built for this caller: the next one applies',
      {},
      'later',
    ],
  ])('%s', (_n, over, expected) => {
    expect(routeName(route(config, req(over)))).toBe(expected);
  });
  it('no VirtualService applies to the caller: the service default route', () => {
    const d = fwd(route(config, req({ authority: 'ratings' })));
    expect([d.virtualService, d.destination.cluster]).toEqual([
      null,
      'outbound|9080||ratings.default.svc.cluster.local',
    ]);
  });
  // route.go sourceMatchHTTP: a match listing gateways is kept without checking sourceLabels.
  it('a match with gateways ignores its sourceLabels', () => {
    expect(routeName(route(config, req({ authority: 'details' })))).toBe('gateways-listed');
  });
  // retry.go parseRetryOn: only codes Go's http.StatusText knows become status codes.
  it('retryOn: known status codes become retriable status codes; unknown numbers stay conditions', () => {
    const r = fwd(route(config, req({ authority: 'retry.example.com' }))).retry;
    expect([r?.retryOn, r?.retriableStatusCodes]).toEqual([
      ['5xx', '599', 'retriable-status-codes'],
      [503, 429],
    ]);
  });
  it('mirrorPercentage 0 mirrors nothing (Istio sets no mirror policy)', () => {
    expect(fwd(route(config, req({ authority: 'retry.example.com' }))).mirrors).toEqual([]);
  });
});

describe('route: the host lookup is remembered per proxy identity, never across them', () => {
  // Istio builds the VirtualService's only route for productpage callers on port 9080; everyone
  // else gets the service's default route. The lookup is remembered per table, labels object,
  // host, port and namespace: asking in turn must never hand one caller another's answer.
  const compileIt = () =>
    compileYaml(
      vs(
        'reviews',
        `
hosts: [reviews]
http:
- name: for-productpage
  match: [{ sourceLabels: { app: productpage }, port: 9080 }]
  route: [{ destination: { host: reviews, subset: v2 } }]
`,
      ),
      { services: [REVIEWS_SERVICE] },
    );
  const config = compileIt();
  const productpage = { app: 'productpage' };
  const ratings = { app: 'ratings' };

  it('answers each caller, port and namespace as a fresh lookup would', () => {
    const asks: [Record<string, string>, number, string][] = [
      [productpage, 9080, 'default'],
      [ratings, 9080, 'default'],
      [productpage, 9080, 'default'],
      [productpage, 9081, 'default'],
      [ratings, 9080, 'default'],
      [productpage, 9080, 'default'],
      [productpage, 9080, 'other'],
      [{ app: 'productpage' }, 9080, 'default'],
    ];
    const seen = asks.map(([sourceLabels, port, sourceNamespace]) =>
      routeName(route(config, req({ sourceLabels, port, sourceNamespace }))),
    );
    const fresh = asks.map(([sourceLabels, port, sourceNamespace]) =>
      routeName(
        route(compileIt(), req({ sourceLabels: { ...sourceLabels }, port, sourceNamespace })),
      ),
    );
    expect(seen).toEqual(fresh);
    expect(seen).toEqual([
      'for-productpage',
      '#-1',
      'for-productpage',
      '#-1',
      '#-1',
      'for-productpage',
      'NR:no-virtual-host',
      'for-productpage',
    ]);
  });
});
