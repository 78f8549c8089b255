import { parseResources } from '@mesh/rules';
import { kubeServicesIn } from './kube-services.js';
import { service, vs } from './test-support/fixtures.js';

const servicesIn = (text: string, defaultNamespace = 'default') => {
  const parsed = parseResources(text, { file: 'f.yaml', defaultNamespace });
  return kubeServicesIn(parsed.skipped, parsed.diagnostics).map(
    ({ name, namespace, host, note }) => ({
      name,
      namespace,
      host,
      document: note?.source?.document,
    }),
  );
};

describe('kubeServicesIn', () => {
  it('turns v1 Services into cluster-local hosts, defaulting the namespace', () => {
    const text = [
      service('reviews'),
      service('ratings', 'shop'),
      vs('r', '  hosts: [reviews]\n'),
    ].join('---\n');
    expect(servicesIn(text, 'bookinfo')).toEqual([
      {
        name: 'reviews',
        namespace: 'bookinfo',
        document: 0,
        host: 'reviews.bookinfo.svc.cluster.local',
      },
      { name: 'ratings', namespace: 'shop', document: 1, host: 'ratings.shop.svc.cluster.local' },
    ]);
  });

  it('finds Services inside a kind: List', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: details}\n';
    expect(servicesIn(text).map((s) => s.host)).toEqual(['details.default.svc.cluster.local']);
  });

  it('ignores other kinds, other apiVersions, unnamed Services and broken documents', () => {
    const text = [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: reviews-v1}\n',
      'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k}\n',
      'apiVersion: v1\nkind: Service\nmetadata: {}\n',
      'a: [\n',
    ].join('---\n');
    expect(servicesIn(text)).toEqual([]);
  });

  it('finds nothing in binary input or an empty file', () => {
    expect(servicesIn('\u0000\u0001\u0002')).toEqual([]);
    expect(servicesIn('')).toEqual([]);
  });
});
