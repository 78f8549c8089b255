import { compile } from './compile.js';
import { route } from '../route/route.js';
import { compileYaml, resourcesOf, vs, REVIEWS } from '../route/test-support/fixtures.js';

describe('compile', () => {
  const yaml = vs(
    'reviews',
    `
hosts: [reviews]
http:
- name: bad-regex
  match: [{ uri: { regex: '(unclosed' } }]
  route: [{ destination: { host: reviews } }]
- name: rest
  corsPolicy: { allowMethods: [GET] }
  route: [{ destination: { host: reviews, subset: v1 } }]
`,
  );

  it('compiled config is deeply frozen', () => {
    const config = compileYaml(yaml);
    const entry = config.mesh.exact[REVIEWS]![0]!;
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.mesh.exact)).toBe(true);
    expect(Object.isFrozen(entry.http)).toBe(true);
    expect(Object.isFrozen(entry.http[1]!.destinations[0])).toBe(true);
    expect(Object.isFrozen(entry.http[1]!.cors?.allowMethods)).toBe(true);
  });

  it('does not freeze or change the resources it was given', () => {
    const resources = resourcesOf(yaml);
    const before = JSON.stringify(resources);
    compile(resources);
    expect(Object.isFrozen(resources[0])).toBe(false);
    expect(JSON.stringify(resources)).toBe(before);
  });

  it('never throws on a regex RE2 rejects: that match never matches', () => {
    const config = compileYaml(yaml);
    const r = route(config, { authority: 'reviews', path: '(unclosed' });
    expect(r.action === 'forward' && r.routeName).toBe('rest');
  });

  it('a VirtualService without hosts is only a delegate: it routes nothing by itself', () => {
    const config = compileYaml(vs('d', `http: [{ route: [{ destination: { host: x } }] }]`));
    expect(Object.keys(config.mesh.exact)).toEqual([]);
  });

  it('gateway names resolve against the VirtualService namespace', () => {
    const config = compileYaml(
      vs(
        'g',
        `hosts: [a.io]\ngateways: [gw, other/gw2, mesh]\nhttp: [{ route: [{ destination: { host: a.io } }] }]`,
        'ns1',
      ),
    );
    expect(Object.keys(config.gateways).sort()).toEqual(['ns1/gw', 'other/gw2']);
    expect(Object.keys(config.mesh.exact)).toEqual(['a.io']);
  });
});
