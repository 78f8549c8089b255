// VirtualService (Istio's ValidateVirtualService): hosts, gateways, and each http/tls/tcp route.
import type {
  L4MatchAttributes,
  TCPRoute,
  TLSMatchAttributes,
  TLSRoute,
} from '../api/virtual-service.js';
import type { VirtualService } from '../api/resources.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { checkWeightedDestinations } from './destination.js';
import { checkExportTo } from './export-to.js';
import { checkGatewayNames, MESH_GATEWAY } from './gateway-names.js';
import { checkGatewayBoundHost, hostNamesOverlap, isHostSubsetOf } from './host-names.js';
import { checkHttpRoute } from './http-route.js';
import { checkIPOrCidr, isIPAddress } from './ip.js';
import { checkPort } from './ports.js';
import { checkLabels } from './selectors.js';

export function validateVirtualService(ctx: ValidationContext, vs: VirtualService): void {
  const spec = vs.spec;
  const hosts = spec.hosts ?? [];
  const gateways = spec.gateways ?? [];
  // Istio reads a VirtualService without hosts as a delegate, reachable only from a root's delegate.
  const isDelegate = hosts.length === 0;
  if (isDelegate) {
    if (gateways.length > 0)
      ctx.error(
        ['spec', 'gateways'],
        'a delegate VirtualService (no hosts) must not name gateways; the root decides',
      );
    if ((spec.tls?.length ?? 0) > 0)
      ctx.error(['spec', 'tls'], 'a delegate VirtualService (no hosts) cannot have tls routes');
    if ((spec.tcp?.length ?? 0) > 0)
      ctx.error(['spec', 'tcp'], 'a delegate VirtualService (no hosts) cannot have tcp routes');
  }
  checkGatewayNames(ctx, ['spec', 'gateways'], gateways);
  const appliesToGateway = gateways.length > 0 && !gateways.includes(MESH_GATEWAY);
  const hasSniRoutes = (spec.tls ?? []).some((t) =>
    (t.match ?? []).some((m) => (m.sniHosts?.length ?? 0) > 0),
  );
  checkHosts(ctx, hosts, appliesToGateway, hasSniRoutes);

  if (
    (spec.http?.length ?? 0) === 0 &&
    (spec.tcp?.length ?? 0) === 0 &&
    (spec.tls?.length ?? 0) === 0
  ) {
    ctx.error(['spec'], 'a VirtualService needs at least one http, tcp or tls route');
  }
  (spec.http ?? []).forEach((h, i) =>
    checkHttpRoute(ctx, ['spec', 'http', i], h, { isDelegate, appliesToGateway }),
  );
  // Istio's isGateway: SNI hosts get the gateway host rules unless "mesh" is listed, even when
  // no gateways are given at all.
  const sniGateway = !gateways.includes(MESH_GATEWAY);
  (spec.tls ?? []).forEach((t, i) => checkTlsRoute(ctx, ['spec', 'tls', i], t, hosts, sniGateway));
  (spec.tcp ?? []).forEach((t, i) => checkTcpRoute(ctx, ['spec', 'tcp', i], t));
  checkExportTo(ctx, ['spec', 'exportTo'], spec.exportTo);
}

function checkHosts(
  ctx: ValidationContext,
  hosts: readonly string[],
  appliesToGateway: boolean,
  hasSniRoutes: boolean,
): void {
  const appliesToMesh = !appliesToGateway;
  let allValid = true;
  hosts.forEach((host, i) => {
    const problem = checkGatewayBoundHost(host, appliesToGateway && hasSniRoutes);
    if (problem && !isIPAddress(host)) {
      ctx.error(['spec', 'hosts', i], problem);
      allValid = false;
    } else if (host === '*' && appliesToMesh) {
      // Sidecars would capture every outbound request; Istio allows "*" only on gateways.
      ctx.error(
        ['spec', 'hosts', i],
        'host "*" is only allowed when the VirtualService is bound to gateways (not "mesh")',
      );
      allValid = false;
    }
  });
  if (!allValid) return;
  // Istio compares hosts as written (host.Name.Matches is case-sensitive).
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      if (hostNamesOverlap(hosts[i]!, hosts[j]!))
        ctx.error(
          ['spec', 'hosts', j],
          `host "${hosts[j]}" overlaps host "${hosts[i]}" of the same VirtualService`,
        );
    }
  }
}

function checkL4Match(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  m: L4MatchAttributes | TLSMatchAttributes,
): void {
  (m.destinationSubnets ?? []).forEach((s, i) => {
    const problem = checkIPOrCidr(s);
    if (problem) ctx.error([...path, 'destinationSubnets', i], problem);
  });
  if (m.port !== undefined && m.port !== 0) checkPort(ctx, [...path, 'port'], m.port);
  checkLabels(ctx, [...path, 'sourceLabels'], m.sourceLabels);
  checkGatewayNames(ctx, [...path, 'gateways'], m.gateways);
}

function checkTlsRoute(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  route: TLSRoute,
  hosts: readonly string[],
  sniGateway: boolean,
): void {
  if ((route.match?.length ?? 0) === 0)
    ctx.error([...path, 'match'], 'a tls route needs at least one match with sniHosts');
  (route.match ?? []).forEach((m, i) => {
    const where = [...path, 'match', i];
    if ((m.sniHosts?.length ?? 0) === 0)
      ctx.error([...where, 'sniHosts'], 'a tls match needs at least one SNI host');
    (m.sniHosts ?? []).forEach((sni, j) =>
      checkSniHost(ctx, [...where, 'sniHosts', j], sni, hosts, sniGateway),
    );
    checkL4Match(ctx, where, m);
  });
  if ((route.route?.length ?? 0) === 0)
    ctx.error([...path, 'route'], 'a tls route needs at least one route destination');
  else checkWeightedDestinations(ctx, [...path, 'route'], route.route!);
}

function checkSniHost(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  sni: string,
  hosts: readonly string[],
  sniGateway: boolean,
): void {
  const problem = checkGatewayBoundHost(sni, sniGateway);
  if (problem) {
    if (isIPAddress(sni))
      ctx.warn(path, `SNI host "${sni}" is an IP address, which most TLS clients never send`);
    else ctx.error(path, problem);
    return;
  }
  if (!hosts.some((h) => isHostSubsetOf(sni, h))) {
    ctx.error(
      path,
      `SNI host "${sni}" is not covered by any host of the VirtualService (${hosts.join(', ')})`,
    );
  }
}

function checkTcpRoute(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  route: TCPRoute,
): void {
  (route.match ?? []).forEach((m, i) => checkL4Match(ctx, [...path, 'match', i], m));
  if ((route.route?.length ?? 0) === 0)
    ctx.error([...path, 'route'], 'a tcp route needs at least one route destination');
  else checkWeightedDestinations(ctx, [...path, 'route'], route.route!);
}
