// References from VirtualServices to Gateways: `namespace/name`, a bare `name`, or `mesh`.
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { checkFqdn } from './host-names.js';
import { isIstioDnsLabel } from './names.js';

export const MESH_GATEWAY = 'mesh';

export function checkGatewayNames(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  names: readonly string[] | undefined,
): void {
  (names ?? []).forEach((name, i) => {
    const where = [...path, i];
    const slash = name.indexOf('/');
    if (slash === -1) {
      const problem = checkFqdn(name);
      if (problem) ctx.error(where, `gateway "${name}" is invalid: ${problem}`);
      else if (name.includes('.')) {
        const [gw, ns] = name.split('.');
        ctx.warn(where, `"${name}" uses the legacy gateway name format; prefer "${ns}/${gw}"`);
      }
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (!isIstioDnsLabel(ns))
      ctx.error(where, `gateway "${name}" has an invalid namespace "${ns}"`);
    else if (!isIstioDnsLabel(gw))
      ctx.error(where, `gateway "${name}" has an invalid name "${gw}" (a DNS label)`);
  });
}
