// A downstream request body that can be sent more than once, for retries. It streams: each attempt
// reads what has arrived so far and then follows the live body, with backpressure from the attempt
// reading it. Envoy keeps a copy for retries up to a buffer limit and gives up retrying past it;
// so do we: past `retainLimit` bytes, chunks are released once sent and `replayable` turns false.
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';

/** Envoy's default per-connection buffer limit, which also bounds the retry copy of a body. */
export const DEFAULT_RETRY_BUFFER_BYTES = 1024 * 1024;

interface Consumer {
  readonly stream: Readable;
  next: number;
  done: boolean;
}

export class RequestBody {
  private readonly chunks: Buffer[] = [];
  private consumer: Consumer | undefined;
  private bytes = 0;
  private dropped = false;
  private ended = false;
  private failed: Error | undefined;
  private resolveComplete!: () => void;
  /** Settles when the downstream body has ended, failed or been cut off. Never rejects. */
  readonly complete: Promise<void>;

  constructor(
    private readonly source: Readable,
    private readonly retainLimit: number = DEFAULT_RETRY_BUFFER_BYTES,
    onBytes?: (n: number) => void,
  ) {
    this.complete = new Promise((resolve) => (this.resolveComplete = resolve));
    source.on('data', (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.bytes += buf.length;
      onBytes?.(buf.length);
      this.chunks.push(buf);
      this.pump();
    });
    source.once('end', () => {
      this.ended = true;
      this.resolveComplete();
      this.pump();
    });
    source.once('error', (err) => this.fail(err));
    source.once('close', () => {
      if (!this.ended) this.fail(new Error('downstream closed before the request body ended'));
    });
    // Nothing flows until an attempt reads: the upstream's pace is the downstream's pace.
    source.pause();
  }

  /** Bytes received from downstream so far. */
  get bytesReceived(): number {
    return this.bytes;
  }

  /** Can another attempt still send the whole body? */
  get replayable(): boolean {
    return !this.dropped && this.bytes <= this.retainLimit;
  }

  /**
   * A fresh stream of the whole body for one attempt. Opening one detaches (and destroys) the
   * stream of the previous attempt. Throws when the body was streamed past the retry buffer.
   */
  open(): Readable {
    if (this.dropped)
      throw new Error('request body exceeded the retry buffer and cannot be resent');
    const previous = this.consumer;
    if (previous && !previous.stream.destroyed) previous.stream.destroy();
    const consumer: Consumer = {
      stream: new ReadableStream({ read: () => this.pump() }),
      next: 0,
      done: false,
    };
    this.consumer = consumer;
    return consumer.stream;
  }

  private fail(err: Error): void {
    if (this.failed || this.ended) return;
    this.failed = err;
    this.resolveComplete();
    this.pump();
  }

  private pump(): void {
    const c = this.consumer;
    if (!c || c.done || c.stream.destroyed) {
      this.source.pause();
      return;
    }
    let wants = true;
    while (wants && c.next < this.chunks.length) wants = c.stream.push(this.chunks[c.next++]);
    if (this.bytes > this.retainLimit) {
      // Past the retry buffer this attempt is the last one; keep only what it has yet to read.
      this.chunks.splice(0, c.next);
      c.next = 0;
      this.dropped = true;
    }
    if (c.next < this.chunks.length) {
      this.source.pause();
    } else if (this.failed) {
      c.done = true;
      c.stream.destroy(this.failed);
    } else if (this.ended) {
      c.done = true;
      c.stream.push(null);
    } else if (wants) {
      this.source.resume();
    } else {
      this.source.pause();
    }
  }
}

/** Does an HTTP/1.1 request carry a body (RFC 9112 6.3)? */
export function hasBody(headers: {
  'content-length'?: string | undefined;
  'transfer-encoding'?: string | undefined;
}): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}
