import { doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0004';
const known = ['r.default.svc.cluster.local'];
const to = 'route: [{ destination: { host: r } }]';
const vs = (...matches: string[]) =>
  doc(
    'VirtualService',
    'name: r',
    `{ hosts: [r], http: [${matches.map((m) => `{ match: ${m}, ${to} }`).join(', ')}] }`,
  );

describe('MESH-A0004 http match block identical to an earlier one', () => {
  it.each([
    {
      rule: 'same block in a later route, keys in another order and another name',
      yaml: vs(
        '[{ name: a, uri: { prefix: /api }, headers: { x: { exact: "1" } } }]',
        '[{ headers: { x: { exact: "1" } }, uri: { prefix: /api }, name: b }]',
      ),
      want: [`warning ${CODE} VirtualService default/r spec.http[1].match[0]`],
    },
    {
      rule: 'same block twice in one route',
      yaml: vs('[{ uri: { prefix: /api } }, { uri: { prefix: /api }, ignoreUriCase: false }]'),
      want: [`warning ${CODE} VirtualService default/r spec.http[0].match[1]`],
    },
    {
      rule: 'different header value: no finding',
      yaml: vs(
        '[{ uri: { prefix: /api }, headers: { x: { exact: "1" } } }]',
        '[{ uri: { prefix: /api }, headers: { x: { exact: "2" } } }]',
      ),
      want: [],
    },
    {
      rule: 'ignoreUriCase makes a different match',
      yaml: vs('[{ uri: { prefix: /api } }]', '[{ uri: { prefix: /api }, ignoreUriCase: true }]'),
      want: [],
    },
    {
      rule: 'routes after a catch-all are left to MESH-A0003',
      yaml: vs('[{ uri: { prefix: / } }]', '[{ uri: { prefix: / } }]'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
