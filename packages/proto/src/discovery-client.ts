// The proxy's side of one discovery stream: subscribe to types, hand each response to the caller,
// answer it with an ACK or a NACK. Reconnecting is the caller's policy (a proxy backs off with
// jitter; a benchmark does not reconnect at all), so one instance is one stream.
import * as grpc from '@grpc/grpc-js';
import {
  ackFor,
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  nackFor,
  type DiscoveryResponse,
  type NackDetail,
  type ProxyNode,
  type TypeUrl,
} from './discovery-codec.js';
import { WireDecodeError } from './errors.js';
import type { DiscoveryServiceClient } from './generated/mesh/v1/DiscoveryService.js';
import { loadMeshProtos } from './load.js';

export interface DiscoveryStreamOptions {
  /** host:port of the control plane. */
  address: string;
  node: ProxyNode;
  types: readonly TypeUrl[];
  /**
   * Called for every response, in stream order. Return undefined to ACK, or why the response
   * is rejected to NACK (the stream then reports the last applied version, as the proxy keeps
   * running it).
   */
  onResponse(response: DiscoveryResponse): NackDetail | undefined;
  /** The stream ended: the control plane went away or closed it (status says why). */
  onEnd?(status: grpc.StatusObject): void;
  /** Reuse a client (one HTTP/2 connection) across streams. */
  client?: DiscoveryServiceClient;
}

export interface DiscoveryStream {
  /**
   * Tells the control plane the node changed (say, it became ready) by repeating the last ACK
   * with the new node; the server takes the node from every request and ignores a repeated
   * reply otherwise.
   */
  setNode(node: ProxyNode): void;
  /** Version last applied, per type. */
  applied(type: TypeUrl): string;
  close(): void;
}

/** Largest discovery response a proxy accepts (gRPC's default of 4 MiB is too small). */
export const MAX_DISCOVERY_MESSAGE_BYTES = 256 * 1024 * 1024;

export function newDiscoveryClient(address: string): DiscoveryServiceClient {
  const { DiscoveryService } = loadMeshProtos();
  return new DiscoveryService(address, grpc.credentials.createInsecure(), {
    'grpc.keepalive_time_ms': 30_000,
    // A mesh's route tables or endpoint lists can outgrow gRPC's 4 MiB default; a proxy that
    // cannot receive its config would be stuck on the old one.
    'grpc.max_receive_message_length': MAX_DISCOVERY_MESSAGE_BYTES,
  }) as unknown as DiscoveryServiceClient;
}

export function openDiscoveryStream(options: DiscoveryStreamOptions): DiscoveryStream {
  const client = options.client ?? newDiscoveryClient(options.address);
  const call = client.Stream();
  let node = options.node;
  const applied = new Map<TypeUrl, string>();
  let lastAck: { typeUrl: TypeUrl; versionInfo: string; nonce: string } | undefined;
  let ended = false;

  call.on('data', (wire) => {
    let res: DiscoveryResponse;
    try {
      res = decodeDiscoveryResponse(wire);
    } catch (err) {
      // Undecodable: nothing to apply. Without a nonce there is nothing to NACK either.
      if (
        err instanceof WireDecodeError &&
        wire.nonce &&
        options.types.includes(wire.typeUrl as TypeUrl)
      ) {
        const type = wire.typeUrl as TypeUrl;
        call.write(
          encodeDiscoveryRequest({
            node,
            typeUrl: type,
            versionInfo: applied.get(type) ?? '',
            responseNonce: wire.nonce,
            errorDetail: { code: grpc.status.INVALID_ARGUMENT, message: err.message },
            resourceNames: [],
          }),
        );
      }
      return;
    }
    let error: NackDetail | undefined;
    try {
      error = options.onResponse(res);
    } catch (err) {
      error = { code: grpc.status.INTERNAL, message: `cannot apply: ${(err as Error).message}` };
    }
    if (error) {
      call.write(encodeDiscoveryRequest(nackFor(node, res, applied.get(res.typeUrl) ?? '', error)));
    } else {
      applied.set(res.typeUrl, res.versionInfo);
      lastAck = { typeUrl: res.typeUrl, versionInfo: res.versionInfo, nonce: res.nonce };
      call.write(encodeDiscoveryRequest(ackFor(node, res)));
    }
  });
  call.on('status', (status) => {
    if (ended) return;
    ended = true;
    options.onEnd?.(status);
  });
  // 'error' carries the same status as 'status'; without a listener it would throw.
  call.on('error', () => undefined);

  for (const typeUrl of options.types) {
    call.write(
      encodeDiscoveryRequest({
        node,
        typeUrl,
        versionInfo: '',
        responseNonce: '',
        resourceNames: [],
      }),
    );
  }

  return {
    setNode(next) {
      node = next;
      if (!lastAck || ended) return;
      call.write(
        encodeDiscoveryRequest({
          node,
          typeUrl: lastAck.typeUrl,
          versionInfo: lastAck.versionInfo,
          responseNonce: lastAck.nonce,
          resourceNames: [],
        }),
      );
    },
    applied: (type) => applied.get(type) ?? '',
    close() {
      ended = true;
      call.cancel();
      if (!options.client) client.close();
    },
  };
}
