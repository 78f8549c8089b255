import { doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0003';
const known = ['r.default.svc.cluster.local'];
const to = 'route: [{ destination: { host: r } }]';
const vs = (...routes: string[]) =>
  doc(
    'VirtualService',
    'name: r',
    `{ hosts: [r], http: [${routes.map((m) => `{ ${m}${m ? ', ' : ''}${to} }`).join(', ')}] }`,
  );
const unreachable = (i: number) => `warning ${CODE} VirtualService default/r spec.http[${i}]`;

describe('MESH-A0003 http route unreachable after a catch-all route', () => {
  it.each([
    {
      rule: 'route without match before others',
      yaml: vs('', 'match: [{ uri: { prefix: /a } }]', 'match: [{ uri: { prefix: /b } }]'),
      want: [unreachable(1), unreachable(2)],
    },
    {
      rule: 'empty match block',
      yaml: vs('match: [{}]', 'match: [{ uri: { prefix: /a } }]'),
      want: [unreachable(1)],
    },
    {
      rule: 'uri prefix /',
      yaml: vs('match: [{ uri: { prefix: / } }]', 'match: [{ uri: { prefix: /a } }]'),
      want: [unreachable(1)],
    },
    {
      rule: 'uri prefix / with ignoreUriCase and a name',
      yaml: vs(
        'match: [{ name: all, uri: { prefix: / }, ignoreUriCase: true }]',
        'match: [{ uri: { prefix: /a } }]',
      ),
      want: [unreachable(1)],
    },
    {
      rule: 'uri regex .*',
      yaml: vs('match: [{ uri: { regex: ".*" } }]', 'match: [{ uri: { prefix: /a } }]'),
      want: [unreachable(1)],
    },
    {
      rule: 'one catch-all block among several (blocks are ORed)',
      yaml: vs(
        'match: [{ uri: { prefix: /x } }, { uri: { prefix: / } }]',
        'match: [{ uri: { prefix: /a } }]',
      ),
      want: [unreachable(1)],
    },
    {
      rule: 'catch-all last: nothing unreachable',
      yaml: vs('match: [{ uri: { prefix: /a } }]', ''),
      want: [],
    },
    {
      rule: 'prefix / plus a header condition is not a catch-all',
      yaml: vs(
        'match: [{ uri: { prefix: / }, headers: { x: { exact: "1" } } }]',
        'match: [{ uri: { prefix: /a } }]',
      ),
      want: [],
    },
    {
      rule: 'prefix / limited to a gateway is not a catch-all',
      yaml: vs(
        'match: [{ uri: { prefix: / }, gateways: [mesh] }]',
        'match: [{ uri: { prefix: /a } }]',
      ),
      want: [],
    },
    {
      rule: 'exact / is not a catch-all',
      yaml: vs('match: [{ uri: { exact: / } }]', 'match: [{ uri: { prefix: /a } }]'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
