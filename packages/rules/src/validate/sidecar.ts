// Sidecar (Istio's ValidateSidecar).
import type { Sidecar } from '../api/resources.js';
import type { ValidationContext } from './context.js';
import { checkDestination } from './destination.js';
import { checkFqdn, checkNamespacedHost } from './host-names.js';
import { isIPAddress } from './ip.js';
import { checkPort, checkProtocol, isHttpProtocol, isTlsProtocol } from './ports.js';
import { isIstioDnsLabel } from './names.js';
import { checkWorkloadSelector } from './selectors.js';
import { checkServerTls, serverTlsMode } from './server-tls.js';
import { checkConnectionPool } from './traffic-policy.js';
import { unixAddressProblem, UNIX_PREFIX } from './unix-address.js';
import type { PathSegment } from '../diagnostics.js';

const CAPTURE_MODES = ['DEFAULT', 'IPTABLES', 'NONE'];
const OUTBOUND_MODES = ['REGISTRY_ONLY', 'ALLOW_ANY'];
const DEFAULT_ENDPOINT_HOSTS = ['', '127.0.0.1', '0.0.0.0', '::1', '::'];

function checkBind(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  bind: string | undefined,
): void {
  if (bind !== undefined && bind !== '' && !isIPAddress(bind))
    ctx.error(path, `bind "${bind}" is not an IP address`);
}

function checkCaptureMode(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  mode: string | undefined,
): void {
  if (mode !== undefined && !CAPTURE_MODES.includes(mode))
    ctx.error(path, `"${mode}" is not one of ${CAPTURE_MODES.join(', ')}`);
}

function checkOptionalPortName(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  name: string | undefined,
): void {
  if (name !== undefined && name !== '' && !isIstioDnsLabel(name))
    ctx.error(path, `port name "${name}" is not a DNS label`);
}

/** `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`, `[::]:8080`, `:8080` or `unix:///path`. */
function defaultEndpointProblem(endpoint: string): string | undefined {
  if (endpoint.startsWith(UNIX_PREFIX))
    return unixAddressProblem(endpoint.slice(UNIX_PREFIX.length));
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(endpoint);
  const host = m ? (m[1] ?? m[2] ?? '') : undefined;
  if (host === undefined || !DEFAULT_ENDPOINT_HOSTS.includes(host)) {
    return `defaultEndpoint "${endpoint}" must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix://<path>`;
  }
  const port = m![3]!;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    return `defaultEndpoint port "${port}" is not a port number (1..65535)`;
  return undefined;
}

