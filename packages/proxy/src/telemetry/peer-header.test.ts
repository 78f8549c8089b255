import { encodePeer, parsePeer, selfPeer } from './peer-header.js';

describe('peer header', () => {
  const reviews = { workload: 'reviews-v2', namespace: 'default', app: 'reviews', version: 'v2' };

  it('round-trips a workload, with the service on requests', () => {
    expect(parsePeer(encodePeer(reviews))).toEqual(reviews);
    const svc = { ...reviews, service: 'reviews.default.svc.cluster.local' };
    expect(parsePeer(encodePeer(svc))).toEqual(svc);
  });

  it('encodes separators inside values, so a label cannot add a field', () => {
    const odd = { workload: 'a;svc=evil', namespace: 'n=s', app: 'x%y', version: '' };
    expect(encodePeer(odd)).toBe('w=a%3Bsvc%3Devil;ns=n%3Ds;app=x%25y;v=');
    expect(parsePeer(encodePeer(odd))).toEqual(odd);
  });

  it('skips keys a newer sidecar adds', () => {
    expect(parsePeer('w=a;ns=b;app=c;v=d;cluster=east')).toEqual({
      workload: 'a',
      namespace: 'b',
      app: 'c',
      version: 'd',
    });
  });

  it.each([
    ['absent', undefined],
    ['repeated', ['w=a;ns=b', 'w=c;ns=d']],
    ['oversized', `w=${'a'.repeat(1100)};ns=b`],
    ['not key=value', 'w=a;garbage'],
    ['bad percent-encoding', 'w=%E0%A4%A;ns=b'],
    ['naming no workload or namespace', 'app=c;v=d'],
  ])('refuses a value that is %s', (_, value) => {
    expect(parsePeer(value)).toBeUndefined();
  });

  it("takes the app and version from Istio's canonical labels first, then app/version, then the workload", () => {
    const node = { workloadName: 'reviews-v2', namespace: 'default' };
    expect(selfPeer({ ...node, labels: { app: 'reviews', version: 'v2' } })).toEqual(reviews);
    expect(
      selfPeer({
        ...node,
        labels: {
          app: 'reviews',
          'service.istio.io/canonical-name': 'reviews-canon',
          'service.istio.io/canonical-revision': 'r7',
        },
      }),
    ).toMatchObject({ app: 'reviews-canon', version: 'r7' });
    expect(selfPeer({ ...node, labels: {} })).toMatchObject({ app: 'reviews-v2', version: '' });
  });
});
