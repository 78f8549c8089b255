import { doc, findings } from './test-support/findings.js';

const known = ['shop.default.svc.cluster.local'];
const root = (delegate: string) =>
  doc(
    'VirtualService',
    'name: root',
    `{ hosts: [shop.example.com], http: [{ match: [{ uri: { prefix: /cart } }], delegate: ${delegate} }, { route: [{ destination: { host: shop } }] }] }`,
  );
const delegateVs = (meta: string, hosts = '') =>
  doc(
    'VirtualService',
    meta,
    `{ ${hosts} http: [{ route: [{ destination: { host: shop.default.svc.cluster.local } }] }] }`,
  );

describe('MESH-A0011 delegate VirtualService not found', () => {
  const CODE = 'MESH-A0011';
  it.each([
    {
      rule: 'no VirtualService under that name',
      yaml: root('{ name: cart }'),
      want: [`error ${CODE} VirtualService default/root spec.http[0].delegate`],
    },
    {
      rule: 'delegate in the root namespace by default',
      yaml: root('{ name: cart }') + delegateVs('name: cart'),
      want: [],
    },
    {
      rule: 'delegate namespace given explicitly',
      yaml: root('{ name: cart, namespace: team }') + delegateVs('name: cart, namespace: team'),
      want: [],
    },
    {
      rule: 'delegate exists, but in another namespace',
      yaml: root('{ name: cart }') + delegateVs('name: cart, namespace: team'),
      want: [`error ${CODE} VirtualService default/root spec.http[0].delegate`],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});

describe('MESH-A0012 delegate VirtualService has hosts', () => {
  const CODE = 'MESH-A0012';
  it.each([
    {
      rule: 'delegate with hosts',
      yaml: root('{ name: cart }') + delegateVs('name: cart', 'hosts: [cart.example.com],'),
      want: [`error ${CODE} VirtualService default/cart spec.hosts`],
    },
    {
      rule: 'delegate without hosts',
      yaml: root('{ name: cart }') + delegateVs('name: cart'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});

describe('MESH-A0015 delegate VirtualService not exported to the root namespace', () => {
  const CODE = 'MESH-A0015';
  it.each([
    {
      rule: 'delegate in another namespace exported only to itself',
      yaml:
        root('{ name: cart, namespace: team }') +
        delegateVs('name: cart, namespace: team', 'exportTo: ["."],'),
      want: [`error ${CODE} VirtualService default/root spec.http[0].delegate`],
    },
    {
      rule: "delegate exported to the root's namespace",
      yaml:
        root('{ name: cart, namespace: team }') +
        delegateVs('name: cart, namespace: team', 'exportTo: [".", default],'),
      want: [],
    },
    {
      rule: 'delegate in the same namespace exported to "."',
      yaml: root('{ name: cart }') + delegateVs('name: cart', 'exportTo: ["."],'),
      want: [],
    },
    {
      rule: 'delegate without exportTo is visible everywhere',
      yaml: root('{ name: cart, namespace: team }') + delegateVs('name: cart, namespace: team'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
