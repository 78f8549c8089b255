import { doc, findings } from './test-support/findings.js';

const dr = (spec: string) => doc('DestinationRule', 'name: reviews', spec);
const known = ['reviews.default.svc.cluster.local'];

describe('MESH-A0018 ISTIO_MUTUAL is plaintext here', () => {
  it('is reported wherever a policy sets it: top level, port level, subset', () => {
    const yaml = dr(`{ host: reviews,
      trafficPolicy: { tls: { mode: ISTIO_MUTUAL },
        portLevelSettings: [{ port: { number: 9080 }, tls: { mode: ISTIO_MUTUAL } }] },
      subsets: [{ name: v1, labels: { version: v1 }, trafficPolicy: { tls: { mode: ISTIO_MUTUAL } } }] }`);
    expect(findings('MESH-A0018', yaml, known)).toEqual([
      'info MESH-A0018 DestinationRule default/reviews spec.trafficPolicy.tls.mode',
      'info MESH-A0018 DestinationRule default/reviews spec.trafficPolicy.portLevelSettings[0].tls.mode',
      'info MESH-A0018 DestinationRule default/reviews spec.subsets[0].trafficPolicy.tls.mode',
    ]);
  });

  it('says nothing for SIMPLE, DISABLE or no tls', () => {
    for (const tls of ['{ mode: SIMPLE }', '{ mode: DISABLE }']) {
      expect(
        findings('MESH-A0018', dr(`{ host: reviews, trafficPolicy: { tls: ${tls} } }`), known),
      ).toEqual([]);
    }
    expect(findings('MESH-A0018', dr('{ host: reviews }'), known)).toEqual([]);
  });
});

describe('MESH-A0019 credentialName has no secret store', () => {
  it('points at the field', () => {
    const yaml = dr(
      '{ host: reviews, trafficPolicy: { tls: { mode: SIMPLE, credentialName: certs } } }',
    );
    expect(findings('MESH-A0019', yaml, known)).toEqual([
      'warning MESH-A0019 DestinationRule default/reviews spec.trafficPolicy.tls.credentialName',
    ]);
  });
});

describe('MESH-A0020 gateway servers this mesh cannot serve', () => {
  it('flags HTTPS servers without certificate files, not HTTP, PASSTHROUGH or served HTTPS', () => {
    const yaml = doc(
      'Gateway',
      'name: ingress',
      `{ selector: { istio: ingressgateway }, servers: [
        { port: { number: 80, name: http, protocol: HTTP }, hosts: ['*'] },
        { port: { number: 443, name: https, protocol: HTTPS }, hosts: ['*'], tls: { mode: SIMPLE, credentialName: c } },
        { port: { number: 8443, name: tls, protocol: TLS }, hosts: ['*'], tls: { mode: PASSTHROUGH } },
        { port: { number: 9443, name: https-files, protocol: HTTPS }, hosts: ['*'],
          tls: { mode: SIMPLE, serverCertificate: /certs/tls.crt, privateKey: /certs/tls.key } },
        { port: { number: 10443, name: https-none, protocol: HTTPS }, hosts: ['*'], tls: { mode: SIMPLE } } ] }`,
    );
    expect(findings('MESH-A0020', yaml)).toEqual([
      'warning MESH-A0020 Gateway default/ingress spec.servers[1].tls.credentialName',

      'warning MESH-A0020 Gateway default/ingress spec.servers[4].tls',
    ]);
  });

  it('flags TLS ports in any mode but PASSTHROUGH', () => {
    const yaml = doc(
      'Gateway',
      'name: east-west',
      `{ selector: { istio: eastwestgateway }, servers: [
        { port: { number: 15443, name: tls, protocol: TLS }, hosts: ['*.local'], tls: { mode: AUTO_PASSTHROUGH } } ] }`,
    );
    expect(findings('MESH-A0020', yaml)).toEqual([
      'warning MESH-A0020 Gateway default/east-west spec.servers[0].tls.mode',
    ]);
  });
});
