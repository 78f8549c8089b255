import { parseResources } from '../parse.js';
import { analyze } from './index.js';

const vs = (subset: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: ${subset} }
`;
const dr = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;
const known = { knownHosts: ['reviews.default.svc.cluster.local'] };

describe('MESH-A0013 resource defined more than once', () => {
  it('reports the earlier definition and analyzes only the later one', () => {
    const first = parseResources(vs('v9'), { file: 'a.yaml' }).resources;
    const second = parseResources(vs('v2') + '---' + dr, { file: 'b.yaml' }).resources;
    const findings = analyze([...first, ...second], known);
    expect(findings).toMatchObject([
      {
        code: 'MESH-A0013',
        severity: 'warning',
        kind: 'VirtualService',
        name: 'reviews',
        source: { file: 'a.yaml' },
      },
    ]);
    expect(findings[0]!.message).toContain('b.yaml');
    // The earlier VS's missing subset v9 no longer counts: only the later VS is in effect.
    expect(findings.some((f) => f.code === 'MESH-A0001')).toBe(false);
  });

  it('is silent when every resource is defined once', () => {
    const { resources } = parseResources(vs('v1') + '---' + dr);
    expect(analyze(resources, known)).toEqual([]);
  });
});
