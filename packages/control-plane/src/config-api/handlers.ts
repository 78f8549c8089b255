// The gRPC edge: decode with the codec, authorize writes, run, encode; every failure becomes a
// status (api-error.ts) so no request can take the server down.
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import {
  decodeApplyRequest,
  decodeDeleteRequest,
  decodeGetRequest,
  decodeListRequest,
  decodeProxyStatusRequest,
  decodeValidateRequest,
  decodeWatchRequest,
  encodeApplyResponse,
  encodeConfigEvent,
  encodeDeleteResponse,
  encodeGetResponse,
  encodeListResponse,
  encodeProxyStatusResponse,
  encodeValidateResponse,
} from '@mesh/proto';
import type { ConfigServiceHandlers } from '@mesh/proto';
import { CONFIG_PREFIX } from '@mesh/store';
import { ApiError, toStatus } from './api-error.js';
import { applyDocuments } from './apply.js';
import { judge } from './check.js';
import { deleteResource } from './delete.js';
import type { ConfigApiDeps } from './deps.js';
import { checkDocuments, completeIdentity } from './documents.js';
import { proxyStatus } from './proxy-status.js';
import { getResource, listResources } from './reads.js';
import { watchConfig } from './watch.js';

export function createConfigServiceHandlers(deps: ConfigApiDeps): ConfigServiceHandlers {
  const { store } = deps;
  const knownHosts = () => deps.knownHosts?.() ?? [];
  const authorize = (metadata: grpc.Metadata) => {
    const denied = deps.authorize(metadata);
    if (denied) throw new ApiError({ code: grpc.status.UNAUTHENTICATED, ...denied });
  };

  return {
    Validate: unary(async (call) => {
      const request = decodeValidateRequest({
        ...call.request,
        documents: call.request.documents.map(completeIdentity),
      });
      const batch = checkDocuments(request.documents);
      const { items } = await store.list(CONFIG_PREFIX);
      return encodeValidateResponse(
        judge(batch, items, [...knownHosts(), ...(request.knownHosts ?? [])]),
      );
    }),

    Apply: unary(async (call) => {
      if (!call.request.dryRun) authorize(call.metadata);
      const request = decodeApplyRequest({
        ...call.request,
        documents: call.request.documents.map(completeIdentity),
      });
      return encodeApplyResponse(
        await applyDocuments(store, request, () => [
          ...knownHosts(),
          ...(request.knownHosts ?? []),
        ]),
      );
    }),

    Get: unary(async (call) =>
      encodeGetResponse(await getResource(store, decodeGetRequest(call.request))),
    ),

    List: unary(async (call) =>
      encodeListResponse(await listResources(store, decodeListRequest(call.request))),
    ),

    Delete: unary(async (call) => {
      authorize(call.metadata);
      return encodeDeleteResponse(await deleteResource(store, decodeDeleteRequest(call.request)));
    }),

    ProxyStatus: unary(async (call) =>
      encodeProxyStatusResponse(
        proxyStatus(await deps.proxyStatus(), decodeProxyStatusRequest(call.request)),
      ),
    ),

    Watch(call) {
      const controller = new AbortController();
      const stop = () => controller.abort();
      call.on('cancelled', stop);
      if (call.cancelled) stop();
      const { signal } = controller;
      void (async () => {
        try {
          const events = watchConfig(store, decodeWatchRequest(call.request), signal);
          for await (const event of events) {
            if (signal.aborted) break;
            if (!call.write(encodeConfigEvent(event))) await drained(call, signal);
          }
          // The store's watch only ends on its own when the store closes (shutdown).
          if (!signal.aborted) {
            call.emit('error', {
              code: grpc.status.UNAVAILABLE,
              details: 'the control plane is shutting down (its config store closed); watch again',
            });
          }
        } catch (error) {
          if (!signal.aborted) call.emit('error', toStatus(error));
        } finally {
          call.off('cancelled', stop);
          controller.abort();
        }
      })();
    },
  };
}

/** Runs a handler to exactly one callback, whatever it throws. */
function unary<Req, Res>(
  run: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    void (async () => {
      let outcome: { value: Res } | { status: Partial<grpc.StatusObject> };
      try {
        outcome = { value: await run(call) };
      } catch (error) {
        outcome = { status: toStatus(error) };
      }
      try {
        if ('value' in outcome) callback(null, outcome.value);
        else callback(outcome.status);
      } catch {
        // The call is already gone (client cancelled); there is nobody left to tell.
      }
    })();
  };
}

/** Resolves when the stream wants more, or when the watch is stopped meanwhile. */
async function drained(call: grpc.ServerWritableStream<unknown, unknown>, signal: AbortSignal) {
  try {
    await once(call, 'drain', { signal });
  } catch {
    // Aborted: the loop sees the signal and stops.
  }
}
