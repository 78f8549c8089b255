import { doc, findings } from './test-support/findings.js';
import { BOOKINFO_REGISTRY, liveFindings, onlyFinding, workload } from './test-support/live.js';

const CODE = 'MESH-A0022';
const gateway = (meta: string, selector: string) =>
  doc(
    'Gateway',
    meta,
    `{ ${selector} servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }] }`,
  );
const sidecar = (meta: string, labels: string) =>
  doc('Sidecar', meta, `{ workloadSelector: { labels: ${labels} }, egress: [{ hosts: ["./*"] }] }`);
const serviceEntry = (labels: string) =>
  doc(
    'ServiceEntry',
    'name: billing',
    `{ hosts: [billing.internal], ports: [{ number: 80, name: http, protocol: HTTP }], resolution: STATIC, workloadSelector: { labels: ${labels} } }`,
  );

describe('MESH-A0022 workload selector matches no registered workload', () => {
  it.each([
    {
      rule: 'Gateway selector no workload carries',
      yaml: gateway('name: egress', 'selector: { istio: egressgateway },'),
      want: [`warning ${CODE} Gateway default/egress spec.selector`],
    },
    {
      rule: 'Gateway selecting the ingress gateway in another namespace: no finding',
      yaml: gateway('name: bookinfo-gateway', 'selector: { istio: ingressgateway },'),
      want: [],
    },
    {
      rule: 'Gateway without selector labels configures no proxy in this mesh',
      yaml: gateway('name: all', ''),
      want: [`warning ${CODE} Gateway default/all spec.selector`],
    },
    {
      rule: 'Sidecar selecting a version that is not running',
      yaml: sidecar('name: reviews-v5', '{ app: reviews, version: v5 }'),
      want: [`warning ${CODE} Sidecar default/reviews-v5 spec.workloadSelector.labels`],
    },
    {
      rule: 'Sidecar selecting running workloads: no finding',
      yaml: sidecar('name: reviews', '{ app: reviews }'),
      want: [],
    },
    {
      rule: 'Sidecar selectors look in their own namespace only',
      yaml: sidecar('name: reviews, namespace: shop', '{ app: reviews }'),
      want: [`warning ${CODE} Sidecar shop/reviews spec.workloadSelector.labels`],
    },
    {
      rule: 'Sidecar without a selector applies to its namespace: no finding',
      yaml: doc('Sidecar', 'name: default', '{ egress: [{ hosts: ["./*"] }] }'),
      want: [],
    },
    {
      rule: 'ServiceEntry selecting no WorkloadEntry and no workload',
      yaml: serviceEntry('{ app: billing }'),
      want: [`warning ${CODE} ServiceEntry default/billing spec.workloadSelector.labels`],
    },
    {
      rule: 'ServiceEntry selecting a WorkloadEntry: no finding',
      yaml:
        serviceEntry('{ app: billing }') +
        doc('WorkloadEntry', 'name: billing-vm', '{ address: 10.0.0.7, labels: { app: billing } }'),
      want: [],
    },
    {
      rule: 'ServiceEntry selecting a registered workload: no finding',
      yaml: serviceEntry('{ app: ratings }'),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(liveFindings(CODE, yaml)).toEqual(want);
  });

  it('shows what similar workloads carry', () => {
    expect(onlyFinding(CODE, sidecar('name: reviews-v5', '{ app: reviews, version: v5 }'))).toEqual(
      {
        message:
          'workloadSelector app=reviews, version=v5 matches no registered workload in namespace "default", so this Sidecar configures no proxy; similar workloads have app=reviews; version=v1, v2, v3',
        hint: 'Fix the labels to match the workloads meant, or delete the Sidecar if they are gone.',
      },
    );
    expect(
      onlyFinding(CODE, gateway('name: egress', 'selector: { istio: egressgateway },')).message,
    ).toBe(
      'selector istio=egressgateway matches no registered workload in any namespace, so no gateway proxy serves this Gateway; similar workloads have istio=ingressgateway',
    );
    expect(
      onlyFinding(CODE, gateway('name: egress', 'selector: { app: egress },'), {
        workloads: [workload('a', { team: 'x' })],
      }).message,
    ).toBe(
      'selector app=egress matches no registered workload in any namespace, so no gateway proxy serves this Gateway',
    );
    expect(onlyFinding(CODE, serviceEntry('{ app: billing }')).message).toBe(
      'workloadSelector app=billing matches no WorkloadEntry or registered workload in namespace "default", so billing.internal gets no endpoints from it; similar workloads have app=curl, details, httpbin, productpage, ratings, reviews, tcp-echo',
    );
  });

  it('runs only against a live registry', () => {
    expect(findings(CODE, gateway('name: egress', 'selector: { istio: egressgateway },'))).toEqual(
      [],
    );
    expect(liveFindings(CODE, sidecar('name: s', '{ app: reviews }'), { workloads: [] })).toEqual([
      `warning ${CODE} Sidecar default/s spec.workloadSelector.labels`,
    ]);
    expect(BOOKINFO_REGISTRY.workloads.length).toBe(12);
  });
});
