// Server-side TLS settings shared by Gateway servers and Sidecar ingress listeners.
import type { ServerTLSSettings } from '../api/gateway.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';

export const SERVER_TLS_MODES = [
  'PASSTHROUGH',
  'SIMPLE',
  'MUTUAL',
  'AUTO_PASSTHROUGH',
  'ISTIO_MUTUAL',
  'OPTIONAL_MUTUAL',
];
const TLS_VERSIONS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'];

/** Mode as Istio reads it: unset means PASSTHROUGH, the enum's zero value. */
export function serverTlsMode(tls: ServerTLSSettings): string {
  return tls.mode ?? 'PASSTHROUGH';
}

export function checkServerTls(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  tls: ServerTLSSettings,
): void {
  const mode = serverTlsMode(tls);
  if (!SERVER_TLS_MODES.includes(mode)) {
    ctx.error([...path, 'mode'], `"${mode}" is not one of ${SERVER_TLS_MODES.join(', ')}`);
    return;
  }
  for (const f of ['minProtocolVersion', 'maxProtocolVersion'] as const) {
    const v = tls[f];
    if (v !== undefined && !TLS_VERSIONS.includes(v))
      ctx.error([...path, f], `"${v}" is not one of ${TLS_VERSIONS.join(', ')}`);
  }
  if (
    (tls.minProtocolVersion === 'TLSV1_0' || tls.minProtocolVersion === 'TLSV1_1') &&
    (tls.cipherSuites?.length ?? 0) === 0
  ) {
    ctx.warn(
      [...path, 'minProtocolVersion'],
      'TLS below 1.2 needs compatible cipherSuites: the defaults no longer include them',
    );
  }
  const certList = tls.tlsCertificates ?? [];
  const credentialNames = tls.credentialNames ?? [];
  if (mode === 'ISTIO_MUTUAL') {
    // Istio supplies the workload certificates itself; user certificates would be ignored.
    for (const f of [
      'serverCertificate',
      'privateKey',
      'caCertificates',
      'credentialName',
    ] as const) {
      if (tls[f])
        ctx.error([...path, f], `ISTIO_MUTUAL uses Istio's certificates and cannot set ${f}`);
    }
    for (const f of ['tlsCertificates', 'credentialNames'] as const) {
      if ((tls[f]?.length ?? 0) > 0)
        ctx.error([...path, f], `ISTIO_MUTUAL uses Istio's certificates and cannot set ${f}`);
    }
    return;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    if (
      tls.caCrl ||
      tls.serverCertificate ||
      tls.privateKey ||
      tls.caCertificates ||
      certList.length > 0 ||
      tls.credentialName ||
      tls.caCertCredentialName ||
      credentialNames.length > 0
    ) {
      ctx.warn(path, `${mode} does not terminate TLS, so its certificates are ignored`);
    }
  }
  // One certificate source only; a half-given serverCertificate/privateKey pair does not count.
  const sources = [
    tls.serverCertificate && tls.privateKey ? 'serverCertificate/privateKey' : '',
    tls.credentialName ? 'credentialName' : '',
    credentialNames.length > 0 ? 'credentialNames' : '',
    certList.length > 0 ? 'tlsCertificates' : '',
  ].filter(Boolean);
  if (sources.length > 1)
    ctx.error(path, `only one certificate source may be set, found ${sources.join(' and ')}`);
  const terminates = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  // Credentials fetched from a secret carry their own CA and CRL; Istio checks nothing further.
  if (terminates && (tls.credentialName || credentialNames.length > 0)) return;
  if (terminates) {
    if (mode !== 'SIMPLE' && !tls.caCertificates && !tls.caCertCredentialName)
      ctx.error(
        [...path, 'caCertificates'],
        `${mode} TLS needs caCertificates to verify clients (or credentialName or caCertCredentialName)`,
      );
    if (certList.length > 2)
      ctx.warn([...path, 'tlsCertificates'], 'at most 2 server certificates are supported');
    if (certList.length > 0) {
      certList.forEach((c, i) => {
        if (!c.serverCertificate)
          ctx.error(
            [...path, 'tlsCertificates', i, 'serverCertificate'],
            `${mode} TLS needs serverCertificate in every tlsCertificates entry`,
          );
        if (!c.privateKey)
          ctx.error(
            [...path, 'tlsCertificates', i, 'privateKey'],
            `${mode} TLS needs privateKey in every tlsCertificates entry`,
          );
      });
    } else {
      if (!tls.serverCertificate)
        ctx.error(
          [...path, 'serverCertificate'],
          `${mode} TLS needs serverCertificate (or credentialName)`,
        );
      if (!tls.privateKey)
        ctx.error([...path, 'privateKey'], `${mode} TLS needs privateKey (or credentialName)`);
    }
  }
  if (tls.caCrl) {
    if (tls.credentialName)
      ctx.error(
        [...path, 'caCrl'],
        'caCrl cannot be used with credentialName: put the CRL in the credential',
      );
    if (mode === 'SIMPLE')
      ctx.error(
        [...path, 'caCrl'],
        'caCrl needs client certificates: it does not apply to SIMPLE TLS',
      );
  }
}
