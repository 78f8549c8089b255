// MESH-A0018, MESH-A0019, MESH-A0020: valid Istio config this mesh does not carry out as Istio
// would, said before it is applied rather than discovered from a failing request. No istioctl
// equivalent (Istio implements all of it); they name the mesh's own limits (docs/ARCHITECTURE.md).
// - A0018 (info): DestinationRule tls mode ISTIO_MUTUAL. Sidecars here have no workload
//   identities; traffic between them is plaintext, as with DISABLE.
// - A0019 (warning): DestinationRule tls.credentialName (a Kubernetes secret). There is no secret
//   store: connections that need it fail (503 UF) with a message saying so.
// - A0020 (warning): a Gateway server on an HTTPS or TLS port. Gateways here serve HTTP and TCP
//   ports only; the port is not opened.
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
    if (protocol !== 'HTTPS' && protocol !== 'TLS') return;
    out.push(
      finding(
        'MESH-A0020',
        gateway,
        ['spec', 'servers', i, 'port', 'protocol'],
        `port ${server.port?.number ?? '?'} (${protocol}) is not served: gateways in this mesh terminate no TLS and route no TLS by SNI yet`,
        'Serve the hosts on an HTTP port of the gateway, or leave this server for a real Istio ingress.',
      ),
    );
  });
}
