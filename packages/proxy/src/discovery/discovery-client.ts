// Keeps the proxy subscribed to its control plane: one stream at a time, reopened with backoff
// whenever it ends, while the proxy keeps routing on the last table it accepted. The control
// plane re-sends the state of the world on every new stream, so a reconnect needs no resync.
import * as grpc from '@grpc/grpc-js';
import {
  loadMeshProtos,
  MAX_DISCOVERY_MESSAGE_BYTES,
  openDiscoveryStream,
  TYPE_URLS,
  type DiscoveryResponse,
  type DiscoveryServiceClient,
  type DiscoveryStream,
  type NackDetail,
  type ProxyNode,
} from '@mesh/proto';
import { TYPE_LABELS } from '../config/type-names.js';
import { INTERNAL, type ConfigState } from '../config/config-state.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';

/** Make-before-break: clusters exist before the routes that name them. */
export const SUBSCRIPTION_ORDER = [
  TYPE_URLS.clusters,
  TYPE_URLS.endpoints,
  TYPE_URLS.listeners,
  TYPE_URLS.routes,
] as const;

export interface DiscoveryOptions {
  /** host:port of the control plane. */
  readonly address: string;
  /** Read at every (re)connect; keep it in step with what setNode sends. */
  readonly node: () => ProxyNode;
  readonly state: ConfigState;
  readonly log: (line: string) => void;
  readonly backoff?: BackoffOptions;
  /** Jitter source; Math.random unless a test pins it. */
  readonly rng?: () => number;
}

export interface Discovery {
  /** True while a stream is open and has delivered config. */
  readonly connected: boolean;
  /** NACKs sent so far, per type label (`Cluster`, `Listener`...), for the proxy's metrics. */
  readonly rejections: ReadonlyMap<string, number>;
  /** Tells the control plane the node changed now (say, it became ready). */
  setNode(node: ProxyNode): void;
  close(): void;
}

export function startDiscovery(options: DiscoveryOptions): Discovery {
  const rejections = new Map<string, number>();
  const { address, state } = options;
  // A logger that throws must not turn into a NACK or a dead reconnect loop.
  const log = (line: string) => {
    try {
      options.log(line);
    } catch {
      // Nothing sensible is left to report it to.
    }
  };
  const backoff = new Backoff(options.backoff, options.rng);
  const client = newClient(address, options.backoff);
  let stream: DiscoveryStream | undefined;
  let streamId = 0;
  let delivered = false;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const connect = () => {
    retry = undefined;
    if (closed) return;
    const id = ++streamId;
    delivered = false;
    try {
      stream = openDiscoveryStream({
        address,
        client,
        node: options.node(),
        types: SUBSCRIPTION_ORDER,
        onResponse: (res) => {
          if (!delivered) log(`receiving config from ${address}`);
          delivered = true;
          return apply(res);
        },
        onEnd: (status) => {
          if (id === streamId)
            ended(`${grpc.status[status.code] ?? status.code} ${status.details}`);
        },
      });
    } catch (err) {
      ended((err as Error).message);
    }
  };

  const apply = (res: DiscoveryResponse): NackDetail | undefined => {
    let nack: NackDetail | undefined;
    try {
      nack = state.onResponse(res);
    } catch (err) {
      nack = { code: INTERNAL, message: `cannot apply: ${(err as Error).message}` };
    }
    const label = TYPE_LABELS[res.typeUrl];
    const what = `${label} version ${res.versionInfo}`;
    if (nack) {
      rejections.set(label, (rejections.get(label) ?? 0) + 1);
      log(`rejected ${what}: ${nack.message}`);
    }
    return nack;
  };

  const ended = (why: string) => {
    stream = undefined;
    if (closed) return;
    if (delivered) backoff.reset();
    delivered = false;
    const delay = backoff.next();
    log(
      `discovery stream to ${address} ended (${why}); reconnecting in ${delay} ms, routing on config generation ${state.current().generation}`,
    );
    retry = setTimeout(connect, delay);
    // A proxy is kept alive by its listeners, not by waiting for its control plane.
    retry.unref();
  };

  connect();

  return {
    rejections,
    get connected() {
      return stream !== undefined && delivered;
    },
    setNode(node) {
      try {
        stream?.setNode(node);
      } catch (err) {
        log(`cannot send the node update: ${(err as Error).message}`);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      if (retry) clearTimeout(retry);
      stream?.close();
      stream = undefined;
      client.close();
    },
  };
}

/**
 * One channel for every stream of the proxy, with grpc's own reconnect backoff held to ours: its
 * default (up to 120 s) would keep a proxy away from a control plane long back up.
 */
function newClient(address: string, backoff: BackoffOptions = {}): DiscoveryServiceClient {
  const { DiscoveryService } = loadMeshProtos();
  return new DiscoveryService(address, grpc.credentials.createInsecure(), {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.max_receive_message_length': MAX_DISCOVERY_MESSAGE_BYTES,
    'grpc.initial_reconnect_backoff_ms': backoff.initialMs ?? DEFAULT_BACKOFF.initialMs,
    'grpc.max_reconnect_backoff_ms': backoff.maxMs ?? DEFAULT_BACKOFF.maxMs,
    // A pool shared with other channels to the same address would share their backoff state.
    'grpc.use_local_subchannel_pool': 1,
  }) as unknown as DiscoveryServiceClient;
}
