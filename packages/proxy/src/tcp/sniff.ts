// Protocol detection on a fresh byte stream, as Istio's sidecar does on its listeners: the HTTP/2
// connection preface means h2c, an HTTP/1.x request line means HTTP/1.1, anything else is opaque
// TCP. The bytes read to decide are handed back (socket.unshift) for whoever takes the socket.
import type { Duplex } from 'node:stream';

export type SniffedProtocol = 'h2c' | 'http1' | 'tcp';

/** RFC 9113 3.4: what every HTTP/2 client sends first. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** A request line longer than this is not one (Envoy's HTTP inspector gives up sooner). */
const MAX_REQUEST_LINE = 8 * 1024;

const REQUEST_LINE = /^[A-Z][A-Z0-9_-]{0,31} [\x21-\x7e]+ HTTP\/1\.[01]\r?$/;
// A prefix that can still grow into a request line.
const PARTIAL_REQUEST_LINE = /^[A-Z][A-Z0-9_-]{0,31}(?: [\x21-\x7e]*(?: [A-Z0-9/.]{0,8})?)?\r?$/;

/** What `bytes` (the start of a stream) is, or undefined while more bytes could change that. */
export function classify(bytes: Buffer): SniffedProtocol | undefined {
  if (bytes.length === 0) return undefined;
  const prefaceBytes = Math.min(bytes.length, H2_PREFACE.length);
  if (bytes.subarray(0, prefaceBytes).equals(H2_PREFACE.subarray(0, prefaceBytes)))
    return bytes.length >= H2_PREFACE.length ? 'h2c' : undefined;
  const newline = bytes.indexOf(0x0a);
  if (newline === -1) {
    if (bytes.length >= MAX_REQUEST_LINE) return 'tcp';
    return PARTIAL_REQUEST_LINE.test(bytes.toString('latin1')) ? undefined : 'tcp';
  }
  return REQUEST_LINE.test(bytes.subarray(0, newline).toString('latin1')) ? 'http1' : 'tcp';
}

export interface SniffResult {
  readonly protocol: SniffedProtocol;
  /** Why: `detected`, `timeout` (the client sent too little in time), `upstream-first`, `closed`. */
  readonly cause: 'detected' | 'timeout' | 'upstream-first' | 'closed';
  /**
   * Set when the client ended its side while being sniffed: the bytes it sent, which can no
   * longer be pushed back onto the ended stream (the taker writes them and half-closes).
   */
  readonly ended?: Buffer;
}

export interface SniffOptions {
  /** Bytes already read from the socket (the `head` of a CONNECT); they are given back too. */
  readonly head?: Buffer;
  /** Give up waiting after this long and call it TCP: the client may be waiting for the server. */
  readonly timeoutMs: number;
  /**
   * An upstream already connected: if it speaks first (MySQL, SMTP, SSH banners), the protocol
   * is server-first and so not HTTP; its first bytes stay readable on it.
   */
  readonly upstream?: Duplex;
}

/**
 * Reads from `socket` until its protocol is known, then pauses it with every byte read pushed
 * back, so the next owner reads the stream from its first byte.
 */
export function sniff(socket: Duplex, options: SniffOptions): Promise<SniffResult> {
  return new Promise((resolve) => {
    let buffered = options.head ?? Buffer.alloc(0);
    const upstream = options.upstream;
    let done = false;
    const finish = (protocol: SniffedProtocol, cause: SniffResult['cause']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      upstream?.off('data', onUpstreamData);
      if (cause === 'closed') {
        resolve({ protocol, cause, ended: buffered });
        return;
      }
      socket.pause();
      if (buffered.length > 0) socket.unshift(buffered);
      resolve({ protocol, cause });
    };
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const protocol = classify(buffered);
      if (protocol) finish(protocol, 'detected');
    };
    const onEnd = () => finish(classify(buffered) ?? 'tcp', 'closed');
    const onUpstreamData = (chunk: Buffer) => {
      upstream!.pause();
      upstream!.unshift(chunk);
      finish('tcp', 'upstream-first');
    };
    const timer = setTimeout(() => finish('tcp', 'timeout'), options.timeoutMs);
    const early = classify(buffered);
    if (early) {
      finish(early, 'detected');
      return;
    }
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    upstream?.on('data', onUpstreamData);
  });
}
