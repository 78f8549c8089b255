import type { Sidecar } from '@mesh/rules';
import type { ProxyNode } from '../model.js';
import { egressScope, scopeAdmits } from './index.js';
import { nodeOf, resourcesOf, workload } from './test-support/fixtures.js';

const node: ProxyNode = nodeOf(workload('reviews-v1', '10.0.0.3'));

function scopeOf(...hosts: string[]) {
  const [sidecar] = resourcesOf(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  egress:
    - hosts: ${JSON.stringify(hosts)}
`) as Sidecar[];
  return egressScope(sidecar!, node, 'svc.cluster.local');
}

describe('scopeAdmits', () => {
  it('matches exact, wildcard and any-namespace entries', () => {
    const scope = scopeOf(
      'other/ratings.other.svc.cluster.local',
      '*/*.example.com',
      'istio-system/*',
    );
    expect(scopeAdmits(scope, 'other', ['ratings.other.svc.cluster.local'])).toBe(true);
    expect(scopeAdmits(scope, 'other', ['audit.other.svc.cluster.local'])).toBe(false);
    expect(scopeAdmits(scope, 'team-a', ['api.example.com'])).toBe(true);
    expect(scopeAdmits(scope, 'team-a', ['example.com'])).toBe(false);
    expect(scopeAdmits(scope, 'istio-system', ['anything.istio-system.svc.cluster.local'])).toBe(
      true,
    );
    expect(scopeAdmits(scope, 'default', ['reviews.default.svc.cluster.local'])).toBe(false);
  });

  it("reads '.' as the proxy's namespace and admits any VirtualService host that matches", () => {
    const scope = scopeOf('./*.default.svc.cluster.local');
    expect(
      scopeAdmits(scope, 'default', ['x.example.com', 'reviews.default.svc.cluster.local']),
    ).toBe(true);
    expect(scopeAdmits(scope, 'default', ['x.example.com'])).toBe(false);
  });

  it('imports everything without egress listeners', () => {
    expect(scopeAdmits(undefined, 'anywhere', ['anything.example.com'])).toBe(true);
  });
});
