// The terminal handler: one attempt to one endpoint over a pooled keep-alive connection, both
// bodies streamed. Failures without a response become local replies that say what broke, in
// Envoy's words, so the retry layer can match them against retryOn.
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { classifyUpstreamError } from '../upstream/failure.js';
import { resetAfterEachRequest, type UpstreamPools } from '../upstream/pools.js';
import { PEER_HEADER } from '../telemetry/peer-header.js';
import { receivePeer } from '../telemetry/propagation.js';
import { hopByHopOf, withoutHopByHop } from './headers.js';
import { localReply } from './local-reply.js';
import { abortedReply } from './settle.js';
import type { FreshHeaderMap, Handler, ProxyResponse, UpstreamTarget } from './types.js';

/** Envoy's prefix for failures before response headers. */
const RESET_BEFORE_HEADERS = 'upstream connect error or disconnect/reset before headers.';

export function forwardHandler(pools: UpstreamPools): Handler {
  return async (ctx) => {
    const target = ctx.upstream;
    if (!target) throw new Error('forward handler reached without an upstream target');
    if (ctx.signal.aborted) return abortedReply(ctx.signal.reason);
    let body: Readable | undefined;
    try {
      body = ctx.body?.open();
      // The pool skips the hop-by-hop headers and writes host and the attempt count while it
      // writes the head: the request's map is sent as it is, not copied first.
      const set: Record<string, string> = { host: ctx.authority };
      if (ctx.attemptCount !== undefined) set['x-envoy-attempt-count'] = String(ctx.attemptCount);
      // Workload names stay inside the mesh: only an endpoint with a sidecar gets them.
      if (ctx.peerHeader !== undefined && target.sidecar) set[PEER_HEADER] = ctx.peerHeader;
      // The target also carries its cluster's pool settings (endpoint.ts, targetOf).
      const res = await pools.get(target).request({
        method: ctx.method,
        path: ctx.path,
        headers: ctx.headers,
        omit: hopByHopOf(ctx.headers),
        set,
        body: body ?? null,
        signal: ctx.signal,
        ...(resetAfterEachRequest(target) && { reset: true }),
      });
      ctx.info.upstreamResponseAt = performance.now();
      // The pool's record of this response, or a copy without hop-by-hop headers: ours to change.
      const headers = withoutHopByHop(res.headers) as FreshHeaderMap;
      receivePeer(headers, target.sidecar === true, ctx.info);
      return { status: res.statusCode, headers, body: res.body };
    } catch (err) {
      body?.destroy();
      if (ctx.signal.aborted) return abortedReply(ctx.signal.reason);
      return upstreamFailureReply(err, target);
    }
  };
}

export function upstreamFailureReply(err: unknown, target: UpstreamTarget): ProxyResponse {
  const { kind, detail } = classifyUpstreamError(err);
  const where = `upstream ${target.id} of ${target.cluster}`;
  switch (kind) {
    case 'connect-failure':
      return localReply(
        503,
        'UF',
        `${RESET_BEFORE_HEADERS} reset reason: connection failure, transport failure reason: ${detail} (${where})`,
        'connect-failure',
      );
    case 'reset':
      return localReply(
        503,
        'UC',
        `${RESET_BEFORE_HEADERS} reset reason: connection termination: ${detail} (${where})`,
        'reset',
      );
    case 'protocol-error':
      return localReply(502, 'UPE', `upstream sent an invalid HTTP response: ${detail} (${where})`);
  }
}
