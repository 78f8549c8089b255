// DestinationRule `tls` on the client side: the sidecar opens TLS to the upstream (Istio's egress
// TLS origination task; Envoy's UpstreamTlsContext), for modes SIMPLE and MUTUAL: HTTP/1.1 pools,
// h2 sessions, WebSocket upgrades, TCP tunnels and TCP gateway ports.
//
// As Istio configures Envoy: SNI is the DestinationRule's `sni`, else the cluster's host (Istio's
// auto SNI takes the request's Host, which for the egress task is the same name); the server's
// certificate is verified against `caCertificates`, else the system's roots (Istio's
// VERIFY_CERTIFICATE_AT_CLIENT, on by default since 1.20), unless `insecureSkipVerify`; with
// `subjectAltNames` one of them must be in the certificate, else its name must match the SNI.
// MUTUAL sends `clientCertificate` and `privateKey`. Files are read when a connection opens, so a
// rotated certificate is picked up by the next connection.
// Not done: `credentialName` (a Kubernetes secret: there is no secret store here; the connection
// fails with a message saying so), `caCrl`, and ISTIO_MUTUAL, which is Istio's own mTLS between
// sidecars: sidecars here talk plaintext to each other, so ISTIO_MUTUAL is the mesh transport,
// as DISABLE is (docs/ARCHITECTURE.md).
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import type { ResolvedTrafficPolicy } from '@mesh/rules';

export interface UpstreamTls {
  readonly mode: 'SIMPLE' | 'MUTUAL';
  readonly servername: string;
  readonly caCertificates: string | undefined;
  readonly clientCertificate: string | undefined;
  readonly privateKey: string | undefined;
  readonly credentialName: string | undefined;
  readonly verify: boolean;
  readonly subjectAltNames: readonly string[];
  /** Identifies these settings among a host's pools. */
  readonly key: string;
}

/** The TLS a cluster's connections originate, or undefined for plaintext. */
export function upstreamTlsOf(
  policy: ResolvedTrafficPolicy,
  clusterHost: string,
): UpstreamTls | undefined {
  const tls = policy.tls;
  const mode = tls?.mode?.toUpperCase();
  if (!tls || (mode !== 'SIMPLE' && mode !== 'MUTUAL')) return undefined;
  const settings = {
    mode: mode as UpstreamTls['mode'],
    servername: tls.sni || clusterHost,
    caCertificates: tls.caCertificates || undefined,
    clientCertificate: mode === 'MUTUAL' ? tls.clientCertificate || undefined : undefined,
    privateKey: mode === 'MUTUAL' ? tls.privateKey || undefined : undefined,
    credentialName: tls.credentialName || undefined,
    verify: tls.insecureSkipVerify !== true,
    subjectAltNames: tls.subjectAltNames ?? [],
  };
  return { ...settings, key: JSON.stringify(settings) };
}

/**
 * A connector that opens TLS with `settings` (TCP_NODELAY, as for plaintext), offering `alpn`:
 * http/1.1 for the HTTP/1.1 pool, h2 for HTTP/2 sessions.
 */
export function tlsConnector(
  settings: UpstreamTls,
  alpn: 'http/1.1' | 'h2' = 'http/1.1',
): (host: string, port: number) => Socket {
  return (host, port) => {
    if (settings.credentialName)
      throw tlsError(
        `DestinationRule tls.credentialName ${settings.credentialName} names a Kubernetes secret, which this mesh has no store for: give clientCertificate, privateKey and caCertificates as files`,
      );
    const socket = connect({
      host,
      port,
      servername: settings.servername,
      ...(settings.caCertificates && {
        ca: readTlsFile('caCertificates', settings.caCertificates),
      }),
      ...(settings.clientCertificate && {
        cert: readTlsFile('clientCertificate', settings.clientCertificate),
      }),
      ...(settings.privateKey && { key: readTlsFile('privateKey', settings.privateKey) }),
      rejectUnauthorized: settings.verify,
      checkServerIdentity: (name, cert) => checkIdentity(settings, name, cert),
      ALPNProtocols: [alpn],
    });
    socket.setNoDelay(true);
    return socket;
  };
}

/**
 * A TCP connection to an endpoint, or TLS when the cluster's DestinationRule asks for it, and the
 * event that says it is up ('secureConnect' once the handshake is done). Throws the TLS settings'
 * own errors (a file that cannot be read, a credentialName) at once.
 */
export function dialUpstream(
  host: string,
  port: number,
  tls: UpstreamTls | undefined,
): { socket: Socket; connectEvent: 'connect' | 'secureConnect' } {
  if (!tls) return { socket: netConnect({ host, port }), connectEvent: 'connect' };
  return { socket: tlsConnector(tls)(host, port), connectEvent: 'secureConnect' };
}

function checkIdentity(
  settings: UpstreamTls,
  name: string,
  cert: PeerCertificate,
): Error | undefined {
  if (!settings.verify) return undefined;
  if (settings.subjectAltNames.length === 0) return checkServerIdentity(name, cert);
  const sans = (cert.subjectaltname ?? '')
    .split(', ')
    .map((s) => s.replace(/^(DNS|URI|IP Address):/, ''));
  if (settings.subjectAltNames.some((want) => sans.includes(want))) return undefined;
  const err = tlsError(
    `the upstream certificate's subject alt names (${sans.join(', ') || 'none'}) include none of DestinationRule tls.subjectAltNames (${settings.subjectAltNames.join(', ')})`,
  );
  err.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
  return err;
}

function readTlsFile(field: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw tlsError(
      `cannot read DestinationRule tls.${field} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

function tlsError(message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code: 'MESH_TLS_CONFIG' });
}
