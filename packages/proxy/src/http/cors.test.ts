import type { CorsPolicy } from '@mesh/rules';
import { compileCors, corsLayer, CORS_RESPONSE_DETAILS } from './cors.js';
import { localReply } from './local-reply.js';
import { response, scripted, testContext } from './test-support/context.js';
import {
  buildTable,
  logEntry,
  startOutbound,
  startUpstream,
  type TestUpstream,
} from './test-support/fixtures.js';
import type { HeaderMap } from './types.js';

const POLICY: CorsPolicy = {
  allowOrigins: [{ exact: 'https://shop.example.com' }],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['content-type', 'x-custom'],
  exposeHeaders: ['x-total', 'x-page'],
  maxAge: '24h',
  allowCredentials: true,
};

const preflight = (origin: string, extra: HeaderMap = {}) =>
  testContext({
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', ...extra },
  });

const upstreamOk = () => response(200, { 'content-type': 'text/plain' }, 'ok');

describe('corsLayer', () => {
  it('is absent without a policy', () => {
    expect(corsLayer(undefined)).toBeUndefined();
  });

  it('answers a preflight from an allowed origin itself, with every configured header', async () => {
    const next = scripted(upstreamOk);
    const ctx = preflight('https://shop.example.com');
    const res = await corsLayer(POLICY)!(next)(ctx);
    expect(next.calls).toHaveLength(0);
    expect(res.status).toBe(200);
    expect(res.local).toBeUndefined();
    expect(res.body).toBeUndefined();
    expect({ ...res.headers }).toEqual({
      'access-control-allow-origin': 'https://shop.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'content-type,x-custom',
      'access-control-max-age': '86400',
      'access-control-expose-headers': 'x-total,x-page',
      'content-length': '0',
    });
    expect(ctx.info.details).toBe(CORS_RESPONSE_DETAILS);
  });

  it('forwards a preflight from another origin by default (FORWARD) and adds nothing', async () => {
    const next = scripted(() => response(204, { allow: 'GET' }));
    for (const unmatchedPreflights of [undefined, 'FORWARD', 'UNSPECIFIED']) {
      const res = await corsLayer({ ...POLICY, unmatchedPreflights })!(next)(
        preflight('https://evil.example.org'),
      );
      expect(res.status).toBe(204);
      expect({ ...res.headers }).toEqual({ allow: 'GET' });
    }
    expect(next.calls).toHaveLength(3);
  });

  it('answers a preflight from another origin without allow-origin under IGNORE', async () => {
    const next = scripted(upstreamOk);
    const res = await corsLayer({ ...POLICY, unmatchedPreflights: 'IGNORE' })!(next)(
      preflight('https://evil.example.org'),
    );
    expect(next.calls).toHaveLength(0);
    expect(res.status).toBe(200);
    // Envoy (forward_not_matching_preflights: false) still sends the policy's other headers; the
    // missing allow-origin is what fails the preflight in the browser.
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST');
  });

  it('adds allow-origin, allow-credentials and expose-headers to responses to an allowed origin', async () => {
    const next = scripted(() =>
      response(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }, 'ok'),
    );
    const res = await corsLayer(POLICY)!(next)(
      testContext({ method: 'POST', headers: { origin: 'https://shop.example.com' } }),
    );
    expect(next.calls).toHaveLength(1);
    expect({ ...res.headers }).toEqual({
      'content-type': 'text/plain',
      // The upstream's value is replaced by the echoed origin, as Envoy's setInline does.
      'access-control-allow-origin': 'https://shop.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-total,x-page',
    });
    // Preflight-only headers stay off actual responses.
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('adds nothing for an origin that is not allowed, or without an Origin', async () => {
    const upstream = { 'content-type': 'text/plain', 'access-control-allow-origin': 'x' };
    const next = scripted(() => response(200, upstream, 'ok'));
    const layer = corsLayer(POLICY)!(next);
    const other = await layer(testContext({ headers: { origin: 'https://shop.example.co' } }));
    const none = await layer(testContext({ method: 'OPTIONS' }));
    const empty = await layer(testContext({ headers: { origin: '' } }));
    for (const res of [other, none, empty]) expect({ ...res.headers }).toEqual(upstream);
    expect(next.calls).toHaveLength(3);
  });

  it('treats OPTIONS without Access-Control-Request-Method as an actual request', async () => {
    const next = scripted(() => response(200, { allow: 'GET, OPTIONS' }));
    const res = await corsLayer(POLICY)!(next)(
      testContext({ method: 'OPTIONS', headers: { origin: 'https://shop.example.com' } }),
    );
    expect(next.calls).toHaveLength(1);
    expect(res.headers).toMatchObject({
      allow: 'GET, OPTIONS',
      'access-control-allow-origin': 'https://shop.example.com',
    });
  });

  it('puts the CORS headers on local replies from further in (UH, UT, fault aborts)', async () => {
    const next = scripted(() => localReply(503, 'UH', 'no healthy upstream'));
    const res = await corsLayer(POLICY)!(next)(
      testContext({ headers: { origin: 'https://shop.example.com' } }),
    );
    expect(res.status).toBe(503);
    expect(res.local).toEqual({ flag: 'UH', reason: 'no healthy upstream' });
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example.com');
  });

  it('echoes the requested method and headers when allowMethods or allowHeaders is "*"', async () => {
    const layer = corsLayer({
      allowOrigins: [{ prefix: 'https://' }],
      allowMethods: ['*'],
      allowHeaders: ['*'],
    })!(scripted(upstreamOk));
    const res = await layer(
      preflight('https://a.example.com', { 'access-control-request-headers': 'x-a,x-b' }),
    );
    expect(res.headers).toMatchObject({
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'x-a,x-b',
    });
    expect(res.headers['access-control-max-age']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('compileCors: allowed origins', () => {
  it('matches exact, prefix and RE2 regexes against the whole origin', () => {
    const { originAllowed } = compileCors({
      allowOrigins: [
        { exact: 'https://exact.example.com' },
        { prefix: 'http://localhost:' },
        { regex: 'https://[a-z]+\\.example\\.org' },
      ],
    });
    expect(originAllowed('https://exact.example.com')).toBe(true);
    expect(originAllowed('https://exact.example.com.evil.io')).toBe(false);
    expect(originAllowed('http://localhost:3000')).toBe(true);
    expect(originAllowed('https://shop.example.org')).toBe(true);
    // Envoy's safe_regex matches the whole value: a match inside it is not enough.
    expect(originAllowed('https://shop.example.org.evil.io')).toBe(false);
    expect(originAllowed('https://sh0p.example.org')).toBe(false);
  });

  it('lets a matcher that matches "*" allow every origin (Envoy isOriginAllowed)', () => {
    expect(compileCors({ allowOrigins: [{ exact: '*' }] }).originAllowed('https://x.io')).toBe(
      true,
    );
    expect(compileCors({ allowOrigins: [{ regex: '.*' }] }).originAllowed('https://x.io')).toBe(
      true,
    );
  });

  it('matches nothing with a regex RE2 rejects, an empty match or no origins at all', () => {
    // Lookahead is PCRE, not RE2; validation rejects it, the data plane must not throw.
    const { originAllowed } = compileCors({ allowOrigins: [{ regex: '(?=https).*' }, {}] });
    expect(originAllowed('https://a.example.com')).toBe(false);
    expect(compileCors({ allowMethods: ['GET'] }).originAllowed('https://a.example.com')).toBe(
      false,
    );
  });

  it('reads the deprecated allowOrigin as exact matches', () => {
    const { originAllowed } = compileCors({ allowOrigin: ['https://a.example.com'] });
    expect(originAllowed('https://a.example.com')).toBe(true);
    expect(originAllowed('https://a.example.com/')).toBe(false);
  });

  it('renders maxAge in whole seconds and keeps unmatchedPreflights', () => {
    expect(compileCors({ maxAge: '1h30m' }).maxAge).toBe('5400');
    expect(compileCors({ maxAge: '0s' }).maxAge).toBe('0');
    expect(compileCors({}).maxAge).toBe('');
    expect(compileCors({}).forwardNotMatchingPreflights).toBe(true);
    expect(compileCors({ unmatchedPreflights: 'IGNORE' }).forwardNotMatchingPreflights).toBe(false);
  });

  it('compiles each policy object once', () => {
    const policy: CorsPolicy = { allowOrigins: [{ regex: 'https://.*' }] };
    expect(compileCors(policy)).toBe(compileCors(policy));
  });
});

describe('CORS on the outbound listener', () => {
  let app: TestUpstream;
  beforeAll(async () => {
    app = await startUpstream('app');
  });
  afterAll(() => app.close());

  it('answers preflights locally, forwards unmatched ones and decorates actual responses', async () => {
    const table = buildTable({
      yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings, namespace: default }
spec:
  hosts: [ratings]
  http:
  - route: [{ destination: { host: ratings } }]
    headers: { response: { set: { x-route: ratings } } }
    corsPolicy:
      allowOrigins: [{ regex: 'https://.*\\.example\\.com' }]
      allowMethods: [GET, PUT]
      exposeHeaders: [x-upstream]
      maxAge: 10m
`,
      clusters: [{ host: 'ratings.default.svc.cluster.local', endpoints: [app.port] }],
    });
    const proxy = await startOutbound(table);
    try {
      const ask = (origin: string) =>
        proxy.request('http://ratings:9080/ratings/1', {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'PUT' },
        });
      const answered = await ask('https://shop.example.com');
      expect(answered.status).toBe(200);
      expect(answered.body).toBe('');
      expect(answered.headers).toMatchObject({
        'access-control-allow-origin': 'https://shop.example.com',
        'access-control-allow-methods': 'GET,PUT',
        'access-control-max-age': '600',
      });
      // Answered before the router: no route header operations, and the app never saw it.
      expect(answered.headers['x-route']).toBeUndefined();
      expect(app.requests).toHaveLength(0);

      const forwarded = await ask('https://shop.example.net');
      expect([forwarded.status, forwarded.body]).toEqual([200, 'app']);
      expect(forwarded.headers['access-control-allow-origin']).toBeUndefined();
      expect(app.requests).toHaveLength(1);
      expect(app.requests[0]!.method).toBe('OPTIONS');

      const actual = await proxy.request('http://ratings:9080/ratings/1', {
        headers: { origin: 'https://shop.example.com' },
      });
      expect([actual.status, actual.body]).toEqual([200, 'app']);
      expect(actual.headers).toMatchObject({
        'access-control-allow-origin': 'https://shop.example.com',
        'access-control-expose-headers': 'x-upstream',
        'x-route': 'ratings',
        'x-upstream': 'app',
      });
      expect(await logEntry(proxy.logs, 0)).toMatchObject({
        method: 'OPTIONS',
        response_code: 200,
        response_flags: '-',
        response_code_details: CORS_RESPONSE_DETAILS,
      });
    } finally {
      await proxy.close();
    }
  });
});
