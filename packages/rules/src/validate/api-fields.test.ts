// Schema-level checks for fields added from current istio/api: protobuf JSON types are accepted
// as Istio accepts them, and values of the wrong type (or unknown fields) are still errors.
import { parseResources } from '../parse.js';

const dr = (trafficPolicy: string): string =>
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: t, namespace: ns1}
spec:
  host: r
  trafficPolicy: ${trafficPolicy}
`;

describe('schemas for newer istio/api fields', () => {
  it('reads uint64 hash sizes given as numbers or decimal strings', () => {
    const { resources, diagnostics } = parseResources(
      dr(
        `{loadBalancer: {consistentHash: {useSourceIp: true, ringHash: {minimumRingSize: "4096"}}}}`,
      ),
    );
    expect(diagnostics).toEqual([]);
    const spec = resources[0]!.spec as {
      trafficPolicy: {
        loadBalancer: { consistentHash: { ringHash: { minimumRingSize: number } } };
      };
    };
    expect(spec.trafficPolicy.loadBalancer.consistentHash.ringHash.minimumRingSize).toBe(4096);
  });

  it.each([
    [
      'a non-numeric uint64',
      `{loadBalancer: {consistentHash: {maglev: {tableSize: "big"}}}}`,
      'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize',
    ],
    [
      'a negative UInt32Value counter',
      `{outlierDetection: {consecutive5xxErrors: -1}}`,
      'spec.trafficPolicy.outlierDetection.consecutive5xxErrors',
    ],
    [
      'retryBudget percent as a string',
      `{retryBudget: {percent: "20%"}}`,
      'spec.trafficPolicy.retryBudget.percent',
    ],
    [
      'an unknown retryBudget field',
      `{retryBudget: {percent: 20, interval: 10s}}`,
      'spec.trafficPolicy.retryBudget.interval',
    ],
  ])('rejects %s', (_name, policy, path) => {
    const { diagnostics } = parseResources(dr(policy));
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.path)).toContain(path);
  });
});
