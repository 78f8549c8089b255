// A route's `headers` operations (HTTPRoute.headers and the picked destination's, merged by
// @mesh/rules). The router applies them in Envoy, so they reach the upstream request and every
// response the router produces, its own local replies (UH, UF, UT) included; the fault filter's
// abort comes before the router and gets none.
import type { HeaderOps, RouteHeaderOps } from '@mesh/rules';
import { applyHeaderOps } from './headers.js';
import type { Handler, Layer } from './types.js';

export function headerOpsLayer(ops: RouteHeaderOps): Layer | undefined {
  if (isNoop(ops.request) && isNoop(ops.response)) return undefined;
  return (next: Handler): Handler =>
    async (ctx) => {
      const response = await next({ ...ctx, headers: applyHeaderOps(ctx.headers, ops.request) });
      const headers = applyHeaderOps(response.headers, ops.response);
      return headers === response.headers ? response : { ...response, headers };
    };
}

function isNoop(ops: HeaderOps): boolean {
  return ops.remove.length === 0 && ops.add.length === 0 && Object.keys(ops.set).length === 0;
}
