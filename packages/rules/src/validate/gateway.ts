// Gateway (Istio's ValidateGateway): servers, their ports, hosts and TLS.
import type { Server } from '../api/gateway.js';
import type { Gateway } from '../api/resources.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { checkNamespacedHost } from './host-names.js';
import { isIPAddress } from './ip.js';
import { isIstioDnsLabel } from './names.js';
import { normalizeProtocol } from '../protocol.js';
import { checkPort, checkProtocol, isHttpProtocol, isTlsProtocol } from './ports.js';
import { checkServerTls, serverTlsMode } from './server-tls.js';
import { unixAddressProblem, UNIX_PREFIX } from './unix-address.js';

export function validateGateway(ctx: ValidationContext, gw: Gateway): void {
  // Gateway names end up in `namespace/name` references, so dots are not allowed.
  if (!isIstioDnsLabel(gw.metadata.name))
    ctx.error(
      ['metadata', 'name'],
      `gateway name "${gw.metadata.name}" must be a DNS label (no dots)`,
    );
  const servers = gw.spec.servers ?? [];
  if (servers.length === 0) ctx.error(['spec', 'servers'], 'a Gateway needs at least one server');
  const portNames = new Map<string, number>();
  servers.forEach((s, i) => {
    const path = ['spec', 'servers', i];
    checkServer(ctx, path, s);
    const name = s.port?.name;
    if (name) {
      const first = portNames.get(name);
      if (first !== undefined)
        ctx.error(
          [...path, 'port', 'name'],
          `port name "${name}" is already used by servers[${first}]`,
        );
      else portNames.set(name, i);
    }
    if (s.port && s.tls?.httpsRedirect && !isHttpProtocol(s.port.protocol)) {
      ctx.warn(
        [...path, 'tls', 'httpsRedirect'],
        'httpsRedirect only has an effect on HTTP servers',
      );
    }
  });
}

function checkServer(ctx: ValidationContext, path: readonly PathSegment[], s: Server): void {
  const hosts = s.hosts ?? [];
  if (hosts.length === 0)
    ctx.error(
      [...path, 'hosts'],
      'a server needs at least one host (e.g. "*" or "ns/*.example.com")',
    );
  hosts.forEach((h, i) => {
    const problem = checkNamespacedHost(h, true);
    if (problem) ctx.error([...path, 'hosts', i], problem);
  });
  const bind = s.bind ?? '';
  const port = s.port;
  let portOk = false;
  if (!port) ctx.error([...path, 'port'], 'server port is required');
  else {
    const before = ctx.diagnostics.length;
    checkProtocol(ctx, [...path, 'port', 'protocol'], port.protocol, true);
    if ((port.number ?? 0) > 0 || !bind.startsWith(UNIX_PREFIX))
      checkPort(ctx, [...path, 'port', 'number'], port.number ?? 0);
    if ((port.targetPort ?? 0) > 0)
      ctx.error([...path, 'port', 'targetPort'], 'targetPort has no effect on Gateways');
    if (!port.name) ctx.error([...path, 'port', 'name'], 'server port name is required');
    portOk = ctx.diagnostics.length === before;
  }
  if (bind.startsWith(UNIX_PREFIX)) {
    const problem = unixAddressProblem(bind.slice(UNIX_PREFIX.length));
    if (problem) ctx.error([...path, 'bind'], problem);
    if (port && (port.number ?? 0) !== 0)
      ctx.error([...path, 'port', 'number'], 'a unix domain socket bind needs port number 0');
  } else if (bind !== '' && !isIPAddress(bind)) {
    ctx.error([...path, 'bind'], `bind "${bind}" is not an IP address or unix:// path`);
  }
  if (s.tls) checkServerTls(ctx, [...path, 'tls'], s.tls);
  if (!portOk || !port) return;
  const protocol = normalizeProtocol(port.protocol ?? '');
  if (isTlsProtocol(protocol) && !s.tls)
    ctx.error([...path, 'tls'], `${protocol} servers need tls settings`);
  else if (!isTlsProtocol(protocol) && s.tls) {
    const t = s.tls;
    const passthrough = ['PASSTHROUGH', 'AUTO_PASSTHROUGH'].includes(serverTlsMode(t));
    // On plain HTTP only httpsRedirect makes sense; certificates would never be served.
    if (isHttpProtocol(protocol)) {
      if (!passthrough || t.caCertificates || t.privateKey || t.serverCertificate) {
        ctx.error(
          [...path, 'tls'],
          `a plain-text ${protocol} server cannot have TLS settings other than httpsRedirect`,
        );
      }
    } else {
      ctx.error(
        [...path, 'tls'],
        `a ${protocol} server cannot have TLS settings (use HTTPS or TLS)`,
      );
    }
  }
}
