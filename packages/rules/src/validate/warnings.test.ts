// Deprecated fields and configs Istio accepts but flags: warnings, never errors.
import { parseResources } from '../parse.js';
import { validateResource } from './index.js';

const vs = (http: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: t}
spec:
  hosts: [r]
  http:
  - route: [{destination: {host: r}}]
${http}`;

const cases: [rule: string, yaml: string, path: string, message: string][] = [
  [
    'mirrorPercent is deprecated',
    vs('    mirror: {host: m}\n    mirrorPercent: 50'),
    'spec.http[0].mirrorPercent',
    'deprecated',
  ],
  [
    'delay.percent is deprecated',
    vs('    fault: {delay: {fixedDelay: 1s, percent: 10}}'),
    'spec.http[0].fault.delay.percent',
    'deprecated',
  ],
  [
    'delay.percent out of range is only a warning (Istio no longer checks it)',
    vs('    fault: {delay: {fixedDelay: 1s, percent: 150}}'),
    'spec.http[0].fault.delay.percent',
    'percent 150 is not within 0..100',
  ],
  [
    'negative consecutiveErrors is only deprecated (Istio does not range-check it)',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: t}\nspec:\n  host: r\n  trafficPolicy: {outlierDetection: {consecutiveErrors: -1}}\n',
    'spec.trafficPolicy.outlierDetection.consecutiveErrors',
    'deprecated',
  ],
  [
    'allowOrigin is deprecated',
    vs('    corsPolicy: {allowOrigin: ["https://a"]}'),
    'spec.http[0].corsPolicy.allowOrigin',
    'deprecated',
  ],
  [
    'abort without a status injects nothing',
    vs('    fault: {abort: {percentage: {value: 5}}}'),
    'spec.http[0].fault.abort',
    'injects nothing',
  ],
  [
    // Istio's validateHTTPFaultInjectionDelay switches on the delay type with no default case.
    'delay without fixedDelay is accepted but injects nothing',
    vs('    fault: {delay: {percentage: {value: 10}}}'),
    'spec.http[0].fault.delay.fixedDelay',
    'injects nothing',
  ],
  [
    // Istio's webhook never looks inside delegate; the reference just resolves to nothing.
    'delegate without a name is accepted but resolves to nothing',
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: t}\nspec:\n  hosts: [r]\n  http: [{delegate: {namespace: ns2}}]\n',
    'spec.http[0].delegate.name',
    'refers to no VirtualService',
  ],
  [
    'delegate with a non-DNS name is accepted but resolves to nothing',
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: t}\nspec:\n  hosts: [r]\n  http: [{delegate: {name: Bad_Name}}]\n',
    'spec.http[0].delegate.name',
    'no VirtualService has it',
  ],
  [
    'consecutiveErrors is deprecated',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: t}\nspec:\n  host: r\n  trafficPolicy: {outlierDetection: {consecutiveErrors: 5}}\n',
    'spec.trafficPolicy.outlierDetection.consecutiveErrors',
    'deprecated',
  ],
  [
    'top-level minimumRingSize is deprecated',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: t}\nspec:\n  host: r\n  trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 1024}}}\n',
    'spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize',
    'deprecated',
  ],
];

describe('warnings', () => {
  it.each(cases)('%s', (_rule, yaml, path, message) => {
    const { resources, diagnostics } = parseResources(yaml);
    expect(diagnostics).toEqual([]);
    const found = validateResource(resources[0]!);
    expect(found.filter((d) => d.severity === 'error')).toEqual([]);
    expect(found).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        path,
        message: expect.stringContaining(message),
      }),
    );
  });
});
