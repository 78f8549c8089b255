// WorkloadEntry (Istio's ValidateWorkloadEntry), also used for ServiceEntry endpoints.
import type { WorkloadEntrySpec } from '../api/workload-entry.js';
import type { WorkloadEntry } from '../api/resources.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { checkFqdn } from './host-names.js';
import { isIPAddress } from './ip.js';
import { checkDns1123Subdomain, isIstioDnsLabel } from './names.js';
import { isValidPort } from './ports.js';
import { checkLabels } from './selectors.js';
import { unixAddressProblem, UNIX_PREFIX } from './unix-address.js';

export interface EndpointRules {
  /** STATIC ServiceEntries need IPs; DNS ones and WorkloadEntries may name hosts. */
  allowHostnames: boolean;
  allowUnix: boolean;
  /** DNS ServiceEntry endpoints must name a host: Istio checks "" as an FQDN and fails it. */
  requireAddress?: boolean;
  /** Port names the owning ServiceEntry declares; undefined for a standalone WorkloadEntry. */
  servicePorts?: ReadonlySet<string>;
}

export function checkEndpoint(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  we: WorkloadEntrySpec,
  rules: EndpointRules,
): void {
  const addr = we.address ?? '';
  if (addr === '') {
    // Without an address the workload is reached through its network's gateway.
    if (rules.requireAddress)
      ctx.error(
        [...path, 'address'],
        'address is required for DNS resolution (an IP address or a fully qualified host name)',
      );
    else if ((we.network ?? '') === '')
      ctx.error(
        [...path, 'address'],
        'address is required (or set network to reach it through a gateway)',
      );
    else
      ctx.warn(
        [...path, 'address'],
        `address is unset; traffic goes through the gateway of network "${we.network}"`,
      );
  } else if (addr.startsWith(UNIX_PREFIX)) {
    if (!rules.allowUnix)
      ctx.error([...path, 'address'], `"${addr}" is not an IP address or host name`);
    else {
      const problem = unixAddressProblem(addr.slice(UNIX_PREFIX.length));
      if (problem) ctx.error([...path, 'address'], problem);
      if (Object.keys(we.ports ?? {}).length > 0)
        ctx.error([...path, 'ports'], `unix endpoint "${addr}" cannot have ports`);
      if (rules.servicePorts && rules.servicePorts.size !== 1)
        ctx.error([...path, 'address'], 'a unix endpoint needs exactly one service port');
    }
  } else if (!isIPAddress(addr)) {
    if (!rules.allowHostnames)
      ctx.error(
        [...path, 'address'],
        `"${addr}" is not an IP address (STATIC resolution needs IPs)`,
      );
    else if (checkFqdn(addr))
      ctx.error(
        [...path, 'address'],
        `"${addr}" is not an IP address or a fully qualified host name`,
      );
  }
  for (const [name, port] of Object.entries(we.ports ?? {})) {
    const where = [...path, 'ports', name];
    if (rules.servicePorts && !rules.servicePorts.has(name))
      ctx.error(where, `port "${name}" is not declared in the ServiceEntry's ports`);
    if (!isIstioDnsLabel(name)) ctx.error(where, `port name "${name}" is not a DNS label`);
    if (!isValidPort(port)) ctx.error(where, `port ${port} is out of range (1..65535)`);
  }
  checkLabels(ctx, [...path, 'labels'], we.labels);
}

export function validateWorkloadEntry(ctx: ValidationContext, we: WorkloadEntry): void {
  checkEndpoint(ctx, ['spec'], we.spec, { allowHostnames: true, allowUnix: true });
  const sa = we.spec.serviceAccount;
  // Istio does not check this, but a name Kubernetes cannot hold never matches an identity.
  if (sa !== undefined && sa !== '' && checkDns1123Subdomain(sa)) {
    ctx.warn(['spec', 'serviceAccount'], `"${sa}" is not a valid Kubernetes service account name`);
  }
}
