import { candidatesFor, mergeAscending } from './path-index.js';
import { hasPrefix, literalRegex } from './http-match.js';
import { route } from '../route/route.js';
import { compileYaml, vs } from '../route/test-support/fixtures.js';
import { PreparedHttpRequest } from '../route/prepare.js';

// Routes told apart only by a header PREFIX (and a POST-only fallback match) are narrowed by the
// entry-level match groups; these pin that narrowing never changes which route wins.
describe('match groups keep Envoy first-match-wins', () => {
  const tenant = (i: number) =>
    `- name: t${i}\n  match:\n  - { uri: { prefix: /api/ }, headers: { X-Tenant: { prefix: 'tenant-${i}-' } } }\n` +
    `  - { uri: { regex: '.*/legacy/[a-z]+' }, method: { exact: POST } }\n  route: [{ destination: { host: a } }]\n`;
  const config = compileYaml(
    vs(
      'prefixes',
      `hosts: [prefixes]\nhttp:\n` +
        [0, 1, 2, 3, 4].map(tenant).join('') +
        `- name: unpinned-middle\n  match: [{ uri: { prefix: /api/special } }]\n  route: [{ destination: { host: a } }]\n` +
        `- name: short-prefix\n  match: [{ headers: { x-tenant: { prefix: 'tenant-1' } } }]\n  route: [{ destination: { host: a } }]\n` +
        `- name: empty-prefix\n  match: [{ headers: { x-tenant: { prefix: '' } }, uri: { prefix: /present } }]\n  route: [{ destination: { host: a } }]\n` +
        [5, 6, 7, 8, 9, 10, 11].map(tenant).join(''),
    ),
  );
  const name = (path: string, headers: Record<string, string>, method = 'GET') => {
    const r = route(config, { authority: 'prefixes', path, headers, method });
    return r.action === 'no-route' ? r.reason : r.routeName;
  };
  it('groups are built where no exact dispatch is', () => {
    const index = config.mesh.exact['prefixes.default.svc.cluster.local']![0]!.httpIndex;
    const node = index.root.children['api']!;
    expect(node.dispatch).toBeUndefined();
    expect(node.groups?.groups.map((g) => `${g.on}:${g.kind}`)).toEqual([
      'header:prefix',
      'method:exact',
    ]);
    expect(candidatesFor(index, '/api/x', { 'x-tenant': 'tenant-9-eu' }, 'GET')).toEqual([
      5, 7, 12,
    ]);
    // Without a method every method-pinned match stays a candidate; short-prefix (6) cannot match.
    expect(candidatesFor(index, '/api/x', { 'x-tenant': 'zzz' })).toEqual([
      0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14,
    ]);
  });
  it.each([
    ['a prefix-pinned route after unpinned ones', '/api/x', { 'x-tenant': 'tenant-9-eu' }, 't9'],
    [
      'the longest prefix keeps shorter ones',
      '/api/x',
      { 'x-tenant': 'tenant-10-eu' },
      'short-prefix',
    ],
    ['a shorter prefix earlier in the list wins', '/api/x', { 'x-tenant': 'tenant-1-eu' }, 't1'],
    [
      'an unpinned route earlier in the list wins',
      '/api/special',
      { 'x-tenant': 'tenant-7-x' },
      'unpinned-middle',
    ],
    ['the empty prefix means present', '/present', { 'x-tenant': 'zzz' }, 'empty-prefix'],
    ['an absent header leaves no prefix candidate', '/present', {}, 'no-route-matched'],
    ['an unknown value', '/api/x', { 'x-tenant': 'other' }, 'no-route-matched'],
    ['prefix is case-sensitive', '/api/x', { 'x-tenant': 'TENANT-3-eu' }, 'no-route-matched'],
  ])('%s', (_n, path, headers, expected) => {
    expect(name(path, headers)).toBe(expected);
  });
  it('the method group finds the first POST fallback', () => {
    expect(name('/a/legacy/x', { 'x-tenant': 'tenant-9-eu' }, 'POST')).toBe('t0');
    expect(name('/a/legacy/x', { 'x-tenant': 'tenant-9-eu' }, 'GET')).toBe('no-route-matched');
  });
  it('agrees with a plain linear scan over every route', () => {
    const vhost = config.mesh.exact['prefixes.default.svc.cluster.local']![0]!;
    const tenants = ['tenant-0-a', 'tenant-1-', 'tenant-10-', 'tenant-11-x', 'tenant-9', 'x', ''];
    for (const t of [...tenants, undefined]) {
      for (const method of ['GET', 'POST']) {
        for (const path of ['/api/a', '/api/special/1', '/b/legacy/z', '/present', '/']) {
          const headers: Record<string, string> = t === undefined ? {} : { 'x-tenant': t };
          const req = new PreparedHttpRequest(
            { authority: 'prefixes', path, headers, method },
            'mesh',
          );
          const first = vhost.http.find((r) => r.matches.some((m) => m(req)));
          const got = route(config, { authority: 'prefixes', path, headers, method });
          expect(got.action === 'no-route' ? undefined : got.routeName).toBe(first?.name);
        }
      }
    }
  });
});

describe('mergeAscending', () => {
  it('unions without duplicates, ascending', () => {
    expect(mergeAscending([1, 3, 5], [2, 3, 6])).toEqual([1, 2, 3, 5, 6]);
    expect(mergeAscending([], [4])).toEqual([4]);
  });
});

describe('cheap string checks', () => {
  it.each([
    ['tenant-1-eu', 'tenant-1-', true],
    ['tenant-1', 'tenant-1-', false],
    ['', '', true],
    ['abc', '', true],
    ['xbc', 'abc', false],
    ['é-x', 'é', true],
  ])('hasPrefix(%j, %j) is startsWith', (value, prefix, expected) => {
    expect(hasPrefix(value, prefix)).toBe(expected);
    expect(value.startsWith(prefix)).toBe(expected);
  });
  it.each([
    ['v1', 'v1'],
    ['', ''],
    ['a b-c_d/e', 'a b-c_d/e'],
    ['v1.*', undefined],
    ['v[12]', undefined],
    ['a\\.b', undefined],
    ['é', undefined],
    ['*', undefined],
  ])('regex %j is literal %j', (regex, expected) => {
    expect(literalRegex({ regex })).toBe(expected);
  });
  it('a literal regex is still a full match, header and uri', () => {
    const config = compileYaml(
      vs(
        'lit',
        `hosts: [lit]\nhttp:\n- name: hdr\n  match: [{ headers: { x-v: { regex: v1 } } }]\n  route: [{ destination: { host: a } }]\n` +
          `- name: uri\n  match: [{ uri: { regex: /exact/path } }]\n  route: [{ destination: { host: a } }]\n` +
          `- name: without\n  match: [{ withoutHeaders: { x-w: { regex: no } } }, { uri: { prefix: /never } }]\n  route: [{ destination: { host: a } }]\n`,
      ),
    );
    const name = (path: string, headers: Record<string, string>) => {
      const r = route(config, { authority: 'lit', path, headers });
      return r.action === 'no-route' ? r.reason : r.routeName;
    };
    expect(name('/x', { 'x-v': 'v1' })).toBe('hdr');
    expect(name('/exact/path', { 'x-v': 'v10', 'x-w': 'no' })).toBe('uri');
    expect(name('/exact/path/more', { 'x-v': 'V1' })).toBe('without');
    expect(name('/x', { 'x-w': 'no' })).toBe('no-route-matched');
  });
});
