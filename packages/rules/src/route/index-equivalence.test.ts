// The per-host index (path segments, exact-header dispatch, match groups) only narrows which
// routes route() tries; it must never change which route wins. This pins that against a plain
// first-match scan over every compiled route, for random tables and requests.
import fc from 'fast-check';
import type { HTTPMatchRequest, VirtualService } from '../api/index.js';
import { compile } from '../compile/compile.js';
import { PreparedHttpRequest } from './prepare.js';
import { route } from './route.js';

const PATHS = ['/', '/api', '/api/', '/api/v1', '/api/v1/x', '/b', '/b/legacy/z', '/API/v1'];
const VALUES = ['', 't', 'tenant-1', 'tenant-1-', 'tenant-1-eu', 'tenant-2', 'x'];
const METHODS = ['GET', 'POST'];

const stringMatch = (values: string[]) =>
  fc.oneof(
    fc.record({ exact: fc.constantFrom(...values) }),
    fc.record({ prefix: fc.constantFrom(...values) }),
    fc.record({ regex: fc.constantFrom('tenant-.*', '.*/legacy/[a-z]+', 'tenant-1', 'x|t') }),
  );

const match: fc.Arbitrary<HTTPMatchRequest> = fc.record(
  {
    uri: stringMatch(PATHS),
    headers: fc.dictionary(fc.constantFrom('x-tenant', 'x-v'), stringMatch(VALUES), {
      maxKeys: 2,
    }),
    method: fc.record({ exact: fc.constantFrom(...METHODS) }),
    ignoreUriCase: fc.boolean(),
  },
  { requiredKeys: [] },
);

// Enough routes to cross the index's thresholds (8 routes pinning one header or method).
const table = fc.array(fc.array(match, { minLength: 0, maxLength: 2 }), {
  minLength: 1,
  maxLength: 40,
});

const request = fc.record({
  path: fc.constantFrom(...PATHS),
  method: fc.constantFrom(...METHODS),
  headers: fc.dictionary(fc.constantFrom('x-tenant', 'x-v'), fc.constantFrom(...VALUES), {
    maxKeys: 2,
  }),
});

function virtualService(routes: HTTPMatchRequest[][]): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'r', namespace: 'default' },
    spec: {
      hosts: ['r'],
      http: routes.map((m, i) => ({
        name: `r${i}`,
        ...(m.length > 0 && { match: m }),
        route: [{ destination: { host: 'r' } }],
      })),
    },
  };
}

describe('the route index never changes which route wins', () => {
  it('route() equals a first-match scan over every route', () => {
    fc.assert(
      fc.property(table, fc.array(request, { minLength: 1, maxLength: 10 }), (routes, reqs) => {
        const config = compile([virtualService(routes)]);
        const vhost = config.mesh.exact['r.default.svc.cluster.local']![0]!;
        for (const r of reqs) {
          const input = { authority: 'r', ...r };
          const prepared = new PreparedHttpRequest(input, 'mesh');
          // A route without match blocks matches every request.
          const first = vhost.http.find(
            (h) => h.matches.length === 0 || h.matches.some((m) => m(prepared)),
          );
          const got = route(config, input);
          expect(got.action === 'no-route' ? undefined : got.routeName).toBe(first?.name);
        }
      }),
      { numRuns: 300 },
    );
  });
});
