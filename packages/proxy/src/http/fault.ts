// Istio's HTTPFaultInjection, as Envoy's fault filter applies it: first the delay, then the abort,
// each drawn independently against its percentage. The filter sits before the router, so its
// delay does not count against the route timeout and its abort gets no route header operations.
import { GRPC_STATUS, type FaultPolicy } from '@mesh/rules';
import { localReply, MESH_ERROR_HEADER } from './local-reply.js';
import { sleep } from './settle.js';
import type { Handler, Layer, ProxyResponse } from './types.js';

/** Envoy's body for an injected abort. */
export const FAULT_ABORT_REASON = 'fault filter abort';

// grpc-status codes by the names Istio's HTTPFaultInjection.Abort.grpcStatus takes.
const GRPC_CODES: Readonly<Record<string, number>> = GRPC_STATUS;

export function faultLayer(fault: FaultPolicy | undefined): Layer | undefined {
  if (!fault || (!fault.delay && !fault.abort)) return undefined;
  const { delay, abort } = fault;
  return (next: Handler): Handler =>
    async (ctx) => {
      if (delay && hits(ctx.rng, delay.percentage) && delay.fixedDelayMs > 0) {
        ctx.info.flags.add('DI');
        await sleep(delay.fixedDelayMs, ctx.signal);
        if (ctx.signal.aborted)
          return localReply(503, 'DC', 'downstream went away during an injected delay');
      }
      if (abort && hits(ctx.rng, abort.percentage)) {
        if ('httpStatus' in abort) return localReply(abort.httpStatus, 'FI', FAULT_ABORT_REASON);
        ctx.info.flags.add('FI');
        return grpcAbort(abort.grpcStatus);
      }
      return next(ctx);
    };
}

// A gRPC abort is a trailers-only gRPC response: HTTP 200 with the status in the headers and no
// body, which gRPC clients read as the call's status. The flag goes to the log here, since this is
// not a plain-text local reply.
function grpcAbort(grpcStatus: string): ProxyResponse {
  const code = GRPC_CODES[grpcStatus.toUpperCase()] ?? Number(grpcStatus);
  return {
    status: 200,
    headers: {
      'content-type': 'application/grpc',
      'grpc-status': String(Number.isInteger(code) ? code : GRPC_CODES.UNKNOWN),
      'grpc-message': FAULT_ABORT_REASON,
      [MESH_ERROR_HEADER]: `FI ${FAULT_ABORT_REASON}`,
    },
    body: new Uint8Array(0),
  };
}

/** Percentages are 0-100 with fractions (Istio's Percent); 0 never, 100 always. */
function hits(rng: () => number, percentage: number): boolean {
  return percentage > 0 && rng() * 100 < percentage;
}
