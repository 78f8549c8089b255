import { doc, findings } from './test-support/findings.js';
import { liveFindings, onlyFinding, workload } from './test-support/live.js';

const NOT_SERVED = 'MESH-A0024';
const REQUIRED = 'MESH-A0025';
const vsTo = (dest: string) =>
  doc(
    'VirtualService',
    'name: ratings',
    `{ hosts: [ratings], http: [{ route: [{ destination: ${dest} }] }] }`,
  );
/** ratings v1 serves 9080, a ratings-admin workload of the same service serves 9090. */
const TWO_PORTS = {
  workloads: [
    workload('ratings-v1', { app: 'ratings', version: 'v1' }),
    workload('ratings-admin', { app: 'ratings', version: 'admin' }, { ports: [9090] }),
  ],
};

describe('MESH-A0024 destination port not served by the registered workloads', () => {
  it.each([
    {
      rule: 'a port no workload of the host serves',
      yaml: vsTo('{ host: ratings, port: { number: 8080 } }'),
      want: [
        `error ${NOT_SERVED} VirtualService default/ratings spec.http[0].route[0].destination.port.number`,
      ],
    },
    {
      rule: 'the port the workloads serve: no finding',
      yaml: vsTo('{ host: ratings, port: { number: 9080 } }'),
      want: [],
    },
    {
      rule: 'the port one of several workloads serves: no finding',
      yaml: vsTo('{ host: ratings, port: { number: 9090 } }'),
      registry: TWO_PORTS,
      want: [],
    },
    {
      rule: 'workloads that register no ports give nothing to compare (the curl client)',
      yaml: vsTo('{ host: curl, port: { number: 80 } }'),
      want: [],
    },
    {
      rule: 'a ServiceEntry host is MESH-A0016, not this',
      yaml:
        vsTo('{ host: ratings, port: { number: 8080 } }') +
        doc(
          'ServiceEntry',
          'name: ratings',
          '{ hosts: [ratings], ports: [{ number: 8080, name: http, protocol: HTTP }], resolution: STATIC, workloadSelector: { labels: { app: ratings } } }',
        ),
      want: [],
    },
  ])('$rule', ({ yaml, want, registry }) => {
    expect(liveFindings(NOT_SERVED, yaml, registry)).toEqual(want);
  });

  it('lists the ports served', () => {
    expect(onlyFinding(NOT_SERVED, vsTo('{ host: ratings, port: { number: 8080 } }'))).toEqual({
      message:
        'destination "ratings.default.svc.cluster.local:8080": its 1 registered workload serves only port 9080, so requests get 503 (NC)',
      hint: 'Use port 9080, or register the workloads with port 8080.',
    });
  });
});

describe('MESH-A0025 destination port required: the registered workloads serve several ports', () => {
  it.each([
    {
      rule: 'no port while the workloads serve 9080 and 9090',
      yaml: vsTo('{ host: ratings }'),
      registry: TWO_PORTS,
      want: [`error ${REQUIRED} VirtualService default/ratings spec.http[0].route[0].destination`],
    },
    {
      rule: 'no port and a single port served: Istio picks it, no finding',
      yaml: vsTo('{ host: ratings }'),
      registry: undefined,
      want: [],
    },
    {
      rule: 'a port given: no finding',
      yaml: vsTo('{ host: ratings, port: { number: 9090 } }'),
      registry: TWO_PORTS,
      want: [],
    },
  ])('$rule', ({ yaml, want, registry }) => {
    expect(liveFindings(REQUIRED, yaml, registry)).toEqual(want);
  });

  it('runs only against a live registry', () => {
    expect(
      findings(NOT_SERVED, vsTo('{ host: ratings, port: { number: 8080 } }'), [
        'ratings.default.svc.cluster.local',
      ]),
    ).toEqual([]);
  });
});
