import { analyzeYaml, doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0014';
const known = ['r.default.svc.cluster.local'];
const to = 'route: [{ destination: { host: r } }]';
const vs = (routes: string[], extra = '') =>
  doc(
    'VirtualService',
    'name: r',
    `{ hosts: [r]${extra}, http: [${routes.map((m) => `{ match: ${m}, ${to} }`).join(', ')}] }`,
  );
const shadowed = (i: number) => `warning ${CODE} VirtualService default/r spec.http[${i}]`;
const uri = (m: string, more = '') => `[{ uri: ${m}${more} }]`;

describe('MESH-A0014 http route whose match blocks earlier routes all cover', () => {
  it.each([
    // Positive cases: the later route can never be the first to match.
    {
      rule: 'prefix covers a longer prefix',
      routes: [uri('{ prefix: /api }'), uri('{ prefix: /api/v1 }')],
      want: [shadowed(1)],
    },
    {
      rule: 'prefix covers an exact path under it',
      routes: [uri('{ prefix: /api }'), uri('{ exact: /api/x }')],
      want: [shadowed(1)],
    },
    {
      rule: 'regex .* covers any uri',
      routes: [
        `[{ uri: { regex: ".*" }, headers: { x: { exact: "1" } } }]`,
        `[{ uri: { exact: /a }, headers: { x: { exact: "1" } } }]`,
      ],
      want: [shadowed(1)],
    },
    {
      rule: 'earlier conditions a subset of the later ones (same header, same value)',
      routes: [
        '[{ uri: { prefix: /api }, headers: { x: { exact: "1" } } }]',
        '[{ uri: { prefix: /api/v1 }, headers: { x: { exact: "1" }, y: { exact: "2" } }, method: { exact: GET } }]',
      ],
      want: [shadowed(1)],
    },
    {
      rule: 'header presence check covered by a value check',
      routes: [
        '[{ headers: { x: {} } }]',
        '[{ headers: { x: { prefix: ab } }, uri: { prefix: /a } }]',
      ],
      want: [shadowed(1)],
    },
    {
      rule: 'ignoreUriCase earlier covers a case-sensitive later',
      routes: [uri('{ prefix: /API }', ', ignoreUriCase: true'), uri('{ exact: /api/x }')],
      want: [shadowed(1)],
    },
    {
      rule: 'every block covered, by different earlier routes',
      routes: [
        uri('{ prefix: /a }'),
        uri('{ prefix: /b }'),
        '[{ uri: { prefix: /a/1 } }, { uri: { exact: /b } }]',
      ],
      want: [shadowed(2)],
    },
    {
      rule: 'same port and sourceLabels subset',
      routes: [
        '[{ port: 8080, sourceLabels: { app: a } }]',
        '[{ port: 8080, sourceLabels: { app: a, v: "1" }, uri: { prefix: /x } }]',
      ],
      want: [shadowed(1)],
    },
    {
      rule: 'later gateways a subset of the earlier ones',
      routes: ['[{ gateways: [g1, g2] }]', '[{ gateways: [default/g1], uri: { prefix: /x } }]'],
      want: [shadowed(1)],
      extra: ', gateways: [g1, g2]',
    },
    {
      rule: 'withoutHeaders: later excludes more',
      routes: [
        '[{ withoutHeaders: { x: { exact: "1" } } }]',
        '[{ withoutHeaders: { x: { prefix: "" } }, uri: { prefix: /a } }]',
      ],
      want: [shadowed(1)],
    },
    // Negative cases: some request reaches the later route.
    {
      rule: 'longer prefix first is the right order',
      routes: [uri('{ prefix: /api/v1 }'), uri('{ prefix: /api }')],
      want: [],
    },
    {
      rule: 'one block of the later route is not covered',
      routes: [uri('{ prefix: /a }'), '[{ uri: { prefix: /a/1 } }, { uri: { prefix: /b } }]'],
      want: [],
    },
    {
      rule: 'exact does not cover a prefix',
      routes: [uri('{ exact: /api }'), uri('{ prefix: /api }')],
      want: [],
    },
    {
      rule: 'a regex other than .* never covers',
      routes: [uri('{ regex: "/api.*" }'), uri('{ prefix: /api/v1 }')],
      want: [],
    },
    {
      rule: 'case-sensitive earlier does not cover ignoreUriCase later',
      routes: [uri('{ prefix: /api }'), uri('{ prefix: /api/v1 }', ', ignoreUriCase: true')],
      want: [],
    },
    {
      rule: 'ignoreUriCase later without letters is still covered',
      routes: [uri('{ prefix: /1 }'), uri('{ prefix: /1/2 }', ', ignoreUriCase: true')],
      want: [shadowed(1)],
    },
    {
      rule: 'earlier header the later block does not require',
      routes: [
        '[{ uri: { prefix: /api }, headers: { x: { exact: "1" } } }]',
        uri('{ prefix: /api/v1 }'),
      ],
      want: [],
    },
    {
      rule: 'different header values',
      routes: [
        '[{ uri: { prefix: /a }, headers: { x: { exact: "1" } } }]',
        '[{ uri: { prefix: /a/b }, headers: { x: { exact: "2" } } }]',
      ],
      want: [],
    },
    {
      rule: 'earlier method, later has none',
      routes: ['[{ uri: { prefix: /a }, method: { exact: GET } }]', uri('{ prefix: /a/b }')],
      want: [],
    },
    {
      rule: 'earlier on one port, later on any',
      routes: ['[{ uri: { prefix: /a }, port: 80 }]', uri('{ prefix: /a/b }')],
      want: [],
    },
    {
      rule: 'earlier sourceNamespace, later none',
      routes: ['[{ uri: { prefix: /a }, sourceNamespace: x }]', uri('{ prefix: /a/b }')],
      want: [],
    },
    {
      rule: 'earlier queryParams, later none',
      routes: [
        '[{ uri: { prefix: /a }, queryParams: { q: { exact: "1" } } }]',
        uri('{ prefix: /a/b }'),
      ],
      want: [],
    },
    {
      rule: 'earlier limited to a gateway the later block is not',
      routes: ['[{ uri: { prefix: /a }, gateways: [g1] }]', uri('{ prefix: /a/b }')],
      want: [],
      extra: ', gateways: [g1, g2]',
    },
    {
      rule: 'withoutHeaders earlier, later silent',
      routes: ['[{ withoutHeaders: { x: { exact: "1" } } }]', uri('{ prefix: /a }')],
      want: [],
    },
    {
      rule: 'identical blocks are left to MESH-A0004',
      routes: [uri('{ prefix: /a }'), uri('{ prefix: /a }')],
      want: [],
    },
    {
      rule: 'routes after a catch-all are left to MESH-A0003',
      routes: ['[{}]', uri('{ prefix: /a }'), uri('{ prefix: /a/b }')],
      want: [],
    },
  ])('$rule', ({ routes, want, extra }) => {
    expect(findings(CODE, vs(routes, extra), known)).toEqual(want);
  });

  it('names the shadowing route and match block', () => {
    const yaml = doc(
      'VirtualService',
      'name: r',
      `{ hosts: [r], http: [{ name: api, match: [{ uri: { prefix: /api } }], ${to} }, { name: v1, match: [{ uri: { prefix: /api/v1 } }], ${to} }] }`,
    );
    expect(analyzeYaml(yaml, known).find((d) => d.code === CODE)?.message).toBe(
      'route spec.http[1] ("v1") is never used: every request it matches is matched first by an earlier route (match[0] by spec.http[0] ("api").match[0])',
    );
  });
});
