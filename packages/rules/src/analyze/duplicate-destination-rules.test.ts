import { doc, findings } from './test-support/findings.js';

const CODE = 'MESH-A0010';
const known = ['reviews.default.svc.cluster.local'];
const dr = (meta: string, host: string, extra = '') =>
  doc(
    'DestinationRule',
    meta,
    `{ host: ${host}, ${extra} subsets: [{ name: v1, labels: { v: "1" } }] }`,
  );

describe('MESH-A0010 several DestinationRules for one host', () => {
  it.each([
    {
      rule: 'two rules for one host in one namespace, spelled short and FQDN',
      yaml: dr('name: a', 'reviews') + dr('name: b', 'reviews.default.svc.cluster.local'),
      want: [
        `warning ${CODE} DestinationRule default/a spec.host`,
        `warning ${CODE} DestinationRule default/b spec.host`,
      ],
    },
    {
      rule: 'same workload selector',
      yaml:
        dr('name: a', 'reviews', 'workloadSelector: { matchLabels: { app: x } },') +
        dr('name: b', 'reviews', 'workloadSelector: { matchLabels: { app: x } },'),
      want: [
        `warning ${CODE} DestinationRule default/a spec.host`,
        `warning ${CODE} DestinationRule default/b spec.host`,
      ],
    },
    {
      rule: 'different workload selectors: no finding',
      yaml:
        dr('name: a', 'reviews', 'workloadSelector: { matchLabels: { app: x } },') +
        dr('name: b', 'reviews'),
      want: [],
    },
    {
      rule: 'different namespaces: client-side override, no finding',
      yaml:
        dr('name: a', 'reviews.default.svc.cluster.local') +
        dr('name: b, namespace: client', 'reviews.default.svc.cluster.local'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});
