import {
  buildPathIndex,
  candidatesFor,
  regexLiteralStart,
  routeIndexEntries,
} from './path-index.js';
import { route } from '../route/route.js';
import { compileYaml, vs } from '../route/test-support/fixtures.js';

describe('path index keeps Envoy first-match-wins', () => {
  const config = compileYaml(
    vs(
      'idx',
      `
hosts: [idx]
http:
- name: header-first
  match: [{ headers: { x-first: { exact: '1' } } }]
  route: [{ destination: { host: a } }]
- name: deep
  match: [{ uri: { prefix: /api/v1/users } }]
  route: [{ destination: { host: a } }]
- name: mid-segment
  match: [{ uri: { prefix: /ap } }]
  route: [{ destination: { host: a } }]
- name: regex-optional
  match: [{ uri: { regex: '/opt/ab?' } }]
  route: [{ destination: { host: a } }]
- name: exact
  match: [{ uri: { exact: /api/v2 } }]
  route: [{ destination: { host: a } }]
- name: case
  match: [{ uri: { prefix: /CASE/ }, ignoreUriCase: true }]
  route: [{ destination: { host: a } }]
- name: api
  match: [{ uri: { prefix: /api/ } }]
  route: [{ destination: { host: a } }]
`,
    ),
  );
  const name = (path: string, headers: Record<string, string> = {}) => {
    const r = route(config, { authority: 'idx', path, headers });
    return r.action === 'no-route' ? r.reason : r.routeName;
  };
  it.each([
    [
      'an unpinned route before pinned ones still wins',
      '/api/v1/users/7',
      { 'x-first': '1' },
      'header-first',
    ],
    ['the deepest pinned route', '/api/v1/users/7', {}, 'deep'],
    [
      'a prefix ending inside a segment is pinned to the parent',
      '/api/v1/other',
      {},
      'mid-segment',
    ],
    ['a regex whose last literal is optional', '/opt/a', {}, 'regex-optional'],
    ['ignoreUriCase routes are tried for every path', '/case/x', {}, 'case'],
    ['no candidate matches', '/zzz', {}, 'no-route-matched'],
    [
      'a request target without a leading slash sees only unpinned routes',
      '*',
      {},
      'no-route-matched',
    ],
  ])('%s', (_n, path, headers, expected) => {
    expect(name(path, headers)).toBe(expected);
  });

  it('exact path is pinned to its parent segments', () => {
    const index = buildPathIndex([routeIndexEntries([{ uri: { exact: '/api/v2' } }])]);
    expect(candidatesFor(index, '/api/v2', {})).toEqual([0]);
    expect(candidatesFor(index, '/other', {})).toEqual([]);
  });

  it.each([
    ['/api/v[0-9]+', '/api/v'],
    ['/api/ab*', '/api/a'],
    ['/x/y{0,2}', '/x/'],
    ['/a|/b', undefined],
    ['.*', ''],
  ])('regex %s has literal start %s', (pattern, expected) => {
    expect(regexLiteralStart(pattern)).toBe(expected);
  });
});

describe('header dispatch keeps Envoy first-match-wins', () => {
  const tenantRoute = (i: number) =>
    `- name: t${i}\n  match: [{ headers: { X-Tenant: { exact: t${i} } } }]\n  route: [{ destination: { host: a } }]\n`;
  const config = compileYaml(
    vs(
      'tenants',
      `hosts: [tenants]\nhttp:\n` +
        [0, 1, 2, 3, 4].map(tenantRoute).join('') +
        `- name: unpinned-middle\n  match: [{ uri: { prefix: /special } }]\n  route: [{ destination: { host: a } }]\n` +
        `- name: two-values\n  match: [{ headers: { x-tenant: { exact: blue } } }, { headers: { x-tenant: { exact: green } } }]\n  route: [{ destination: { host: a } }]\n` +
        `- name: half-pinned\n  match: [{ headers: { x-tenant: { exact: red } } }, { uri: { prefix: /red } }]\n  route: [{ destination: { host: a } }]\n` +
        [5, 6, 7, 8, 9].map(tenantRoute).join(''),
    ),
  );
  const name = (path: string, headers: Record<string, string>) => {
    const r = route(config, { authority: 'tenants', path, headers });
    return r.action === 'no-route' ? r.reason : r.routeName;
  };
  it('a dispatch is built for the header most routes pin', () => {
    const index = config.mesh.exact['tenants.default.svc.cluster.local']![0]!.httpIndex;
    expect(index.root.dispatch?.header).toBe('x-tenant');
  });
  it.each([
    ['a pinned route after an unpinned one', '/x', { 'x-tenant': 't9' }, 't9'],
    [
      'an unpinned route earlier in the list still wins',
      '/special',
      { 'x-tenant': 't9' },
      'unpinned-middle',
    ],
    ['a pinned route before the unpinned one wins', '/special', { 'x-tenant': 't1' }, 't1'],
    [
      'each value of a route pinned by several matches',
      '/x',
      { 'x-tenant': 'green' },
      'two-values',
    ],
    [
      'a route pinned in only some matches is tried for every value',
      '/red/1',
      { 'x-tenant': 't7' },
      'half-pinned',
    ],
    [
      'an unknown value leaves the unpinned routes',
      '/x',
      { 'x-tenant': 'nobody' },
      'no-route-matched',
    ],
    ['an absent header leaves the unpinned routes', '/red', {}, 'half-pinned'],
  ])('%s', (_n, path, headers, expected) => {
    expect(name(path, headers)).toBe(expected);
  });
});
