// ServiceEntry (Istio's ValidateServiceEntry).
import type { ServiceEntry } from '../api/resources.js';
import type { ValidationContext } from './context.js';
import { checkExportTo } from './export-to.js';
import { checkFqdn, checkPartialWildcard, checkWildcardHost } from './host-names.js';
import { checkIPOrCidr } from './ip.js';
import { checkPort, checkPortName, checkProtocol, isHttpProtocol, isTlsProtocol } from './ports.js';
import { checkWorkloadSelector } from './selectors.js';
import { checkEndpoint } from './workload-entry.js';

const RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'];
const LOCATIONS = ['MESH_EXTERNAL', 'MESH_INTERNAL'];

export function validateServiceEntry(ctx: ValidationContext, se: ServiceEntry): void {
  const spec = se.spec;
  const hosts = spec.hosts ?? [];
  const resolution = spec.resolution ?? 'NONE';
  if (spec.workloadSelector)
    checkWorkloadSelector(
      ctx,
      ['spec', 'workloadSelector', 'labels'],
      spec.workloadSelector.labels,
    );
  if (spec.workloadSelector && spec.endpoints !== undefined)
    ctx.error(['spec', 'endpoints'], 'endpoints and workloadSelector cannot be set together');
  if (hosts.length === 0) ctx.error(['spec', 'hosts'], 'a ServiceEntry needs at least one host');
  hosts.forEach((h, i) => {
    if (h === '*') {
      ctx.error(['spec', 'hosts', i], 'host "*" is not allowed on a ServiceEntry');
      return;
    }
    const problem = checkWildcardHost(h);
    if (problem) ctx.error(['spec', 'hosts', i], problem);
    const partial = checkPartialWildcard(h);
    if (!problem && partial) ctx.warn(['spec', 'hosts', i], partial);
  });
  let cidr = false;
  (spec.addresses ?? []).forEach((a, i) => {
    cidr ||= a.includes('/');
    const problem = checkIPOrCidr(a);
    if (problem) ctx.error(['spec', 'addresses', i], problem);
  });
  if (!RESOLUTIONS.includes(resolution))
    ctx.error(['spec', 'resolution'], `"${resolution}" is not one of ${RESOLUTIONS.join(', ')}`);
  if (spec.location !== undefined && !LOCATIONS.includes(spec.location))
    ctx.error(['spec', 'location'], `"${spec.location}" is not one of ${LOCATIONS.join(', ')}`);
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC')
    ctx.error(['spec', 'addresses'], 'CIDR addresses need resolution NONE or STATIC');

  const names = new Set<string>();
  const numbers = new Set<number>();
  (spec.ports ?? []).forEach((p, i) => {
    const path = ['spec', 'ports', i];
    if (p.name !== undefined && names.has(p.name))
      ctx.error([...path, 'name'], `port name "${p.name}" is already declared`);
    if (p.number !== undefined && numbers.has(p.number))
      ctx.error([...path, 'number'], `port ${p.number} is already declared`);
    if (p.name !== undefined) names.add(p.name);
    if (p.number !== undefined) numbers.add(p.number);
    checkPortName(ctx, [...path, 'name'], p.name);
    checkProtocol(ctx, [...path, 'protocol'], p.protocol);
    checkPort(ctx, [...path, 'number'], p.number ?? 0);
    if ((p.targetPort ?? 0) !== 0) checkPort(ctx, [...path, 'targetPort'], p.targetPort);
  });

  const endpoints = spec.endpoints ?? [];
  if (resolution === 'NONE') {
    if (endpoints.length > 0)
      ctx.error(
        ['spec', 'endpoints'],
        'resolution NONE forwards to the original destination, so it takes no endpoints',
      );
    if (spec.workloadSelector)
      ctx.warn(['spec', 'workloadSelector'], 'workloadSelector has no effect with resolution NONE');
  } else if (resolution === 'STATIC') {
    if (endpoints.length === 0 && !spec.workloadSelector)
      ctx.warn(
        ['spec', 'endpoints'],
        'STATIC resolution without endpoints or a workloadSelector has no endpoints to send to',
      );
    endpoints.forEach((e, i) =>
      checkEndpoint(ctx, ['spec', 'endpoints', i], e, {
        allowHostnames: false,
        allowUnix: true,
        servicePorts: names,
      }),
    );
  } else if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') {
    if (endpoints.length === 0) {
      hosts.forEach((h, i) => {
        if (h !== '*' && !checkWildcardHost(h) && checkFqdn(h)) {
          ctx.error(
            ['spec', 'hosts', i],
            `with resolution ${resolution} and no endpoints, host "${h}" is resolved by DNS, so it cannot be a wildcard`,
          );
        }
      });
    }
    if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1)
      ctx.error(['spec', 'endpoints'], 'DNS_ROUND_ROBIN takes at most one endpoint');
    endpoints.forEach((e, i) =>
      checkEndpoint(ctx, ['spec', 'endpoints', i], e, {
        allowHostnames: true,
        allowUnix: false,
        requireAddress: true,
        servicePorts: names,
      }),
    );
    if (spec.workloadSelector)
      ctx.warn(
        ['spec', 'workloadSelector'],
        `workloadSelector has no effect with resolution ${resolution}`,
      );
  }
  // Plain TCP carries no host name, so several hosts on one port cannot be told apart.
  if (resolution !== 'NONE' && hosts.length > 1) {
    const i = (spec.ports ?? []).findIndex(
      (p) => !isHttpProtocol(p.protocol) && !isTlsProtocol(p.protocol),
    );
    if (i !== -1)
      ctx.error(
        ['spec', 'ports', i, 'protocol'],
        'several hosts need HTTP or TLS ports to tell them apart; this port is neither',
      );
  }
  checkExportTo(ctx, ['spec', 'exportTo'], spec.exportTo, { allowNone: true });
}
