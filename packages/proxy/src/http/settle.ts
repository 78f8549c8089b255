// Helpers for layers that give up on a pending response (timeouts, retries) or need to know when
// one is fully delivered (in-flight counters, the route timeout).
import { Readable } from 'node:stream';
import { localReply } from './local-reply.js';
import type { ProxyResponse } from './types.js';
import { DownstreamDisconnect, timeoutLabel, UpstreamTimeout } from './types.js';
import type { AbortSignalLike } from '../abort.js';

/**
 * `pending`, unless `signal` aborts first: then `onAbort()`. A response arriving after that is
 * discarded, so its connection and in-flight count are released. Layers race explicitly rather
 * than trusting the inner handler to honour the signal.
 */
export function untilAborted(
  pending: Promise<ProxyResponse>,
  signal: AbortSignalLike,
  onAbort: () => ProxyResponse,
): Promise<ProxyResponse> {
  if (signal.aborted) {
    pending.then(discardResponse, () => undefined);
    return Promise.resolve(onAbort());
  }
  return new Promise((resolve, reject) => {
    let done = false;
    const abort = () => {
      if (done) return;
      done = true;
      resolve(onAbort());
    };
    signal.addEventListener('abort', abort, { once: true });
    pending.then(
      (response) => {
        signal.removeEventListener('abort', abort);
        if (done) discardResponse(response);
        else {
          done = true;
          resolve(response);
        }
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        if (!done) {
          done = true;
          reject(err);
        }
      },
    );
  });
}

/** Drops a response nobody will send: drains a little (keeping the connection) or destroys it. */
export function discardResponse(response: ProxyResponse): void {
  const body = response.body;
  if (!(body instanceof Readable) || body.destroyed) return;
  body.on('error', () => undefined);
  const dump = (body as Readable & { dump?: (opts: { limit: number }) => Promise<void> }).dump;
  if (typeof dump === 'function') dump.call(body, { limit: 64 * 1024 }).catch(() => undefined);
  else body.destroy();
}

/** Calls `fn` once the response body has ended, failed or been destroyed (now, if it has none). */
export function whenDelivered(response: ProxyResponse, fn: () => void): void {
  const body = response.body;
  if (!(body instanceof Readable) || body.closed) {
    fn();
    return;
  }
  body.once('close', fn);
}

/** The local reply for a request or attempt given up because of `reason` (a signal's). */
export function abortedReply(reason: unknown): ProxyResponse {
  if (reason instanceof UpstreamTimeout) return timeoutReply(reason);
  if (reason instanceof DownstreamDisconnect) return localReply(503, 'DC', reason.message);
  return localReply(503, 'DC', `request abandoned: ${String(reason)}`);
}

export function timeoutReply(timeout: UpstreamTimeout): ProxyResponse {
  return localReply(
    504,
    'UT',
    `upstream request timeout: no response within the ${timeoutLabel(timeout.scope)} of ${timeout.timeoutMs} ms`,
    'timeout',
  );
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignalLike): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