export function validateSidecar(ctx: ValidationContext, sc: Sidecar): void {
  const spec = sc.spec;
  if (spec.workloadSelector)
    checkWorkloadSelector(
      ctx,
      ['spec', 'workloadSelector', 'labels'],
      spec.workloadSelector.labels,
    );
  const ingress = spec.ingress ?? [];
  const egress = spec.egress ?? [];
  if (
    ingress.length === 0 &&
    egress.length === 0 &&
    !spec.outboundTrafficPolicy &&
    !spec.inboundConnectionPool
  ) {
    ctx.error(
      ['spec'],
      'a Sidecar must configure at least one of egress, ingress, outboundTrafficPolicy or inboundConnectionPool',
    );
    return;
  }
  const ingressPorts = new Set<number>();
  ingress.forEach((l, i) => {
    const path = ['spec', 'ingress', i];
    if (!l.port) {
      ctx.error([...path, 'port'], 'ingress listeners need a port');
      return;
    }
    if ((l.port.targetPort ?? 0) > 0)
      ctx.error([...path, 'port', 'targetPort'], 'targetPort has no effect on Sidecars');
    checkOptionalPortName(ctx, [...path, 'port', 'name'], l.port.name);
    checkProtocol(ctx, [...path, 'port', 'protocol'], l.port.protocol);
    checkPort(ctx, [...path, 'port', 'number'], l.port.number ?? 0);
    checkBind(ctx, [...path, 'bind'], l.bind);
    checkCaptureMode(ctx, [...path, 'captureMode'], l.captureMode);
    const n = l.port.number ?? 0;
    if (ingressPorts.has(n))
      ctx.error([...path, 'port', 'number'], `port ${n} is used by another ingress listener`);
    ingressPorts.add(n);
    if (l.defaultEndpoint !== undefined && l.defaultEndpoint !== '') {
      const problem = defaultEndpointProblem(l.defaultEndpoint);
      if (problem) ctx.error([...path, 'defaultEndpoint'], problem);
    }
    if (l.tls) {
      const t = l.tls;
      const where = [...path, 'tls'];
      if ((t.subjectAltNames?.length ?? 0) > 0)
        ctx.error(
          [...where, 'subjectAltNames'],
          'subjectAltNames is not supported on sidecar ingress TLS',
        );
      if (t.httpsRedirect)
        ctx.error(
          [...where, 'httpsRedirect'],
          'httpsRedirect is not supported on sidecar ingress TLS',
        );
      if (t.credentialName)
        ctx.error(
          [...where, 'credentialName'],
          'credentialName is not supported on sidecar ingress TLS',
        );
      for (const f of ['credentialNames', 'tlsCertificates'] as const) {
        if ((t[f]?.length ?? 0) > 0)
          ctx.error([...where, f], `${f} is not supported on sidecar ingress TLS`);
      }
      // Only an HTTPS or TLS port terminates TLS (Istio's ValidateSidecar).
      if (!isTlsProtocol(l.port.protocol))
        ctx.error(
          [...path, 'port', 'protocol'],
          `port protocol "${l.port.protocol ?? ''}" is not HTTPS or TLS, so the listener cannot have tls settings`,
        );
      const mode = serverTlsMode(t);
      if (mode === 'ISTIO_MUTUAL' || mode === 'AUTO_PASSTHROUGH')
        ctx.error([...where, 'mode'], `mode ${mode} is not allowed on sidecar ingress TLS`);
      checkServerTls(ctx, where, t);
    }
    if (l.connectionPool) {
      checkConnectionPool(ctx, [...path, 'connectionPool'], l.connectionPool);
      if (l.connectionPool.http && !isHttpProtocol(l.port.protocol)) {
        ctx.warn(
          [...path, 'connectionPool', 'http'],
          `port ${n} is not HTTP, so only the tcp connection pool settings apply`,
        );
      }
    }
  });
  if (spec.inboundConnectionPool)
    checkConnectionPool(ctx, ['spec', 'inboundConnectionPool'], spec.inboundConnectionPool);

  const egressPorts = new Set<number>();
  const sockets = new Set<string>();
  let catchAllSeen = false;
  egress.forEach((l, i) => {
    const path = ['spec', 'egress', i];
    if (!l.port) {
      // The port-less listener catches everything not matched before it, so it must come last.
      if (catchAllSeen) ctx.error([...path, 'port'], 'only one egress listener may omit the port');
      else if (i !== egress.length - 1)
        ctx.error([...path, 'port'], 'the egress listener without a port must be the last one');
      catchAllSeen = true;
    } else {
      const n = l.port.number ?? 0;
      const bind = l.bind ?? '';
      if ((l.port.targetPort ?? 0) > 0)
        ctx.error([...path, 'port', 'targetPort'], 'targetPort has no effect on Sidecars');
      checkOptionalPortName(ctx, [...path, 'port', 'name'], l.port.name);
      checkProtocol(ctx, [...path, 'port', 'protocol'], l.port.protocol);
      if (n === 0) {
        if (!bind.startsWith(UNIX_PREFIX))
          ctx.error([...path, 'bind'], 'a listener with port 0 needs a unix:// bind address');
        else {
          const problem = unixAddressProblem(bind.slice(UNIX_PREFIX.length));
          if (problem) ctx.error([...path, 'bind'], problem);
        }
        if (
          l.captureMode !== undefined &&
          l.captureMode !== 'DEFAULT' &&
          l.captureMode !== 'NONE'
        ) {
          ctx.error(
            [...path, 'captureMode'],
            'unix socket listeners need captureMode DEFAULT or NONE',
          );
        }
        if (sockets.has(bind))
          ctx.error([...path, 'bind'], `unix socket "${bind}" is used by another egress listener`);
        sockets.add(bind);
      } else {
        checkPort(ctx, [...path, 'port', 'number'], n);
        checkBind(ctx, [...path, 'bind'], l.bind);
        if (egressPorts.has(n))
          ctx.error([...path, 'port', 'number'], `port ${n} is used by another egress listener`);
        egressPorts.add(n);
      }
    }
    checkCaptureMode(ctx, [...path, 'captureMode'], l.captureMode);
    const hosts = l.hosts ?? [];
    if (hosts.length === 0)
      ctx.error(
        [...path, 'hosts'],
        'egress listeners need at least one host (e.g. "./*" or "istio-system/*")',
      );
    hosts.forEach((h, j) => {
      const problem = checkNamespacedHost(h, false);
      if (problem) ctx.error([...path, 'hosts', j], problem);
    });
  });

  const otp = spec.outboundTrafficPolicy;
  if (otp) {
    const path = ['spec', 'outboundTrafficPolicy'];
    const mode = otp.mode ?? 'REGISTRY_ONLY';
    if (!OUTBOUND_MODES.includes(mode))
      ctx.error([...path, 'mode'], `"${mode}" is not one of ${OUTBOUND_MODES.join(', ')}`);
    if (otp.egressProxy) {
      if (mode !== 'ALLOW_ANY')
        ctx.error([...path, 'egressProxy'], 'egressProxy only applies with mode ALLOW_ANY');
      else {
        const problem = checkFqdn(otp.egressProxy.host ?? '');
        if (problem) ctx.error([...path, 'egressProxy', 'host'], problem);
        else if (!otp.egressProxy.port)
          ctx.error([...path, 'egressProxy', 'port'], 'egressProxy needs a port');
        else checkDestination(ctx, [...path, 'egressProxy'], otp.egressProxy);
      }
    }
  }
}
