// HTTP/2 cleartext client sessions to upstream endpoints: one per endpoint (and connection
// settings), created on first use and shared by every request to it, as Envoy multiplexes an h2
// cluster over one connection. A session that receives GOAWAY, fails, closes, idles out or has
// served maxRequestsPerConnection streams is retired: new requests get a fresh session, its
// in-flight streams finish on the old one.
import { connect, type ClientHttp2Session } from 'node:http2';
import type { UpstreamAddress } from '../upstream/pools.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../upstream/pools.js';
import { tlsConnector } from '../upstream/tls-origination.js';

export interface H2SessionPoolOptions {
  /** Istio's default connectTimeout: 10 s. */
  readonly connectTimeoutMs?: number;
  /** An upstream session without any frame for this long is closed (gracefully). */
  readonly idleTimeoutMs?: number;
  /** Per-session memory cap in MB (node:http2 maxSessionMemory). */
  readonly maxSessionMemoryMb?: number;
}

export interface H2Upstream {
  readonly session: ClientHttp2Session;
  /** Settles when the connection is up; rejects when it could not be made. */
  readonly ready: Promise<void>;
  /** Counts one more stream on this session (for maxRequestsPerConnection). */
  opened(): void;
}

export interface H2SessionPool {
  get(target: UpstreamAddress): H2Upstream;
  readonly size: number;
  /** Closes every session: in-flight streams finish first unless `force`. */
  close(force?: boolean): Promise<void>;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

interface Entry extends H2Upstream {
  retired: boolean;
  streams: number;
}

/** Thrown (as the ready rejection) when the TCP connect does not complete in time. */
export class ConnectTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`connect timeout after ${timeoutMs} ms`);
    this.name = 'ConnectTimeout';
  }
}

export function createH2SessionPool(options: H2SessionPoolOptions = {}): H2SessionPool {
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxSessionMemory = options.maxSessionMemoryMb ?? 32;
  const entries = new Map<string, Entry>();
  let closed = false;

  const retire = (key: string, entry: Entry) => {
    entry.retired = true;
    if (entries.get(key) === entry) entries.delete(key);
  };

  return {
    get(target) {
      if (closed) throw new Error('upstream HTTP/2 sessions are closed');
      const connectTimeoutMs = target.connectTimeoutMs ?? connectTimeout;
      const maxStreams = target.maxRequestsPerConnection ?? 0;
      const host = target.address.includes(':') ? `[${target.address}]` : target.address;
      const tls = target.tls;
      const key = `${host}:${target.port}|${connectTimeoutMs}|${maxStreams}|${tls?.key ?? ''}`;
      const known = entries.get(key);
      if (known && !known.retired && !known.session.closed && !known.session.destroyed)
        return known;

      const session = connect(`${tls ? 'https' : 'http'}://${host}:${target.port}`, {
        maxSessionMemory,
        settings: { enablePush: false },
        // DestinationRule tls: the same origination as HTTP/1.1, offering h2.
        ...(tls && {
          createConnection: () => tlsConnector(tls, 'h2')(target.address, target.port),
        }),
      });
      // Failures reach requests through `ready` and their streams; nothing here may throw.
      session.on('error', () => undefined);
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const err = new ConnectTimeout(connectTimeoutMs);
          reject(err);
          session.destroy();
        }, connectTimeoutMs);
        session.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        session.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        session.once('close', () => {
          clearTimeout(timer);
          reject(new Error('connection closed before the HTTP/2 handshake'));
        });
      });
      ready.catch(() => undefined);
      const entry: Entry = {
        session,
        ready,
        retired: false,
        streams: 0,
        opened() {
          entry.streams++;
          if (maxStreams > 0 && entry.streams >= maxStreams) {
            retire(key, entry);
            // Graceful: the streams already opened finish, then the connection closes.
            session.close();
          }
        },
      };
      ready.catch(() => retire(key, entry));
      session.once('goaway', () => retire(key, entry));
      session.once('close', () => retire(key, entry));
      session.setTimeout(idleTimeout, () => {
        retire(key, entry);
        session.close();
      });
      // Upstream connections never keep the process alive on their own.
      session.unref();
      entries.set(key, entry);
      return entry;
    },
    get size() {
      return entries.size;
    },
    async close(force = false) {
      closed = true;
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(
        all.map(
          (e) =>
            new Promise<void>((resolve) => {
              if (e.session.closed || e.session.destroyed) return resolve();
              e.session.once('close', () => resolve());
              if (force) e.session.destroy();
              else e.session.close();
            }),
        ),
      );
    },
  };
}
