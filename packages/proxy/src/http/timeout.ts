// HTTPRoute.timeout as Envoy's route timeout: it starts once the downstream request is complete
// and spans every retry and the whole response body. Fired before the response headers: a local
// 504 UT. Fired while the body streams: the body is cut off (the client sees a reset) and the
// access log says UT.
import { Readable } from 'node:stream';
import { timeoutReply, untilAborted } from './settle.js';
import type { Handler, HttpContext, Layer } from './types.js';
import { UpstreamTimeout } from './types.js';
import { anySignal, RequestSignal } from '../abort.js';

export function timeoutLayer(
  timeoutMs: number | undefined,
  scope: 'route' | 'grpc-timeout' = 'route',
): Layer | undefined {
  if (timeoutMs === undefined || timeoutMs <= 0) return undefined;
  return (next: Handler): Handler =>
    async (ctx) => {
      const controller = new RequestSignal();
      const timeout = new UpstreamTimeout(scope, timeoutMs);
      let onFire: () => void = () => undefined;
      const cancel = startAfterRequest(ctx, timeoutMs, () => {
        controller.abort(timeout);
        onFire();
      });
      const signal = anySignal(ctx.signal, controller);
      const response = await untilAborted(next({ ...ctx, signal }), controller, () =>
        timeoutReply(timeout),
      ).catch((err: unknown) => {
        cancel();
        throw err;
      });
      if (controller.aborted) return response;
      const body = response.body;
      if (!(body instanceof Readable) || body.closed) {
        cancel();
        return response;
      }
      onFire = () => {
        ctx.info.flags.add('UT');
        body.destroy(timeout);
      };
      body.once('close', cancel);
      return response;
    };
}

/**
 * Runs `fire` `ms` after the downstream request body is complete (at once for bodiless requests).
 * Returns a cancel function that also stops a timer not yet started.
 */
export function startAfterRequest(ctx: HttpContext, ms: number, fire: () => void): () => void {
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    if (!cancelled) timer = setTimeout(fire, ms);
  };
  if (ctx.body) ctx.body.complete.then(start, start);
  else start();
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
  };
}
