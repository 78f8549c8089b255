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
    return;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    if (
      tls.caCrl ||
      tls.serverCertificate ||
      tls.privateKey ||
      tls.caCertificates ||
      tls.credentialName
    ) {
      ctx.warn(path, `${mode} does not terminate TLS, so its certificates are ignored`);
    }
  }
  const hasCredential = Boolean(tls.credentialName) || (tls.credentialNames?.length ?? 0) > 0;
  const hasCertList = (tls.tlsCertificates?.length ?? 0) > 0;
  if (tls.caCrl) {
    if (hasCredential)
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
  if (hasCredential || hasCertList) return;
  if (mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
    if (!tls.serverCertificate)
      ctx.error(
        [...path, 'serverCertificate'],
        `${mode} TLS needs serverCertificate (or credentialName)`,
      );
    if (!tls.privateKey)
      ctx.error([...path, 'privateKey'], `${mode} TLS needs privateKey (or credentialName)`);
    if (mode !== 'SIMPLE' && !tls.caCertificates)
      ctx.error(
        [...path, 'caCertificates'],
        `${mode} TLS needs caCertificates to verify clients (or credentialName)`,
      );
  }
}
