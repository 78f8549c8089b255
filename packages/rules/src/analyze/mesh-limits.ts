// MESH-A0018, MESH-A0019, MESH-A0020: valid Istio config this mesh does not carry out as Istio
// would, said before it is applied rather than discovered from a failing request. No istioctl
// equivalent (Istio implements all of it); they name the mesh's own limits (docs/ARCHITECTURE.md).
// - A0018 (info): DestinationRule tls mode ISTIO_MUTUAL. Sidecars here have no workload
//   identities; traffic between them is plaintext, as with DISABLE.
// - A0019 (warning): DestinationRule tls.credentialName (a Kubernetes secret). There is no secret
//   store: connections that need it fail (503 UF) with a message saying so.
// - A0020 (warning): a Gateway server this mesh cannot serve: a TLS port whose mode is not
//   PASSTHROUGH (AUTO_PASSTHROUGH and ISTIO_MUTUAL belong to multi-cluster east-west gateways;
//   SIMPLE on a TLS port terminates and then routes TCP, not done), or an HTTPS one whose
//   certificate is a credentialName (no secret store) or missing. PASSTHROUGH TLS ports and HTTPS
//   servers with certificate files are served.
import type { DestinationRule, Gateway } from '../api/resources.js';
import type { Diagnostic, PathSegment } from '../diagnostics.js';
import type { Catalog } from './catalog.js';
import { finding } from './finding.js';

interface PolicyLike {
  tls?: { mode?: string | undefined; credentialName?: string | undefined } | undefined;
  portLevelSettings?: readonly PolicyLike[] | undefined;
}

export function meshLimits(catalog: Catalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const dr of catalog.destinationRules) {
    const spec = dr.spec;
    if (!spec) continue;
    checkPolicy(dr, spec.trafficPolicy, ['spec', 'trafficPolicy'], out);
    spec.subsets?.forEach((subset, i) =>
      checkPolicy(dr, subset.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy'], out),
    );
  }
  for (const gateway of catalog.gateways.values()) checkGateway(gateway, out);
  return out;
}

function checkPolicy(
  dr: DestinationRule,
  policy: PolicyLike | undefined,
  path: PathSegment[],
  out: Diagnostic[],
): void {
  if (!policy) return;
  const tls = policy.tls;
  if (tls?.mode?.toUpperCase() === 'ISTIO_MUTUAL') {
    out.push(
      finding(
        'MESH-A0018',
        dr,
        [...path, 'tls', 'mode'],
        'ISTIO_MUTUAL is Istio workload mTLS; sidecars in this mesh have no workload identities and send this traffic in plaintext, as with DISABLE',
        'Nothing to change for routing; do not rely on this mesh for encryption or identity between workloads.',
      ),
    );
  }
  if (tls?.credentialName) {
    out.push(
      finding(
        'MESH-A0019',
        dr,
        [...path, 'tls', 'credentialName'],
        `credentialName "${tls.credentialName}" names a Kubernetes secret and this mesh has no secret store: connections that need it fail with 503 UF`,
        'Give the certificate files instead: clientCertificate, privateKey and caCertificates.',
      ),
    );
  }
  policy.portLevelSettings?.forEach((p, i) =>
    checkPolicy(dr, p, [...path, 'portLevelSettings', i], out),
  );
}

function checkGateway(gateway: Gateway, out: Diagnostic[]): void {
  gateway.spec?.servers?.forEach((server, i) => {
    const protocol = server.port?.protocol?.toUpperCase();
    const port = server.port?.number ?? '?';
    const where: PathSegment[] = ['spec', 'servers', i];
    const report = (path: PathSegment[], message: string, hint: string) =>
      out.push(finding('MESH-A0020', gateway, [...where, ...path], message, hint));
    if (protocol === 'TLS') {
      const mode = server.tls?.mode?.toUpperCase() ?? '(none)';
      if (mode !== 'PASSTHROUGH')
        report(
          ['tls', 'mode'],
          `port ${port} (TLS) with tls.mode ${mode} is not served: TLS ports in this mesh route by SNI with PASSTHROUGH only`,
          'Use PASSTHROUGH and route with VirtualService tls routes (sniHosts), or terminate on an HTTPS server with certificate files.',
        );
      return;
    }
    if (protocol !== 'HTTPS') return;
    const tls = server.tls;
    if (tls?.credentialName) {
      report(
        ['tls', 'credentialName'],
        `port ${port} (HTTPS) is not served: credentialName "${tls.credentialName}" names a Kubernetes secret and this mesh has no secret store`,
        'Give the certificate as files: tls.serverCertificate and tls.privateKey (and caCertificates for MUTUAL).',
      );
    } else if (!tls?.serverCertificate || !tls.privateKey) {
      report(
        ['tls'],
        `port ${port} (HTTPS) is not served: it needs tls.serverCertificate and tls.privateKey files`,
        'Give the certificate as files: tls.serverCertificate and tls.privateKey.',
      );
    }
  });
}
