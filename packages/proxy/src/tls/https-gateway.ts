// Gateway servers on HTTPS ports with tls.mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL: TLS is
// terminated here and each connection is handed to the gateway's HTTP server, which routes it
// with the Gateway's VirtualServices as on an HTTP port (Istio's "Secure Gateways" task).
//
// As Envoy's filter chains from Istio do: the certificate is chosen by SNI among the port's
// servers (a server's hosts, `*.suffix` wildcards included; one with host `*` takes connections
// whose SNI matches no other, and those without SNI); MUTUAL requires a client certificate signed
// by `caCertificates`, OPTIONAL_MUTUAL asks for one and lets the connection through without it.
// Certificates come from files (`serverCertificate`, `privateKey`, `caCertificates`), read when
// the listener starts: Istio's file-mount form. `credentialName` names a Kubernetes secret, which
// there is no store for; such a server is reported and left out.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import {
  createSecureContext,
  createServer,
  type SecureContext,
  type Server as TlsServer,
  type TLSSocket,
} from 'node:tls';
import type { GatewayListener } from '@mesh/proto';
import { gatewayServerHost, hostMatches, hostOfAuthority } from '@mesh/rules';
import type { ProxyServer } from '../http/server.js';

type GatewayServer = GatewayListener['servers'][number];

/** A TLS listener that drains like the HTTP server behind it. */
export type HttpsGatewayServer = TlsServer & {
  closeIdleConnections(): void;
  closeAllConnections(): void;
};

interface TerminatingServer {
  /** Host patterns without their `namespace/` part, lower case. */
  readonly hosts: readonly string[];
  readonly context: SecureContext;
  readonly clientCert: 'required' | 'optional' | 'none';
}

const TERMINATED_MODES = new Set(['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL']);

/**
 * A TLS server that feeds `http`, or the reasons no server of `body` can be served. The result
 * also answers closeIdleConnections/closeAllConnections for the drain, on behalf of `http`.
 */
export function createHttpsGatewayServer(
  body: GatewayListener,
  http: ProxyServer,
  report: (message: string) => void,
): HttpsGatewayServer | undefined {
  const servers: TerminatingServer[] = [];
  body.servers.forEach((server, i) => {
    const where = `Gateway ${server.gateway} server ${i} (port ${body.port})`;
    const built = terminatingServer(server);
    if (typeof built === 'string') report(`${where}: ${built}`);
    else servers.push(built);
  });
  if (servers.length === 0) return undefined;
  const wantsClientCert = servers.some((s) => s.clientCert !== 'none');
  const tlsServer = createServer({
    SNICallback: (servername, done) => {
      const chosen = serverFor(servers, servername);
      if (chosen) done(null, chosen.context);
      else done(new Error(`no Gateway server on port ${body.port} for SNI ${servername}`));
    },
    // Client certificates are asked for on the whole port and checked per server below: Node
    // sets requestCert per listener, not per certificate.
    requestCert: wantsClientCert,
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  tlsServer.on('secureConnection', (socket: TLSSocket) => {
    const chosen = serverFor(servers, socket.servername || '');
    if (!chosen || (chosen.clientCert === 'required' && !socket.authorized)) {
      socket.destroy();
      return;
    }
    http.emit('connection', socket as Socket);
  });
  // A handshake that fails (wrong SNI, no client certificate) ends that connection only.
  tlsServer.on('tlsClientError', (_err, socket) => socket.destroy());
  return Object.assign(tlsServer, {
    closeIdleConnections: () => http.closeIdleConnections(),
    closeAllConnections: () => http.closeAllConnections(),
  });
}

/** Does the port have a server that terminates TLS? */
export function terminatesTls(body: GatewayListener): boolean {
  return body.servers.some((s) => TERMINATED_MODES.has((s.tls?.mode ?? 'SIMPLE').toUpperCase()));
}

function terminatingServer(server: GatewayServer): TerminatingServer | string {
  const tls = server.tls;
  const mode = (tls?.mode ?? '').toUpperCase();
  if (!tls || !TERMINATED_MODES.has(mode))
    return `tls.mode ${tls?.mode ?? '(none)'} is not terminated here`;
  if (tls.credentialName)
    return `tls.credentialName ${tls.credentialName} names a Kubernetes secret, which this mesh has no store for: give serverCertificate and privateKey as files`;
  if (!tls.serverCertificate || !tls.privateKey)
    return 'tls.serverCertificate and tls.privateKey are required';
  if (mode !== 'SIMPLE' && !tls.caCertificates) return `tls.caCertificates is required for ${mode}`;
  let context: SecureContext;
  try {
    context = createSecureContext({
      cert: read(tls.serverCertificate, 'serverCertificate'),
      key: read(tls.privateKey, 'privateKey'),
      ...(mode !== 'SIMPLE' &&
        tls.caCertificates && { ca: read(tls.caCertificates, 'caCertificates') }),
    });
  } catch (err) {
    return (err as Error).message;
  }
  return {
    hosts: server.hosts.map((h) => gatewayServerHost(h).toLowerCase()),
    context,
    clientCert: mode === 'MUTUAL' ? 'required' : mode === 'OPTIONAL_MUTUAL' ? 'optional' : 'none',
  };
}

function read(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(
      `cannot read tls.${field} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** The server whose hosts name `servername` (exact, then the longest wildcard), else a `*` one. */
function serverFor(
  servers: readonly TerminatingServer[],
  servername: string,
): TerminatingServer | undefined {
  const name = servername.toLowerCase();
  if (name) {
    const exact = servers.find((s) => s.hosts.includes(name));
    if (exact) return exact;
    let best: TerminatingServer | undefined;
    let bestLength = 0;
    for (const s of servers) {
      for (const h of s.hosts) {
        if (h.startsWith('*.') && name.endsWith(h.slice(1)) && h.length > bestLength) {
          best = s;
          bestLength = h.length;
        }
      }
    }
    if (best) return best;
  }
  return servers.find((s) => s.hosts.includes('*'));
}

/** Gateway servers with tls.httpsRedirect: which request authorities they send to https. */
export function httpsRedirectOf(
  body: GatewayListener,
): ((authority: string) => boolean) | undefined {
  const patterns = body.servers
    .filter((s) => s.tls?.httpsRedirect === true)
    .flatMap((s) => s.hosts.map(gatewayServerHost));
  if (patterns.length === 0) return undefined;
  return (authority) => {
    const host = hostOfAuthority(authority).toLowerCase();
    return patterns.some((p) => hostMatches(p.toLowerCase(), host));
  };
}
